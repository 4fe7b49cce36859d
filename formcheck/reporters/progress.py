"""A person's progress: the JSON (``formcheck.progress/1``), the terminal table, the plot
and the page.

Everything comes from a :class:`~formcheck.analysis.progression.PersonProgress`; nothing
here grades or decides a stage. The page is one template (``progress.html.j2``, its body
and style in ``_progress_body.html.j2`` and ``_progress_style.css.j2`` so that the web
service can put the same body in its own layout) rendered through
:func:`formcheck.reporters.pages.environment`, for the reader (``viewer="reader"``) or
the coach (``viewer="coach"``: rule codes and clips shown too), with the plot inline as
matplotlib SVG like the HTML report's.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from formcheck import __version__
from formcheck.analysis.progression import (
    COACH,
    RULES,
    RUNNING_ADVICE,
    RUNNING_ADVICE_SOURCE,
    SETTINGS,
    Judged,
    PersonProgress,
    Stage,
    Target,
    TrackProgress,
    TrainedSession,
    exercise_words,
    stage_words,
)
from formcheck.exercises import title_of
from formcheck.fileio import write_text_atomic
from formcheck.reporters import pages
from formcheck.sources.dates import DateSource

PROGRESS_SCHEMA = "formcheck.progress/1"

Viewer = Literal["reader", "coach"]

#: How each date source is shown beside a date.
DATE_SOURCE_WORDS = {DateSource.METADATA: "filmed", DateSource.FILE: "file dated",
                     DateSource.UPLOAD: "uploaded"}

#: Plot colours by side (the HTML report's palette).
SIDE_COLOURS = {"left": "#1f6fb2", "right": "#d9822b", "both": "#444444", None: "#888888"}


def _target_dict(target: Target) -> dict[str, Any]:
    return {"sets": target.sets, "reps": list(target.reps), "rest_s": list(target.rest_s)}


def _session_dict(judged: Judged) -> dict[str, Any]:
    session = judged.session
    fault = session.first_fault
    return {
        "date": session.date.at.isoformat(),
        "date_source": session.date.source.value,
        "side": session.side,
        "clip": session.clip,
        "sets": [{"reps": s.reps, "good_reps": s.good_reps, "rest_before_s": s.rest_before_s,
                  "fault": None if s.fault is None else
                  {"code": s.fault.code, "message": s.fault.message, "cue": s.fault.cue}}
                 for s in session.sets],
        "good_reps": session.good_reps,
        "first_fault": None if fault is None else
        {"code": fault.code, "message": fault.message, "cue": fault.cue},
        "rule": judged.rule,
        "note": judged.note,
        "stage": judged.stage.value,
        "next_target": _target_dict(judged.target),
    }


def _side_key(track: TrackProgress) -> str:
    return track.side or "unknown"


def latest_track(tracks: list[TrackProgress]) -> TrackProgress:
    """The track of an exercise worked last (its latest session's)."""
    return max(tracks, key=lambda t: (t.judged[-1].session.date.at, t.judged[-1].session.clip))


def progress_dict(progress: PersonProgress) -> dict[str, Any]:
    """The JSON object (``formcheck.progress/1``).

    Per exercise: every session (all sides, by date) with what it did, and per side its
    stage and next target; the exercise's own ``stage``, ``next_target`` and ``side`` are
    those of the side worked last.
    """
    exercises: dict[str, Any] = {}
    for name, tracks in progress.by_exercise().items():
        judged = sorted((j for t in tracks for j in t.judged),
                        key=lambda j: (j.session.date.at, j.session.clip))
        last = latest_track(tracks)
        exercises[name] = {
            "title": title_of(name),
            "sessions": [_session_dict(j) for j in judged],
            "stage": last.stage.value,
            "next_target": _target_dict(last.target),
            "side": last.side,
            "next": last.next_session(),
            "sides": {_side_key(t): {"stage": t.stage.value, "next_target": _target_dict(t.target),
                                     "next": t.next_session(), "standing": t.standing(),
                                     "counted": t.counted, "sessions": len(t.judged)}
                      for t in tracks},
        }
    return {"schema": PROGRESS_SCHEMA, "person": progress.person, "exercises": exercises,
            "advice": RUNNING_ADVICE}


# --- terminal --------------------------------------------------------------------------

def _when(session: TrainedSession) -> str:
    return session.date.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _sets_text(session: TrainedSession) -> str:
    return " · ".join(f"{s.good_reps}/{s.reps}" for s in session.sets)


def _rests_text(session: TrainedSession) -> str:
    rests = [s.rest_before_s for s in session.sets[1:] if s.rest_before_s is not None]
    return " · ".join(f"{r:.0f} s" for r in rests) or "-"


def print_progress(progress: PersonProgress, console: Console) -> None:
    """Each exercise and side: its sessions in a table, the stage, the next target."""
    console.print(f"[bold]{escape(progress.person)}[/]: progress", highlight=False)
    if not progress.tracks:
        console.print("No graded session yet.", highlight=False)
        return
    for track in progress.tracks:
        what = exercise_words(track.exercise, track.side, plural=False)
        side = {"left": ", left leg", "right": ", right leg", "both": "",
                None: ", side not known"}[track.side]
        console.print(f"\n[bold]{what}{side}[/]: stage [bold]{track.stage.value}[/]",
                      highlight=False)
        table = Table(show_edge=False, header_style="bold")
        for column in ("date (UTC)", "good/reps per set", "rest", "what it did"):
            table.add_column(column)
        for judged in track.judged:
            session = judged.session
            table.add_row(f"{_when(session)} [dim]{DATE_SOURCE_WORDS[session.date.source]}[/]",
                          _sets_text(session), _rests_text(session), escape(judged.note))
        console.print(table)
        console.print(escape(track.standing()), highlight=False)
        console.print(f"[bold green]{escape(track.next_session()[:1].upper())}"
                      f"{escape(track.next_session()[1:])}.[/]", highlight=False)
    console.print(f"\n{RUNNING_ADVICE}", highlight=False)


# --- the plot --------------------------------------------------------------------------

def figure_svg(fig: Any) -> str:
    """A matplotlib figure as inline SVG: the ``<svg>`` element only, text as paths (no
    font needed), the same bytes for the same figure, no RDF metadata."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    return re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)


def progress_svg(tracks: list[TrackProgress]) -> str:
    """Good reps per set over time for one exercise, each side its colour: a dot per set
    (hollow when a bad rep stopped it), a line through each session's mean, the base range
    shaded and the goal drawn.

    The figure is made without pyplot (no global figure manager), so the web service's
    threads can draw at once."""
    import matplotlib
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    matplotlib.rcParams["svg.hashsalt"] = "formcheck"
    settings = tracks[0].settings
    low, high = settings.base_reps
    goal = settings.goal_reps
    # Small in inches with 9-point text: on a phone's 350 px the text reads at about 9 px.
    fig = Figure(figsize=(4.8, 2.7))
    ax = fig.subplots()
    ax.axhspan(low, high, color="#2e9e4f", alpha=0.12, lw=0)
    ax.axhline(goal, color="#2e9e4f", lw=1, ls="--")
    dates = [j.session.date.at for t in tracks for j in t.judged]
    most = max([goal, *(s.good_reps for t in tracks for s in
                        (x for j in t.judged for x in j.session.sets))])
    for track in tracks:
        colour = SIDE_COLOURS[track.side]
        label = {"left": "left leg", "right": "right leg", "both": "both legs",
                 None: "side not known"}[track.side]
        xs, means = [], []
        for judged in track.judged:
            session = judged.session
            x = mdates.date2num(session.date.at)
            for s in session.sets:
                ax.plot([x], [s.good_reps], marker="o", ms=5.5, ls="none",
                        mfc="white" if s.stopped else colour, mec=colour, mew=1.4)
            if session.sets:
                xs.append(x)
                means.append(sum(s.good_reps for s in session.sets) / len(session.sets))
        ax.plot(xs, means, color=colour, lw=1.5, label=label)
    span = (max(dates) - min(dates)).total_seconds() / 86400.0
    pad = max(0.5, 0.06 * span)
    first, last = mdates.date2num(min(dates)), mdates.date2num(max(dates))
    ax.set_xlim(first - pad, last + pad)
    ax.set_ylim(0, most + 2)
    locator = mdates.AutoDateLocator(minticks=2, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.text(1.0, goal, f" goal {goal}", color="#2e9e4f", fontsize=9, va="center",
            ha="left", transform=ax.get_yaxis_transform())
    ax.text(1.0, (low + high) / 2, f" base\n {low}-{high}", color="#2e9e4f", fontsize=9,
            va="center", ha="left", transform=ax.get_yaxis_transform())
    ax.set_ylabel("good reps per set", fontsize=9)
    ax.tick_params(labelsize=9)
    ax.xaxis.get_offset_text().set_fontsize(9)
    ax.legend(fontsize=9, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0),
              ncols=len(tracks), borderaxespad=0.2)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return figure_svg(fig)


# --- the page --------------------------------------------------------------------------

def _side_label(side: str | None) -> str:
    return {"left": "left leg", "right": "right leg", "both": "both legs"}.get(
        side or "", "side not known")


def progress_context(progress: PersonProgress, *, viewer: Viewer = "reader",
                     private_link: str | None = None,
                     clip_link: Callable[[str], str | None] | None = None,
                     generated_at: datetime | None = None) -> dict[str, Any]:
    """What the progress templates need (``progress.html.j2`` for a whole page; the web
    service includes ``_progress_body.html.j2`` and ``_progress_style.css.j2`` in its own
    layout with the same context).

    Args:
        progress: The person's progress.
        viewer: ``reader`` (the person: "your") or ``coach`` (rule codes and clips too).
        private_link: The reader's private link to show for bookmarking, or None.
        clip_link: Gives the URL of a clip's report from its hash, or None for no link.
        generated_at: When the page was made (now when None), UTC.
    """
    if viewer not in ("reader", "coach"):
        raise ValueError(f"viewer: expected reader or coach, got {viewer!r}")
    exercises = []
    for name, tracks in progress.by_exercise().items():
        judged = sorted((j for t in tracks for j in t.judged),
                        key=lambda j: (j.session.date.at, j.session.clip), reverse=True)
        rows = []
        for j in judged:
            session = j.session
            fault = session.first_fault
            rows.append({
                "when": _when(session),
                "iso": session.date.at.isoformat(),
                "date_source": DATE_SOURCE_WORDS[session.date.source],
                "side": _side_label(session.side),
                "sets": [{"good": s.good_reps, "reps": s.reps, "stopped": s.stopped}
                         for s in session.sets],
                "rests": _rests_text(session),
                "fault": None if fault is None else {"message": fault.message,
                                                     "cue": fault.cue, "code": fault.code},
                "note": j.note,
                "rule": j.rule,
                "stage": j.stage.value,
                "clip": session.clip,
                "clip_url": clip_link(session.clip) if clip_link and session.clip else None,
            })
        exercises.append({
            "name": name,
            "title": title_of(name),
            "plot": progress_svg(tracks),
            "tracks": [{"side": _side_label(t.side), "side_key": _side_key(t),
                        "stage": t.stage.value, "stage_words": stage_words(t.stage),
                        "next": t.next_session()[:1].upper() + t.next_session()[1:],
                        "standing": t.standing(), "counted": t.counted,
                        "needed": t.settings.sessions_to_move_up,
                        "climbing": t.stage in (Stage.BASE, Stage.BUILD)}
                       for t in tracks],
            "rows": rows,
        })
    return {
        "person": progress.person,
        "viewer": viewer,
        "exercises": exercises,
        "advice": RUNNING_ADVICE,
        "advice_source": RUNNING_ADVICE_SOURCE.replace(COACH, "coach"),
        "rules": [{"code": r.code, "when": r.when, "then": r.then,
                   "source": r.source.replace(COACH, "coach")} for r in RULES],
        "coach_source": COACH,
        "settings": SETTINGS,
        "stages": [(stage.value, stage_words(stage)) for stage in Stage],
        "private_link": private_link,
        "generated_at": (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        "formcheck_version": __version__,
    }


def render_progress_page(progress: PersonProgress, *, viewer: Viewer = "reader",
                         private_link: str | None = None,
                         clip_link: Callable[[str], str | None] | None = None,
                         generated_at: datetime | None = None,
                         **globals_: Any) -> str:
    """The whole progress page, self-contained (no script, no network): what
    ``formcheck progress --html`` writes and what the web service shows a reader and the
    coach. Arguments as :func:`progress_context`; ``globals_`` go to the environment."""
    environment = pages.environment(**globals_)
    context = progress_context(progress, viewer=viewer, private_link=private_link,
                               clip_link=clip_link, generated_at=generated_at)
    return environment.get_template("progress.html.j2").render(**context)


def write_progress_page(path: str | Path, progress: PersonProgress, *,
                        clip_links: Mapping[str, str] | None = None,
                        viewer: Viewer = "reader") -> None:
    """Write :func:`render_progress_page`'s page atomically; ``clip_links`` maps a clip's
    hash to its report's URL (relative to the page)."""
    links = dict(clip_links or {})
    write_text_atomic(path, render_progress_page(progress, viewer=viewer,
                                                 clip_link=links.get))
