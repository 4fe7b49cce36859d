"""The `formcheck` command line: wires settings to library calls and renders results.

No thresholds, maths or drawing here; only typer and argument handling.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum, StrEnum
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

try:  # typer 0.2x carries its own copy of click; older typers use click itself
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors  # type: ignore[no-redef]

from formcheck import __version__
from formcheck.console import (
    error_reporter,
    print_error_json,
    say_error,
    stderr,
    stdout_console,
)
from formcheck.devtools.eval_table import print_evaluation
from formcheck.devtools.evaluation import evaluate
from formcheck.drivers.batch.jobs import DEFAULT_TIMEOUT_FACTOR, BatchSettings
from formcheck.drivers.batch.listing import (
    RichBatchProgress,
    results_csv,
    results_table,
    submission_summary,
    submissions_table,
)
from formcheck.drivers.batch.run import run_batch
from formcheck.drivers.file import analyse_file, extract_poses
from formcheck.drivers.live import EXIT_INTERRUPTED, LiveSettings, run_live
from formcheck.drivers.outputs import Outputs
from formcheck.drivers.progress import (
    analyse_for_person,
    forget_clip,
    load_progress,
    write_progress_html,
)
from formcheck.drivers.run import ProgressCallback
from formcheck.drivers.serve.settings import (
    DEFAULT_MAX_DURATION_S,
    DEFAULT_MAX_UPLOAD_MB,
    DEFAULT_UPLOAD_IDLE_S,
    DEFAULT_UPLOADS_PER_HOUR,
    ServeSettings,
)
from formcheck.drivers.speed import DEFAULT_ANALYSIS_FPS, DEFAULT_MIN_CHUNK_S, speed_settings
from formcheck.errors import ErrorCode, ExitCode, UsageError
from formcheck.exercises import EXERCISES
from formcheck.fileio import input_folder, output_file, readable_input, require_folder
from formcheck.pose.model import MODELS
from formcheck.reporters.json import print_json
from formcheck.reporters.progress import print_progress, progress_dict
from formcheck.reporters.schema import PROGRESS_SCHEMA_PATH, report_schema
from formcheck.reporters.terminal import print_report
from formcheck.store.results import ResultStore
from formcheck.store.submissions import read_submissions

#: What formcheck grades, from the registry: "single-leg deadlifts and glute bridges".
_GRADED = " and ".join(", ".join(f"{e.title}s" for e in EXERCISES.values()).rsplit(", ", 1))
ABOUT = f"Rep-by-rep form checking for {_GRADED}, from video."

app = typer.Typer(
    name="formcheck",
    help=ABOUT,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # a bug's traceback is Python's plain one, no locals
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,  # click's plain messages: one line, no boxes
    add_completion=False,
)

ModelName = Enum("ModelName", {name: name for name in MODELS}, type=str)  # type: ignore[misc]

AnalysisFps = Annotated[float | None, typer.Option(
    "--analysis-fps", min=0.0,
    help="Frames per second given to the pose model, e.g. 15 (default"
         f" {DEFAULT_ANALYSIS_FPS or 'every frame'}; 0: every frame). The frames in between"
         " are only decoded; the rep engine and the checks work in seconds, so the grades"
         " do not depend on the rate (README: Speed).")]
Workers = Annotated[int, typer.Option(
    "--workers", min=0,
    help="Processes for one clip (default 1: this process only; 0: one per core). With more"
         f" than one, the clip is cut into chunks of at least {DEFAULT_MIN_CHUNK_S:g} s analysed"
         " in parallel: faster, but grades near a limit may differ from one process's.")]
#: ``auto`` and every registered exercise.
ExerciseChoice = StrEnum(  # type: ignore[misc]
    "ExerciseChoice", {"auto": "auto", **{name: name for name in EXERCISES}})
AUTO = ExerciseChoice("auto")

Store = Annotated[Path, typer.Option(
    "--store", file_okay=False,
    help="Results folder holding the people and their sessions (results.sqlite; the same"
         " folder as `formcheck batch -o`).")]

people_app = typer.Typer(name="people", no_args_is_help=True,
                         help="The people of a store: list, rename, merge.")
app.add_typer(people_app)


#: Wraps each command: one line and an exit code for what a user can cause (typer's own
#: exits pass through).
reports_errors = error_reporter(typer.Exit, (typer.Exit, typer.Abort, click_errors.ClickException))


@contextmanager
def progress_bar(label: str, *, quiet: bool) -> Iterator[ProgressCallback | None]:
    """A progress bar on stderr, or nothing when quiet or stderr is not a terminal."""
    if quiet or not stderr.is_terminal:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(),
                  console=stderr, transient=True) as progress:
        task = progress.add_task(label, total=1.0)
        yield lambda fraction: progress.update(task, completed=fraction)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"formcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    verbose: Annotated[bool, typer.Option(
        "--verbose", help="Show debug logs, and the pose model's own log lines, on stderr.")
    ] = False,
) -> None:
    if verbose:
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                            format="%(name)s: %(message)s", force=True)


@app.command()
@reports_errors
def pose(
    video: Annotated[Path, typer.Argument(help="Video file to read.", readable=False)],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the series here: .npz (raw and cleaned arrays) or .json.",
    )] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the series as JSON on stdout.")] = False,
    model: Annotated[ModelName, typer.Option(help="Pose model.")] = ModelName.full,  # type: ignore[attr-defined]
) -> None:
    """Extract the cleaned pose series (33 landmarks per frame) from a video."""
    if output is None and not as_json:
        raise UsageError("say where the series goes: -o poses.npz, -o poses.json, or --json")
    if output is not None and output.suffix not in (".npz", ".json"):
        raise UsageError(f"-o {output}: use a .npz or .json file name")
    if output is not None:
        require_folder(output)
    readable_input(video)
    with progress_bar(f"pose {video.name}", quiet=as_json) as on_progress:
        recording = extract_poses(video, model=model.value, on_progress=on_progress)
    if output is not None:
        if output.suffix == ".npz":
            recording.save_npz(output)
        else:
            recording.save_json(output)
    if as_json:
        print_json(recording.to_json_dict(), sys.stdout)
    else:
        clean = recording.clean
        stderr.print(
            f"{video.name}: {len(clean)} frames, {recording.video.duration_s:.1f} s,"
            f" person in {100 * clean.detection_rate:.1f}% of frames,"
            f" {int(clean.swapped.sum())} frames with repaired leg swaps -> {output}",
            highlight=False,
        )


@app.command()
@reports_errors
def analyse(
    video: Annotated[Path, typer.Argument(
        help="Video file to grade, or a pose recording saved by `formcheck pose -o x.npz`"
             " (re-graded without running the model).", readable=False)],
    exercise: Annotated[ExerciseChoice, typer.Option(
        "--exercise", "-e", help="Recognise the exercise, or force one.")
    ] = AUTO,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the report as one JSON object on stdout.")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o",
        help="Also write the JSON report to this file (the terminal still shows the verdict).",
    )] = None,
    html: Annotated[Path | None, typer.Option(
        "--html", help="Write a self-contained HTML report.")] = None,
    annotate: Annotated[Path | None, typer.Option(
        "--annotate",
        help="Write the clip with the analysis drawn on it (H.264 .mp4).")] = None,
    embed_video: Annotated[bool, typer.Option(
        "--embed-video", help="Put the annotated video inside the HTML page.")] = False,
    csv: Annotated[Path | None, typer.Option(
        "--csv", help="Write the report as CSV (one row for the clip).")] = None,
    per_rep: Annotated[bool, typer.Option(
        "--per-rep", help="With --csv: one row per rep.")] = False,
    model: Annotated[ModelName, typer.Option(help="Pose model.")] = ModelName.full,  # type: ignore[attr-defined]
    analysis_fps: AnalysisFps = None,
    workers: Workers = 1,
    person: Annotated[str | None, typer.Option(
        "--person", help="Record the clip as a session of this person (with --store).")
    ] = None,
    store: Annotated[Path | None, typer.Option(
        "--store", file_okay=False,
        help="With --person: the results folder the session goes to (made if new).")
    ] = None,
) -> None:
    """Grade a clip rep by rep (the exercises: see --exercise).

    Counts good reps and stops the count at the first bad one. Exit code 0 when
    the clip was graded (warnings, if any, are printed), 3 when the file cannot be read
    as a video, 4 when it could not be graded (the reason is printed). With --json,
    one JSON object on stdout whatever happens: the report, or an error object. With
    --person and --store, the result is also stored as that person's session (see
    `formcheck progress`).
    """
    if (person is None) != (store is None):
        raise UsageError("--person and --store go together: --person NAME --store DIR")
    readable_input(video)
    outputs = Outputs(json=output, annotated=annotate, html=html, embed_video=embed_video,
                      csv=csv, per_rep=per_rep)
    speed = speed_settings(analysis_fps, workers)
    with progress_bar(f"analyse {video.name}", quiet=as_json) as on_progress:
        if person is not None and store is not None:
            report = analyse_for_person(video, exercise.value, person=person, store=store,
                                        outputs=outputs, model=model.value,
                                        on_progress=on_progress, speed=speed)
        else:
            report = analyse_file(video, exercise.value, outputs=outputs, model=model.value,
                                  on_progress=on_progress, speed=speed)
    if as_json:
        print_json(report.to_dict(), sys.stdout)
    else:
        print_report(report, stdout_console())
        for label, path in (("report", output), ("HTML", html), ("annotated video", annotate),
                            ("CSV", csv)):
            if path is not None:
                stderr.print(f"{label} -> {escape(str(path))}", highlight=False)
        if person is not None and store is not None:
            what = "session" if report.graded and report.reps else "no session (not graded)"
            stderr.print(f"{escape(person)}: {what} -> {escape(str(store))}"
                         f" (formcheck progress {escape(person)!r} --store"
                         f" {escape(str(store))})", highlight=False, soft_wrap=True)
    if not report.graded:
        raise typer.Exit(int(ExitCode.UNGRADABLE))


@app.command()
@reports_errors
def live(
    camera: Annotated[int | None, typer.Option(
        "--camera", min=0, help="Camera to watch (0 is the default webcam; the default).")
    ] = None,
    source: Annotated[Path | None, typer.Option(
        "--source", readable=False,
        help="Play this video file as if it were a camera, at its real pace.")] = None,
    exercise: Annotated[ExerciseChoice, typer.Option(
        "--exercise", "-e", help="Recognise the exercise, or force one.")
    ] = AUTO,
    record: Annotated[Path | None, typer.Option(
        "--record", help="Record what the camera saw (H.264 .mp4).")] = None,
    report: Annotated[Path | None, typer.Option(
        "--report",
        help="Write the JSON report here at the end (also when the camera fails or on"
             " Ctrl-C: the reps so far).")] = None,
    window: Annotated[bool, typer.Option(
        "--window/--no-window", help="Show the camera with the analysis in a window.")
    ] = True,
    fast: Annotated[bool, typer.Option(
        "--fast", help="With --source: every frame as fast as the model goes, none dropped.")
    ] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", help="No tones and no spoken cues.")] = False,
    snapshot: Annotated[Path | None, typer.Option(
        "--snapshot", help="Save the last drawn frame here (.png or .jpg).")
    ] = None,
    model: Annotated[ModelName, typer.Option(help="Pose model.")] = ModelName.full,  # type: ignore[attr-defined]
    analysis_fps: AnalysisFps = None,
) -> None:
    """Watch a camera and count good reps as they happen; the set ends at the first bad one.

    Keys in the window: q quits, r starts a new set, space pauses. Exit code 0 when
    graded, 3 when the camera cannot be opened or fails mid-set, 4 when nothing could
    be graded, 130 on Ctrl-C; the report of the reps so far is written in every case.
    """
    if source is not None:
        readable_input(source)
    settings = LiveSettings(camera=camera, source=source, exercise=exercise.value,
                            record=record, report=report, window=window, fast=fast,
                            sound=not quiet, snapshot=snapshot, model=model.value,
                            analysis_fps=speed_settings(analysis_fps).analysis_fps)
    result = run_live(settings)
    print_report(result.report, stdout_console())
    if result.failure is not None:
        raise result.failure
    if result.message is not None:
        stderr.print(f"formcheck: {escape(result.message)}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INTERRUPTED)
    stderr.print(f"live: {result.stats.summary()}", highlight=False, soft_wrap=True)
    for label, path in (("report", report), ("recording", record), ("snapshot", snapshot)):
        if path is not None:
            stderr.print(f"{label} -> {escape(str(path))}", highlight=False)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@app.command()
@reports_errors
def schema(
    progress: Annotated[bool, typer.Option(
        "--progress", help="The schema of `formcheck progress --json` instead.")] = False,
) -> None:
    """Print the JSON Schema of the report (formcheck.report/1), or of progress."""
    if progress:
        typer.echo(PROGRESS_SCHEMA_PATH.read_text(encoding="utf-8"), nl=False)
    else:
        typer.echo(json.dumps(report_schema(), indent=2))


@app.command(name="eval")
@reports_errors
def eval_(
    labels: Annotated[Path, typer.Argument(help="Labels file: {\"clips\": [...]}.",
                                           readable=False)],
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the evaluation as one JSON object on stdout.")] = False,
    model: Annotated[ModelName, typer.Option(help="Pose model.")] = ModelName.full,  # type: ignore[attr-defined]
    analysis_fps: AnalysisFps = None,
    workers: Workers = 1,
) -> None:
    """Score the analyser on labelled clips: exercise, rep counts, good-rep counts, faults.

    A clip that is missing or cannot be read is scored as an error and the rest go on.
    """
    readable_input(labels, "labels")
    speed = speed_settings(analysis_fps, workers)

    def on_clip(score: object) -> None:
        if not as_json and stderr.is_terminal:
            stderr.print(f"[dim]{getattr(score, 'file', '')}: done[/]", highlight=False)

    evaluation = evaluate(
        labels, lambda path, exercise: analyse_file(path, exercise, model=model.value,
                                                    speed=speed), on_clip)
    if as_json:
        print_json(evaluation.to_dict(), sys.stdout)
    else:
        print_evaluation(evaluation, stdout_console())


@app.command()
@reports_errors
def render(
    specs: Annotated[list[Path], typer.Argument(help="Clip spec files (.json).")],
    output: Annotated[Path, typer.Option("--output", "-o",
                                         help="Folder for the clips and labels.json.")],
) -> None:
    """Render synthetic clips with exact labels from specs (needs the [render] extra)."""
    missing = [name for name in ("torch", "anny", "pyrender") if find_spec(name) is None]
    if missing:
        raise UsageError(
            f"rendering needs the render extra ({', '.join(missing)} missing): pip install"
            " torch==2.13.0 && pip install -e '.[render]'")
    from formcheck.devtools.synth import render_clips

    for spec in specs:
        readable_input(spec, "spec")
    if output.exists() and not output.is_dir():
        raise UsageError(f"-o {output} is a file: give a folder for the clips")
    labels = render_clips(sorted(specs), output)
    stderr.print(f"{len(specs)} clip(s) rendered -> {labels}", highlight=False)


@app.command()
@reports_errors
def batch(
    inbox: Annotated[Path, typer.Argument(
        help="Folder searched recursively for clips (recognised by content, not name).",
        readable=False)],
    results: Annotated[Path, typer.Option(
        "--output", "-o",
        help="Results folder: results.sqlite, index.html, clips/.")],
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="Worker processes (default: one per core).")] = None,
    exercise: Annotated[ExerciseChoice, typer.Option(
        "--exercise", "-e", help="Recognise the exercise, or force one.")
    ] = AUTO,
    annotate: Annotated[bool, typer.Option(
        "--annotate", help="Write clips/<hash>/annotated.mp4 for each clip.")] = False,
    html: Annotated[bool, typer.Option(
        "--html", help="Write clips/<hash>/report.html for each clip.")] = False,
    timeout_factor: Annotated[float, typer.Option(
        "--timeout-factor", min=0.0,
        help="Per-clip time limit: this many times the clip's duration, plus 60 s.")
    ] = DEFAULT_TIMEOUT_FACTOR,
    force: Annotated[bool, typer.Option(
        "--force", help="Grade again clips already graded or ungradable.")] = False,
    retry_failed: Annotated[bool, typer.Option(
        "--retry-failed", help="Grade again clips that failed (crash, time limit, error).")
    ] = False,
    model: Annotated[ModelName, typer.Option(help="Pose model.")] = ModelName.full,  # type: ignore[attr-defined]
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", metavar="ADDRESS",
        help="Run on Dask distributed: a scheduler's tcp://HOST:PORT, or local:N for a"
             " local cluster of N workers (needs pip install -e '.[dask]'). Default: the"
             " local process pool.")] = None,
    person_from_folder: Annotated[bool, typer.Option(
        "--person-from-folder",
        help="Each sub-folder of the inbox is a person (INBOX/ana/...): record each clip"
             " as a session of the person whose folder holds it (see `formcheck progress`)."
    )] = False,
) -> None:
    """Grade every clip in a folder, in parallel, into a results store; re-runs resume.

    Exit code 0 when every clip has a result (graded or ungradable), 4 when some
    failed (retry them with --retry-failed), 3 when the inbox holds no video, 130 on
    Ctrl-C (the clips in flight are finished and stored first).
    """
    settings = BatchSettings(inbox=inbox, results=results, workers=workers,
                             exercise=exercise.value, html=html, annotate=annotate,
                             timeout_factor=timeout_factor, force=force,
                             retry_failed=retry_failed, model=model.value,
                             scheduler=scheduler, person_from_folder=person_from_folder)
    try:
        summary = run_batch(settings, RichBatchProgress(stderr))
    except KeyboardInterrupt:  # before grading started: nothing was stored
        stderr.print("formcheck: interrupted before any clip was graded", highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    for hash_hex, why in summary.regraded:
        stderr.print(f"re-graded {hash_hex[:16]}: {escape(why)}", highlight=False)
    stderr.print(f"batch: {escape(summary.line())} -> {escape(str(summary.index))}",
                 highlight=False, soft_wrap=True)
    if summary.interrupted:
        stderr.print(f"formcheck: interrupted, {summary.remaining} clip(s) not graded; resume"
                     f" with the same command (done clips are skipped)", highlight=False,
                     soft_wrap=True)
        raise typer.Exit(EXIT_INTERRUPTED)
    if summary.counts["failed"]:
        raise typer.Exit(int(ExitCode.UNGRADABLE))


@app.command()
@reports_errors
def results(
    folder: Annotated[Path, typer.Argument(
        help="Results folder written by `formcheck batch`.")],
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON array, one object per clip.")] = False,
    csv: Annotated[Path | None, typer.Option(
        "--csv", help="Write the stored reports as CSV.")] = None,
    per_rep: Annotated[bool, typer.Option(
        "--per-rep", help="With --csv: one row per rep.")] = False,
    labels: Annotated[Path | None, typer.Option(
        "--labels",
        help="Write the coach's reviewed submissions as a labels file for `formcheck eval`.")
    ] = None,
) -> None:
    """List the clips stored in a results folder (status, reps, verdict, warnings), and the
    clips readers sent to `formcheck serve` with that folder as its data."""
    if as_json and csv is not None:
        raise UsageError("choose one of --json and --csv")
    input_folder(folder, "results folder")
    if labels is not None:
        output_file(labels, "labels file")
        from formcheck.drivers.serve.labels import write_review_labels

        count = write_review_labels(folder, labels)
        stderr.print(f"{count} reviewed clip(s) -> {escape(str(labels))}", highlight=False)
        return
    if csv is not None:
        output_file(csv, "CSV")
    with ResultStore(folder, readonly=True) as store:
        clips = store.clips()
    submissions = read_submissions(folder)
    if as_json:
        typer.echo(json.dumps([clip.summary() for clip in clips]
                              + [submission_summary(s) for s in submissions], allow_nan=False))
    elif csv is not None:
        results_csv(clips, csv, per_rep=per_rep)
        stderr.print(f"{len(clips)} clip(s) -> {escape(str(csv))}", highlight=False)
    else:
        console = stdout_console()
        if clips or not submissions:
            console.print(results_table(clips))
        if submissions:
            console.print(submissions_table(submissions))


@app.command()
@reports_errors
def serve(
    data: Annotated[Path, typer.Option(
        "--data", file_okay=False,
        help="Data folder: the store (results.sqlite), the uploads, the session key."
             " Created if missing; a batch results folder works too.")] = Path("formcheck-data"),
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    workers: Annotated[int | None, typer.Option(
        "--workers", min=1, help="Grading worker processes (default: one per core).")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", metavar="ADDRESS",
        help="Grade on Dask distributed: tcp://HOST:PORT or local:N (needs the dask extra)."
        )] = None,
    max_upload_mb: Annotated[float, typer.Option(
        "--max-upload-mb", min=0.001, help="Largest clip accepted, MB (413 past it).")
    ] = DEFAULT_MAX_UPLOAD_MB,
    max_duration_s: Annotated[float, typer.Option(
        "--max-duration-s", min=0.1, help="Longest clip accepted, s.")] = DEFAULT_MAX_DURATION_S,
    uploads_per_hour: Annotated[int, typer.Option(
        "--uploads-per-hour", min=1, help="Uploads one client address may start per hour"
        " (429 past it).")] = DEFAULT_UPLOADS_PER_HOUR,
    upload_idle_s: Annotated[float, typer.Option(
        "--upload-idle-s", min=0.1, help="An upload silent this long is dropped, s.")
    ] = DEFAULT_UPLOAD_IDLE_S,
    timeout_factor: Annotated[float, typer.Option(
        "--timeout-factor", min=0.0,
        help="Grading time limit: this many times the clip's duration, plus 60 s.")
    ] = DEFAULT_TIMEOUT_FACTOR,
    https_only: Annotated[bool, typer.Option(
        "--https-only", help="Send the session cookie over HTTPS only (behind a TLS proxy).")
    ] = False,
    forwarded_allow_ips: Annotated[str, typer.Option(
        "--forwarded-allow-ips",
        help="Proxies whose X-Forwarded-For/-Proto are believed (comma-separated).")
    ] = "127.0.0.1",
    model: Annotated[ModelName, typer.Option(help="Pose model.")] = ModelName.full,  # type: ignore[attr-defined]
) -> None:
    """Run the web service: readers upload clips and get their verdict at a private link.

    Grading runs on worker processes (as `formcheck batch`); GET /healthz answers 200
    when it is ready. Stops cleanly on SIGTERM or Ctrl-C.
    """
    if scheduler is not None:
        from formcheck.drivers.batch.dask_executor import require_distributed

        require_distributed()
    settings = ServeSettings(data=data, host=host, port=port, workers=workers,
                             scheduler=scheduler, max_upload_mb=max_upload_mb,
                             max_duration_s=max_duration_s, uploads_per_hour=uploads_per_hour,
                             upload_idle_s=upload_idle_s, timeout_factor=timeout_factor,
                             https_only=https_only, forwarded_allow_ips=forwarded_allow_ips,
                             model=model.value)
    from formcheck.drivers.serve.server import run_server

    run_server(settings)


coach_app = typer.Typer(name="coach", help="Coach accounts of `formcheck serve`.",
                        no_args_is_help=True)
app.add_typer(coach_app)


def _read_password() -> str:
    """From the terminal (asked twice, not shown), or the first line of stdin."""
    if sys.stdin.isatty():
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
        return str(password)
    line = sys.stdin.readline()
    if not line:
        raise UsageError("no password on stdin (give it on the first line)")
    return line.rstrip("\r\n")


@coach_app.command(name="add")
@reports_errors
def coach_add(
    name: Annotated[str, typer.Argument(help="The coach's login name.")],
    data: Annotated[Path, typer.Option("--data", file_okay=False,
                                       help="The service's data folder.")
                    ] = Path("formcheck-data"),
) -> None:
    """Create a coach account (or set its password): the password is read from the
    terminal, or from stdin when it is not a terminal."""
    from formcheck.drivers.serve.desk import add_coach

    created = add_coach(data, name, _read_password())
    stderr.print(f"coach {escape(name)} {'added' if created else 'given a new password'}"
                 f" in {escape(str(data))}", highlight=False)


@coach_app.command(name="remove")
@reports_errors
def coach_remove(
    name: Annotated[str, typer.Argument(help="The coach's login name.")],
    data: Annotated[Path, typer.Option("--data", file_okay=False,
                                       help="The service's data folder.")
                    ] = Path("formcheck-data"),
) -> None:
    """Remove a coach account; their logins end at once."""
    from formcheck.drivers.serve.desk import remove_coach

    remove_coach(data, name)
    stderr.print(f"coach {escape(name)} removed from {escape(str(data))}", highlight=False)


@app.command()
@reports_errors
def progress(
    name: Annotated[str, typer.Argument(help="The person (as given to --person, or the"
                                             " folder name with --person-from-folder).")],
    store: Store,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the progress as one JSON object (formcheck.progress/1).")
    ] = False,
    html: Annotated[Path | None, typer.Option(
        "--html", dir_okay=False, help="Write the progress page (self-contained HTML).")
    ] = None,
) -> None:
    """A person's sessions, stage and next target for each exercise and side.

    Stages: technique (good reps only, until a set of 10), base (3 sets of 10-15 good reps,
    1-2 minutes of rest), build (reps added toward 25), goal (3 sets of 25). Exit code 3
    when the store or the person is not there (the people there are listed).
    """
    if html is not None:
        require_folder(html)
    person_progress = load_progress(store, name)
    if html is not None:
        write_progress_html(person_progress, html, store)
    if as_json:
        print_json(progress_dict(person_progress), sys.stdout)
    else:
        print_progress(person_progress, stdout_console())
    if html is not None:
        stderr.print(f"progress page -> {escape(str(html))}", highlight=False)


@people_app.command(name="list")
@reports_errors
def people_list(
    store: Store,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array.")] = False,
) -> None:
    """List the people of a store, with their sessions."""
    with ResultStore(store, readonly=True) as results:
        found = results.people()
    rows = [{"id": p.id, "name": p.name, "sessions": p.sessions,
             "last_session": None if p.last_session is None else p.last_session.isoformat()}
            for p in found]
    if as_json:
        typer.echo(json.dumps(rows, allow_nan=False))
        return
    console = stdout_console()
    if not rows:
        console.print("No one yet.", highlight=False)
    for row in rows:
        last = f", last {str(row['last_session'])[:10]}" if row["last_session"] else ""
        console.print(f"{escape(str(row['name']))}: {row['sessions']} session(s){last}",
                      highlight=False)


@people_app.command(name="rename")
@reports_errors
def people_rename(
    old: Annotated[str, typer.Argument(help="The person's name now.")],
    new: Annotated[str, typer.Argument(help="The new name.")],
    store: Store,
) -> None:
    """Rename a person (to put two people's sessions together, merge them)."""
    with ResultStore(store) as results:
        renamed = results.rename_person(old, new)
    stderr.print(f"{escape(old)} -> {escape(renamed.name)}", highlight=False)


@people_app.command(name="merge")
@reports_errors
def people_merge(
    source: Annotated[str, typer.Argument(help="The person whose sessions move (removed).")],
    into: Annotated[str, typer.Argument(help="The person who gets them.")],
    store: Store,
) -> None:
    """Put one person's sessions with another's, and remove the first."""
    with ResultStore(store) as results:
        moved = results.merge_people(source, into)
    stderr.print(f"{moved} session(s) of {escape(source)} -> {escape(into)}", highlight=False)


@app.command()
@reports_errors
def forget(
    clip: Annotated[str, typer.Argument(
        help="The stored clip's sha256, or its first 8 or more characters.")],
    store: Store,
    person: Annotated[str | None, typer.Option(
        "--person", help="Remove only this person's session from the clip; the clip's"
                         " result stays.")] = None,
) -> None:
    """Remove a stored clip with every session from it (or one person's session only).

    The clip itself (in the inbox) is not touched: a later batch would grade it again.
    """
    digest, sessions = forget_clip(store, clip, person)
    who = f" of {escape(person)}" if person is not None else ""
    what = "session(s)" if person is not None else "session(s) and the clip's result"
    stderr.print(f"{digest[:16]}: {sessions} {what}{who} removed", highlight=False)


def run(args: list[str]) -> int:
    """Run the command line on ``args``; its exit code. Click's own errors (a bad option, a
    bad choice) become one line and exit code 2, with the error object on stdout under
    ``--json``."""
    as_json = "--json" in args
    try:
        result = app(args=args, prog_name="formcheck", standalone_mode=False)
    except click_errors.NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else "", err=True)
        return int(ExitCode.USAGE)
    except click_errors.UsageError as exc:
        # typer words a bad choice through pydantic: "Value error, 'squat' is not one of..."
        message = exc.format_message().replace("Value error, ", "")
        if as_json:
            print_error_json(ErrorCode.USAGE.value, message)
        say_error(f"{message} (formcheck --help)")
        return int(ExitCode.USAGE)
    except click_errors.ClickException as exc:
        if as_json:
            print_error_json(ErrorCode.USAGE.value, exc.format_message())
        say_error(exc.format_message())
        return int(exc.exit_code)
    except typer.Abort:  # end of input at a prompt, or Ctrl-C outside a command
        say_error("interrupted")
        return int(ExitCode.INTERRUPTED)
    return result if isinstance(result, int) else int(ExitCode.OK)
