"""The `formcheck` command line: wires settings to library calls and renders results.

No thresholds, maths or drawing here; only typer and argument handling.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from enum import Enum, StrEnum
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated, Any, TypeVar


def _interrupted_while_starting(signum: int, frame: object) -> None:
    """Ctrl-C while the imports below run (about a second): leave at once, one line, no
    traceback (and the error object under --json)."""
    if "--json" in sys.argv[1:]:
        os.write(1, b'{"schema": "formcheck.report/1", "status": "error", "error": {"code":'
                    b' "interrupted", "message": "interrupted (Ctrl-C)"}}\n')
    os.write(2, b"formcheck: interrupted\n")
    os._exit(130)


def _guard_startup() -> Any:
    """Install :func:`_interrupted_while_starting`; the handler it replaced, or None where
    signals cannot be set (not the main thread)."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return None  # ignored (a background job) or handled by the embedding program
    try:
        return signal.signal(signal.SIGINT, _interrupted_while_starting)
    except ValueError:
        return None


_startup_sigint = _guard_startup()

# The imports after the guard (E402 is ignored for this file in pyproject.toml).
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

try:  # typer 0.2x carries its own copy of click; older typers use click itself
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors  # type: ignore[no-redef]

from formcheck import __version__
from formcheck.analyse import analyse_file
from formcheck.batch import (
    DEFAULT_TIMEOUT_FACTOR,
    BatchSettings,
    RichBatchProgress,
    results_csv,
    results_table,
    run_batch,
)
from formcheck.errors import ErrorCode, ExitCode, FormcheckError, UsageError
from formcheck.evaluation import evaluate
from formcheck.exercises import EXERCISES
from formcheck.fileio import readable_input, require_folder
from formcheck.live import EXIT_INTERRUPTED, LiveSettings, run_live
from formcheck.nativelog import native_stderr_silenced
from formcheck.outputs import Outputs, analyse_to
from formcheck.pipeline import ProgressCallback, extract_poses
from formcheck.pose.model import MODELS
from formcheck.report import error_dict
from formcheck.reporters.json import print_json
from formcheck.reporters.schema import REPORT_SCHEMA_PATH
from formcheck.reporters.terminal import print_evaluation, print_report
from formcheck.speed import DEFAULT_ANALYSIS_FPS, DEFAULT_MIN_CHUNK_S, speed_settings
from formcheck.store import ResultStore

if _startup_sigint is not None:
    signal.signal(signal.SIGINT, _startup_sigint)

app = typer.Typer(
    name="formcheck",
    help="Rep-by-rep form checking for single-leg deadlifts and glute bridges, from video.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # a bug's traceback is Python's plain one, no locals
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,  # click's plain messages: one line, no boxes
    add_completion=False,
)
stderr = Console(stderr=True)

ModelName = Enum("ModelName", {name: name for name in MODELS}, type=str)  # type: ignore[misc]

AnalysisFps = Annotated[float | None, typer.Option(
    "--analysis-fps", min=0.0,
    help="Frames per second given to the pose model, e.g. 15 (default"
         f" {DEFAULT_ANALYSIS_FPS or 'every frame'}; 0: every frame). The frames in between"
         " are only decoded: about twice as fast on a 30 fps clip, grades may differ.")]
Workers = Annotated[int, typer.Option(
    "--workers", min=0,
    help="Processes for one clip (default 1: this process only; 0: one per core). With more"
         f" than one, the clip is cut into chunks of at least {DEFAULT_MIN_CHUNK_S:g} s analysed"
         " in parallel: faster, but grades near a limit may differ from one process's.")]
#: ``auto`` and every registered exercise.
ExerciseChoice = StrEnum(  # type: ignore[misc]
    "ExerciseChoice", {"auto": "auto", **{name: name for name in EXERCISES}})
AUTO = ExerciseChoice("auto")

F = TypeVar("F", bound=Callable[..., Any])


def _say_error(message: str) -> None:
    """One line on stderr (the message is escaped: it may quote file names)."""
    stderr.print(f"[bold red]formcheck:[/] {escape(' '.join(message.split()))}",
                 highlight=False, soft_wrap=True)


def _print_error_json(code: str, message: str) -> None:
    try:
        print_json(error_dict(code, " ".join(message.split())), sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # nobody reads it: the exit code still says what happened
        _quiet_broken_pipe()


def _quiet_broken_pipe() -> None:
    """stdout's reader went away: send the rest of stdout nowhere, so that flushing it at
    exit raises nothing more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def reports_errors(command: F) -> F:
    """Turn a :class:`FormcheckError` into one line on stderr and its exit code, Ctrl-C
    into one line and 130, a closed stdout into a quiet exit; with ``--json`` (a
    command's ``as_json``) also print the error object on stdout, so that stdout always
    holds exactly one JSON object."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        as_json = bool(kwargs.get("as_json", False))
        try:
            return command(*args, **kwargs)
        except FormcheckError as exc:
            if as_json:
                _print_error_json(exc.code.value, str(exc))
            _say_error(str(exc))
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            with suppress(ValueError):  # a second Ctrl-C changes nothing (main thread only)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
            if as_json:
                _print_error_json(ErrorCode.INTERRUPTED.value, "interrupted (Ctrl-C)")
            _say_error("interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except BrokenPipeError:
            _quiet_broken_pipe()
            raise typer.Exit(int(ExitCode.BROKEN_PIPE)) from None
        except (typer.Exit, typer.Abort, click_errors.ClickException):
            raise  # an exit code chosen by the command, or click's own error
        except Exception as exc:
            if as_json:  # a bug: the traceback follows on stderr
                _print_error_json(ErrorCode.BUG.value, f"a bug in formcheck: {type(exc).__name__}:"
                                  f" {exc}; please report it")
            if isinstance(exc, EOFError):  # click would take it for an aborted prompt
                raise RuntimeError("an EOFError escaped (see above)") from exc
            raise

    return wrapper  # type: ignore[return-value]


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


class _ResultConsole(Console):
    """rich's console for results, except that a closed stdout raises
    :class:`BrokenPipeError` (for :func:`reports_errors`: a quiet 141) where rich would
    exit with 1, the code of a bug."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


def _stdout_console() -> Console:
    """The console for results: the terminal's width, or wide when piped to a file."""
    console = _ResultConsole()
    return console if console.is_terminal else _ResultConsole(width=160)


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
    """Rep-by-rep form checking for single-leg deadlifts and glute bridges, from video."""
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
        "--output", "-o", dir_okay=False,
        help="Also write the JSON report to this file (the terminal still shows the verdict).",
    )] = None,
    html: Annotated[Path | None, typer.Option(
        "--html", dir_okay=False, help="Write a self-contained HTML report.")] = None,
    annotate: Annotated[Path | None, typer.Option(
        "--annotate", dir_okay=False,
        help="Write the clip with the analysis drawn on it (H.264 .mp4).")] = None,
    embed_video: Annotated[bool, typer.Option(
        "--embed-video", help="Put the annotated video inside the HTML page.")] = False,
    csv: Annotated[Path | None, typer.Option(
        "--csv", dir_okay=False, help="Write the report as CSV (one row for the clip).")] = None,
    per_rep: Annotated[bool, typer.Option(
        "--per-rep", help="With --csv: one row per rep.")] = False,
    model: Annotated[ModelName, typer.Option(help="Pose model.")] = ModelName.full,  # type: ignore[attr-defined]
    analysis_fps: AnalysisFps = None,
    workers: Workers = 1,
) -> None:
    """Grade a single-leg deadlift or glute bridge clip rep by rep.

    Counts good reps and stops the count at the first bad one. Exit code 0 when
    the clip was graded (warnings, if any, are printed), 3 when the file cannot be read
    as a video, 4 when it could not be graded (the reason is printed). With --json,
    one JSON object on stdout whatever happens: the report, or an error object.
    """
    readable_input(video)
    outputs = Outputs(json=output, annotated=annotate, html=html, embed_video=embed_video,
                      csv=csv, per_rep=per_rep)
    with progress_bar(f"analyse {video.name}", quiet=as_json) as on_progress:
        report = analyse_to(video, outputs, exercise.value, model=model.value,
                            on_progress=on_progress,
                            speed=speed_settings(analysis_fps, workers))
    if as_json:
        print_json(report.to_dict(), sys.stdout)
    else:
        print_report(report, _stdout_console())
        for label, path in (("report", output), ("HTML", html), ("annotated video", annotate),
                            ("CSV", csv)):
            if path is not None:
                stderr.print(f"{label} -> {escape(str(path))}", highlight=False)
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
        "--record", dir_okay=False, help="Record what the camera saw (H.264 .mp4).")] = None,
    report: Annotated[Path | None, typer.Option(
        "--report", dir_okay=False,
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
        "--snapshot", dir_okay=False, help="Save the last drawn frame here (.png or .jpg).")
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
    print_report(result.report, _stdout_console())
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
def schema() -> None:
    """Print the JSON Schema of the report (formcheck.report/1)."""
    typer.echo(REPORT_SCHEMA_PATH.read_text(encoding="utf-8"), nl=False)


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
        print_evaluation(evaluation, _stdout_console())


@app.command()
@reports_errors
def render(
    specs: Annotated[list[Path], typer.Argument(help="Clip spec files (.json).", exists=True,
                                                dir_okay=False, readable=True)],
    output: Annotated[Path, typer.Option("--output", "-o", file_okay=False,
                                         help="Folder for the clips and labels.json.")],
) -> None:
    """Render synthetic clips with exact labels from specs (needs the [render] extra)."""
    missing = [name for name in ("torch", "anny", "pyrender") if find_spec(name) is None]
    if missing:
        raise UsageError(
            f"rendering needs the render extra ({', '.join(missing)} missing): pip install"
            " torch==2.13.0 && pip install -e '.[render]'")
    from formcheck.synth import render_clips

    labels = render_clips(sorted(specs), output)
    stderr.print(f"{len(specs)} clip(s) rendered -> {labels}", highlight=False)


@app.command()
@reports_errors
def batch(
    inbox: Annotated[Path, typer.Argument(
        help="Folder searched recursively for clips (recognised by content, not name).",
        readable=False)],
    results: Annotated[Path, typer.Option(
        "--output", "-o", file_okay=False,
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
                             scheduler=scheduler)
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
        help="Results folder written by `formcheck batch`.", exists=True, file_okay=False)],
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print one JSON array, one object per clip.")] = False,
    csv: Annotated[Path | None, typer.Option(
        "--csv", dir_okay=False, help="Write the stored reports as CSV.")] = None,
    per_rep: Annotated[bool, typer.Option(
        "--per-rep", help="With --csv: one row per rep.")] = False,
) -> None:
    """List the clips stored in a results folder: status, reps, verdict."""
    if as_json and csv is not None:
        raise UsageError("choose one of --json and --csv")
    with ResultStore(folder, readonly=True) as store:
        clips = store.clips()
    if as_json:
        typer.echo(json.dumps([clip.summary() for clip in clips], allow_nan=False))
    elif csv is not None:
        results_csv(clips, csv, per_rep=per_rep)
        stderr.print(f"{len(clips)} clip(s) -> {escape(str(csv))}", highlight=False)
    else:
        _stdout_console().print(results_table(clips))


def main() -> None:
    """Entry point of the `formcheck` script and `python -m formcheck`.

    Click's own errors (a bad option, a bad choice) become one line and exit code 2,
    with the error object on stdout under ``--json``; native libraries' log lines are
    kept off the terminal unless ``--verbose``; a closed stdout exits quietly (141);
    Ctrl-C exits 130 without a traceback at any moment.
    """
    try:
        args = sys.argv[1:]
        verbose = "--verbose" in args
        if not verbose:
            logging.getLogger().addHandler(logging.NullHandler())  # no "lastResort" lines
            sys.unraisablehook = _unraisable_to_debug
        with native_stderr_silenced(enabled=not verbose):
            code = _run(args)
            try:
                sys.stdout.flush()
            except BrokenPipeError:
                _quiet_broken_pipe()
                code = int(ExitCode.BROKEN_PIPE)
    except KeyboardInterrupt:
        with suppress(ValueError):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        _say_error("interrupted")
        code = int(ExitCode.INTERRUPTED)
    if code == ExitCode.INTERRUPTED:
        # Leave at once: finalising the interpreter after an interrupt is where native
        # objects' __del__ print "Exception ignored in ..." tracebacks.
        for stream in (sys.stdout, sys.stderr):
            with suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    with suppress(ValueError):  # the work is done and said: a late Ctrl-C changes nothing
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)


def _run(args: list[str]) -> int:
    """Run the command line; its exit code."""
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
            _print_error_json(ErrorCode.USAGE.value, message)
        _say_error(f"{message} (formcheck --help)")
        return int(ExitCode.USAGE)
    except click_errors.ClickException as exc:
        if as_json:
            _print_error_json(ErrorCode.USAGE.value, exc.format_message())
        _say_error(exc.format_message())
        return int(exc.exit_code)
    except typer.Abort:  # end of input at a prompt, or Ctrl-C outside a command
        _say_error("interrupted")
        return int(ExitCode.INTERRUPTED)
    return result if isinstance(result, int) else int(ExitCode.OK)


def _unraisable_to_debug(unraisable: Any) -> None:
    """An exception in a finaliser (``__del__``) while shutting down is not the user's
    business: the debug log gets it (``--verbose`` shows it)."""
    logging.getLogger(__name__).debug("ignored in %r: %r", unraisable.object,
                                      unraisable.exc_value)
