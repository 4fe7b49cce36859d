"""How fast is `formcheck analyse`, against the pose model alone and a plain MediaPipe loop?

    python benchmarks/speed.py                  # 1280x720 30 fps and 1920x1080 60 fps clips
                                                # made from a sample
    python benchmarks/speed.py --rates-only     # only the plain loop, analyse (defaults)
                                                # and analyse (every frame)
    python benchmarks/speed.py --fps 15 20      # and analyse at these rates too
    python benchmarks/speed.py CLIP --rounds 3  # any clip
    python benchmarks/speed.py --memory         # peak memory, a 30-s clip against 10 minutes

Everything is measured in one run, in alternating rounds (A B C A B C ...), and printed as
ratios, because absolute times on a shared machine vary from minute to minute; the load
average is printed before and after. Per round:

- **plain loop**: the per-frame loop a user would write (OpenCV ``VideoCapture`` decode,
  ``cvtColor`` to RGB, ``PoseLandmarker.detect_for_video`` in VIDEO mode with the same
  model file, nothing else), as a fresh process, start to end (imports and model load
  included, as for ``formcheck analyse``).
- **analyse (default)**: ``formcheck analyse CLIP --json`` with the default settings
  (the default analysis rate, one process), as a fresh process, start to end; the same
  with every frame (``--analysis-fps 0``), and (not with ``--rates-only``) with
  ``--analysis-fps 15`` and with ``--workers 2`` (every frame, two parallel chunks).
- **one core**: a fresh process pinned to one CPU before it starts (every thread of every
  library on that CPU): ``analyse_file`` with every frame and one process (model load,
  decoding, the watch, the session and the report included), then the model alone on the
  same frames (decoded and converted to RGB beforehand, timing only
  ``detect_for_video``).
- **stages** (in this process, not pinned): decoding, colour conversion, the model,
  cleaning and rules (the session fed the model's poses), the report.

The grades of the plain loop's poses (fed through the same session), of ``analyse`` with
each setting are compared: rep counts, good reps and faults.

``--memory`` makes a 30-second and a 10-minute clip by looping a sample (stream copy, in
a temporary folder) and gives the peak resident memory of ``formcheck analyse`` on each,
in a fresh process, and that of its largest child process (a chunk worker, or a helper
that a library starts while being imported: about 90 MiB even for a clip too short for
chunks).

Not a test: the numbers go in BENCHMARKS.md with the date and the command.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_videos" / "sldl_side_good.mp4"
MODEL = ROOT / "models" / "pose_landmarker_full.task"

PLAIN_LOOP = r"""
import sys, time
start = time.perf_counter()
import cv2
import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import vision
from mediapipe.tasks.python.core.base_options import BaseOptions

clip, model, out = sys.argv[1:4]
options = vision.PoseLandmarkerOptions(
    base_options=BaseOptions(model_asset_path=model),
    running_mode=vision.RunningMode.VIDEO, num_poses=1)
landmarker = vision.PoseLandmarker.create_from_options(options)
capture = cv2.VideoCapture(clip)
fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
results, index = [], 0
while True:
    ok, bgr = capture.read()
    if not ok:
        break
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
    results.append(landmarker.detect_for_video(image, int(index * 1000 / fps)))
    index += 1
elapsed = time.perf_counter() - start
height, width = rgb.shape[:2]
# After the clock: the poses, to grade them like formcheck's.
t, img, world, vis, pres, det = [], [], [], [], [], []
for i, result in enumerate(results):
    t.append(i / fps)
    if result.pose_landmarks:
        lms = result.pose_landmarks[0]
        img.append([[lm.x * width, lm.y * height, lm.z * width] for lm in lms])
        world.append([[lm.x, lm.y, lm.z] for lm in result.pose_world_landmarks[0]])
        vis.append([lm.visibility or 0.0 for lm in lms])
        pres.append([lm.presence or 0.0 for lm in lms])
        det.append(True)
    else:
        img.append(np.full((33, 3), np.nan)); world.append(np.full((33, 3), np.nan))
        vis.append(np.zeros(33)); pres.append(np.zeros(33)); det.append(False)
np.savez(out, t_s=np.array(t), image_px=np.array(img, np.float32),
         world_m=np.array(world, np.float32), visibility=np.array(vis, np.float32),
         presence=np.array(pres, np.float32), detected=np.array(det),
         swapped=np.zeros(len(t), bool), width=width, height=height)
print(elapsed, index)
"""

PEAK_RSS = r"""
import json, resource, sys
from formcheck.drivers.file import analyse_file
report = analyse_file(sys.argv[1])
print(json.dumps({"reps": report.total_reps, "duration_s": report.video.duration_s,
                  "self_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "children_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))}


#: The clips made from the sample: name -> (width, height, frames a second).
CLIPS = {"720p30": (1280, 720, 30), "1080p60": (1920, 1080, 60)}


def make_clip(source: Path, target: Path, width: int = 1280, height: int = 720,
              fps: int = 30) -> Path:
    """``source`` (30 fps) scaled up to ``width`` x ``height`` (pillarboxed), H.264 at
    ``fps`` frames a second: at 60, a frame between each two of the source's, their mean
    (a blend, as FFmpeg's ``framerate`` filter makes; the motion is the source's)."""
    import av
    import cv2  # before av: see formcheck.sources.file
    import numpy as np

    def scaled(image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        scaled_w = round(w * height / h)
        big = cv2.resize(image, (scaled_w, height), interpolation=cv2.INTER_CUBIC)
        canvas = np.zeros((height, width, 3), np.uint8)
        left = (width - scaled_w) // 2
        canvas[:, left:left + scaled_w] = big[:, : width - left]
        return canvas

    with av.open(str(source)) as inp, av.open(str(target), "w") as out:
        source_fps = float(inp.streams.video[0].average_rate or 30)
        between = max(1, round(fps / source_fps))
        stream = out.add_stream("libx264", rate=fps, options={"crf": "20", "preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        previous = None
        for frame in inp.decode(video=0):
            image = scaled(frame.to_ndarray(format="rgb24"))
            if previous is not None:
                for k in range(1, between):
                    w = k / between
                    blend = np.asarray(cv2.addWeighted(previous, 1 - w, image, w, 0.0),
                                       dtype=np.uint8)
                    for packet in stream.encode(av.VideoFrame.from_ndarray(blend,
                                                                           format="rgb24")):
                        out.mux(packet)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
            previous = image
        for packet in stream.encode():
            out.mux(packet)
    return target


def looped(source: Path, target: Path, duration_s: float) -> float:
    """``source`` played end to end until ``duration_s``, by stream copy; the duration."""
    import av

    with av.open(str(source)) as probe:
        stream = probe.streams.video[0]
        period = float(stream.duration * stream.time_base)
    loops = max(1, round(duration_s / period))
    with av.open(str(target), "w") as out:
        out_stream = None
        for k in range(loops):
            with av.open(str(source)) as inp:
                in_stream = inp.streams.video[0]
                if out_stream is None:
                    out_stream = out.add_stream_from_template(in_stream)
                offset = round(k * period / in_stream.time_base)
                for packet in inp.demux(in_stream):
                    if packet.dts is None:
                        continue
                    packet.pts = None if packet.pts is None else packet.pts + offset
                    packet.dts += offset
                    packet.stream = out_stream
                    out.mux(packet)
    return loops * period


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_timed(args: list[str]) -> tuple[float, float, str]:
    """Wall seconds and CPU seconds (its own and its children's) of a process; its stdout."""
    cpu = children_cpu_s()
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env=env(), check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 4):
        raise SystemExit(f"{args[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, children_cpu_s() - cpu, done.stdout


def grades(report: dict | object) -> tuple:
    """Rep count, good reps, first bad rep and each rep's fault codes."""
    if not isinstance(report, dict):
        report = report.to_dict()  # type: ignore[attr-defined]
    reps = tuple(tuple(sorted(f["code"] for f in rep.get("faults", [])))
                 for rep in report.get("reps", []))
    return (report.get("exercise"), report.get("total_reps"), report.get("good_reps"),
            report.get("first_bad_rep"), reps)


def plain_loop_grades(npz: Path, clip: Path) -> tuple:
    import numpy as np

    from formcheck.drivers.run import ClipRun
    from formcheck.pose.series import PoseSeries
    from formcheck.sources.file import VideoFile

    with np.load(npz) as data:
        series = PoseSeries(**{k: data[k] for k in ("t_s", "image_px", "world_m", "visibility",
                                                    "presence", "detected", "swapped")},
                            width=int(data["width"]), height=int(data["height"]))
    with VideoFile(clip) as video:
        info = video.info
    report = ClipRun(info).run((series.sample(i), None) for i in range(len(series)))
    return grades(report)


ONE_CORE = r"""
import json, sys, time
sys.path.insert(0, sys.argv[2])
from speed import model_alone, decoded_rgb
from formcheck.drivers.file import analyse_file
from formcheck.drivers.speed import EVERY_FRAME

clip = sys.argv[1]
start, cpu = time.perf_counter(), time.process_time()
analyse_file(clip, speed=EVERY_FRAME)
analyse_s, analyse_cpu = time.perf_counter() - start, time.process_time() - cpu
rgb, times = decoded_rgb(clip)
model_s, model_cpu, _ = model_alone(rgb, times)
print(json.dumps([analyse_s, analyse_cpu, model_s, model_cpu]))
"""


def one_core(clip: Path) -> tuple[float, float, float, float]:
    """In a fresh process pinned to one CPU before it starts (so that every thread any
    library starts is on that CPU too): ``analyse_file`` (every frame, one process: the
    model's load, decoding, the watch, the session and the report) and then the model
    alone on the same frames, decoded beforehand; wall and CPU seconds of each."""
    cpu = max(os.sched_getaffinity(0))
    done = subprocess.run([sys.executable, "-c", ONE_CORE, str(clip), str(Path(__file__).parent)],
                          capture_output=True, text=True, env=env(), check=True,
                          preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
    analyse_s, analyse_cpu, model_s, model_cpu = json.loads(done.stdout.strip().splitlines()[-1])
    return analyse_s, analyse_cpu, model_s, model_cpu


def decoded_rgb(clip: str | Path) -> tuple[list, list[float]]:
    """Every frame of ``clip`` as RGB, and its time, seconds (as formcheck decodes them)."""
    from formcheck.sources.file import VideoFile

    with VideoFile(clip) as video:
        frames = list(video.frames())
    return [f.image for f in frames], [f.t_s for f in frames]


def model_alone(frames_rgb: list, times: list[float]) -> tuple[float, float, list]:
    """Wall and CPU seconds of ``detect_for_video`` alone over pre-decoded RGB frames
    (``mp.Image`` made beforehand too); the results."""
    import mediapipe as mp
    from mediapipe.tasks.python import vision
    from mediapipe.tasks.python.core.base_options import BaseOptions

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(MODEL)),
        running_mode=vision.RunningMode.VIDEO, num_poses=1)
    results = []
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        images = [mp.Image(image_format=mp.ImageFormat.SRGB, data=f) for f in frames_rgb]
        start, cpu = time.perf_counter(), time.process_time()
        for t_s, image in zip(times, images, strict=True):
            results.append(landmarker.detect_for_video(image, round(t_s * 1000)))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return elapsed, cpu, results


def stages(clip: Path) -> dict[str, float]:
    """Seconds of each stage on ``clip``, every frame, in this process."""
    import av

    from formcheck.analysis.session import Session
    from formcheck.pose.series import PoseSample
    from formcheck.sources.file import VideoFile, _to_rgb

    timings: dict[str, float] = {}
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        start = time.perf_counter()
        av_frames = list(container.decode(stream))
        timings["decode"] = time.perf_counter() - start
        times = [float(f.pts * f.time_base) for f in av_frames]
        start = time.perf_counter()
        rgb = [_to_rgb(f, None) for f in av_frames]
        timings["colour conversion"] = time.perf_counter() - start
    del av_frames
    timings["pose model"], _, results = model_alone(rgb, times)
    with VideoFile(clip) as video:
        info = video.info
    import numpy as np

    samples = []
    height, width = rgb[0].shape[:2]
    for t_s, result in zip(times, results, strict=True):
        if not result.pose_landmarks:
            samples.append(PoseSample.missing(t_s))
            continue
        lms = result.pose_landmarks[0]
        samples.append(PoseSample(
            t_s, np.array([[lm.x * width, lm.y * height, lm.z * width] for lm in lms],
                          np.float32),
            np.array([[lm.x, lm.y, lm.z] for lm in result.pose_world_landmarks[0]], np.float32),
            np.array([lm.visibility or 0.0 for lm in lms], np.float32),
            np.array([lm.presence or 0.0 for lm in lms], np.float32), True))
    session = Session(info)
    start = time.perf_counter()
    for sample in samples:
        session.feed(sample)
    session.end()
    timings["cleaning and rules"] = time.perf_counter() - start
    start = time.perf_counter()
    json.dumps(session.report().to_dict())
    timings["report"] = time.perf_counter() - start
    return timings


def record(runs: dict[str, list[float]], name: str, wall_s: float, cpu_s: float) -> None:
    runs.setdefault(f"{name} (wall)", []).append(wall_s)
    runs.setdefault(f"{name} (CPU)", []).append(cpu_s)


def speed(clip: Path, rounds: int, *, extras: bool = True,
          rates: tuple[float, ...] = ()) -> None:
    from formcheck.sources.file import VideoFile
    from formcheck.sources.sampling import FrameSelector

    with VideoFile(clip) as video:
        info = video.info
        counter = FrameSelector(None)
        for _ in video.frames(select=lambda t_s: counter(t_s) and False):
            pass
        frames = counter.decoded
    duration = info.duration_s
    print(f"{clip}: {info.width}x{info.height}, {info.fps:.2f} fps, {frames} frames,"
          f" {duration:.1f} s; {os.cpu_count()} CPUs; {load()}")
    formcheck = [sys.executable, "-m", "formcheck", "analyse", str(clip), "--json"]
    runs: dict[str, list[float]] = {}
    results: dict[str, tuple] = {}
    with tempfile.TemporaryDirectory() as tmp:
        npz = Path(tmp) / "plain.npz"
        for round_ in range(rounds):
            elapsed, cpu, out = run_timed([sys.executable, "-c", PLAIN_LOOP, str(clip),
                                           str(MODEL), str(npz)])
            record(runs, "plain loop", elapsed, cpu)
            results["plain loop"] = plain_loop_grades(npz, clip)
            elapsed, cpu, out = run_timed(formcheck)
            record(runs, "analyse, default", elapsed, cpu)
            results["analyse, default"] = grades(json.loads(out))
            elapsed, cpu, out = run_timed([*formcheck, "--analysis-fps", "0"])
            record(runs, "analyse, every frame", elapsed, cpu)
            results["analyse, every frame"] = grades(json.loads(out))
            for fps in rates:
                name = f"analyse, {fps:g} frames a second"
                elapsed, cpu, out = run_timed([*formcheck, "--analysis-fps", f"{fps:g}"])
                record(runs, name, elapsed, cpu)
                results[name] = grades(json.loads(out))
            if not extras:
                print(f"  round {round_ + 1}/{rounds} done; {load()}", flush=True)
                continue
            elapsed, cpu, out = run_timed([*formcheck, "--analysis-fps", "15"])
            record(runs, "analyse, 15 frames a second", elapsed, cpu)
            results["analyse, 15 frames a second"] = grades(json.loads(out))
            elapsed, cpu, out = run_timed([*formcheck, "--workers", "2"])
            record(runs, "analyse, 2 chunks in parallel", elapsed, cpu)
            results["analyse, 2 chunks in parallel"] = grades(json.loads(out))
            timings = stages(clip)
            for name, seconds in timings.items():
                runs.setdefault(f"stage: {name} (wall)", []).append(seconds)
            analyse_s, analyse_cpu, model_s, model_cpu = one_core(clip)
            record(runs, "one core: analyse, every frame", analyse_s, analyse_cpu)
            record(runs, "one core: model alone", model_s, model_cpu)
            print(f"  round {round_ + 1}/{rounds} done; {load()}", flush=True)
    print(f"\n{'measure':48} {'median s':>9} {'min s':>7} {'frames/s':>9} {'x real time':>12}")
    for name, values in runs.items():
        median = statistics.median(values)
        print(f"{name:48} {median:9.2f} {min(values):7.2f} {frames / median:9.1f}"
              f" {duration / median:12.2f}")
    print("\nratios (per round, then the median); wall time varies with the machine's load,"
          " CPU time much less:")

    def ratio(label: str, num: str, den: str) -> None:
        for kind in ("wall", "CPU"):
            per_round = [a / b for a, b in zip(runs[f"{num} ({kind})"], runs[f"{den} ({kind})"],
                                               strict=True)]
            shown = ", ".join(f"{r:.2f}" for r in per_round)
            print(f"  {label}, {kind}: {shown} -> {statistics.median(per_round):.2f}")

    ratio("throughput of analyse (default) / plain loop", "plain loop", "analyse, default")
    ratio("throughput of analyse (every frame) / plain loop", "plain loop",
          "analyse, every frame")
    for fps in rates:
        ratio(f"throughput of analyse ({fps:g} frames a second) / plain loop", "plain loop",
              f"analyse, {fps:g} frames a second")
    if extras:
        ratio("throughput of analyse (15 frames a second) / plain loop", "plain loop",
              "analyse, 15 frames a second")
        ratio("throughput of analyse (2 chunks in parallel) / plain loop", "plain loop",
              "analyse, 2 chunks in parallel")
        ratio("one core: analyse every frame / model alone (target <= 1.15)",
              "one core: analyse, every frame", "one core: model alone")
    print("\ngrades (exercise, reps, good reps, first bad rep, faults per rep):")
    for name, value in results.items():
        print(f"  {name:34} {value}")
    same = len({value[1:] for value in results.values()}) == 1
    print(f"  {'the same' if same else 'DIFFERENT'}")
    print(load())


def memory() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        short, long = Path(tmp) / "short.mp4", Path(tmp) / "long.mp4"
        short_s = looped(SAMPLE, short, 30.0)
        long_s = looped(SAMPLE, long, 600.0)
        print(f"peak resident memory of formcheck analyse (defaults), fresh processes; {load()}")
        peaks = {}
        for name, clip, seconds in (("30 s", short, short_s), ("10 min", long, long_s)):
            start = time.perf_counter()
            _, _, out = run_timed([sys.executable, "-c", PEAK_RSS, str(clip)])
            data = json.loads(out.strip().splitlines()[-1])
            peaks[name] = data["self_kib"] / 1024
            print(f"  {name:6} ({seconds:5.0f} s of video, {data['reps']:3d} reps):"
                  f" {peaks[name]:7.1f} MiB (largest child process:"
                  f" {data['children_kib'] / 1024:.1f} MiB), {time.perf_counter() - start:.0f} s")
        print(f"  ratio 10 min / 30 s: {peaks['10 min'] / peaks['30 s']:.2f} (target <= 1.30);"
              f" {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", type=Path, nargs="?",
                        help="default: a 1280x720 30 fps clip made from a sample")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory", action="store_true", help="the memory comparison only")
    parser.add_argument("--made", nargs="+", choices=sorted(CLIPS), default=sorted(CLIPS),
                        help="Without CLIP: the clips to make from the sample (default both).")
    parser.add_argument("--rates-only", action="store_true",
                        help="Only the plain loop, analyse (defaults) and analyse (every"
                             " frame): not 15 a second, the chunks, the stages, one core.")
    parser.add_argument("--fps", nargs="+", type=float, default=[],
                        help="Also analyse at these rates (--analysis-fps N), each round.")
    args = parser.parse_args()
    from formcheck.drivers.speed import DEFAULT_ANALYSIS_FPS

    print(f"default analysis rate: {DEFAULT_ANALYSIS_FPS or 'every frame'}")
    rates = tuple(args.fps)
    if args.memory:
        memory()
        return
    if args.clip is not None:
        speed(args.clip, args.rounds, extras=not args.rates_only, rates=rates)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.made:
            width, height, fps = CLIPS[name]
            clip = make_clip(SAMPLE, Path(tmp) / f"sldl_side_good_{name}.mp4", width, height,
                             fps)
            speed(clip, args.rounds, extras=not args.rates_only, rates=rates)
            print()


if __name__ == "__main__":
    main()
