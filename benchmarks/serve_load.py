"""A bounded load test of ``formcheck serve`` on loopback: 20 concurrent uploads, then the
reader's page hammered while the workers grade.

    python benchmarks/serve_load.py [--uploads 20] [--workers 2] [--max-s 1200]

Starts a real server (``--workers 2``) on 127.0.0.1 with a fresh data folder, makes 20
distinct clips from the sample clips (each with a trailing MP4 ``free`` box holding its
number, so each has its own sha256 and is graded on its own), sends all 20 at once from 20
threads, then, until every submission is graded (or ``--max-s`` passes: the run always
stops by itself), fetches reader pages (``GET /s/<token>``, round robin, one request at a
time, back to back) and the API, and records each answer's latency. Prints the figures
and a JSON line; nothing is sent anywhere but 127.0.0.1.

Not a test: timings on a shared machine vary; the figures go in BENCHMARKS.md with the
date and this command.
"""

from __future__ import annotations

import argparse
import json
import statistics
import struct
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.drivers.serve.live_server import LiveServer, upload  # noqa: E402

SAMPLES = ("bridge_feet_good.mp4", "bridge_side_good.mp4", "bridge_side_hyperextension_feet.mp4",
           "bridge_side_incomplete_lockout.mp4", "bridge_single_leg_pelvic_drop_oblique.mp4",
           "sldl_oblique_partial_rushed.mp4", "sldl_rear_hip_opening.mp4", "sldl_side_good.mp4",
           "sldl_side_knee_breaks_rep3.mp4", "sldl_side_leg_drop_touch.mp4")


def distinct_clips(folder: Path, count: int) -> list[Path]:
    clips = []
    for index in range(count):
        source = ROOT / "sample_videos" / SAMPLES[index % len(SAMPLES)]
        payload = f"formcheck load test clip {index}".encode()
        free_box = struct.pack(">I", 8 + len(payload)) + b"free" + payload
        target = folder / f"clip{index:02d}.mp4"
        target.write_bytes(source.read_bytes() + free_box)
        clips.append(target)
    return clips


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fetch(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as answer:
        answer.read()
        assert answer.status == 200
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-s", type=float, default=1200.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        clips = distinct_clips(base, args.uploads)
        with LiveServer(base / "data", "--workers", str(args.workers),
                        "--uploads-per-hour", str(args.uploads + 10)) as server:
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.uploads) as pool:
                answers = list(pool.map(lambda clip: (upload(server.url, clip),
                                                      time.perf_counter()), clips))
            upload_s = [t - started for _, t in answers]
            statuses = [status for (status, _), _ in answers]
            tokens = [body["token"] for (status, body), _ in answers if status == 201]
            print(f"{len(tokens)}/{len(clips)} uploads stored (statuses {sorted(set(statuses))}),"
                  f" all in {max(upload_s):.2f} s")
            page_s: list[float] = []
            api_s: list[float] = []
            done: dict[str, str] = {}
            deadline = time.monotonic() + args.max_s
            turn = 0
            while len(done) < len(tokens) and time.monotonic() < deadline:
                token = tokens[turn % len(tokens)]
                turn += 1
                page_s.append(fetch(f"{server.url}/s/{token}"))
                api_started = time.perf_counter()
                answer = server.get_json(f"/api/submissions/{token}")
                api_s.append(time.perf_counter() - api_started)
                if answer["status"] not in ("queued", "grading"):
                    done[token] = answer["status"]
            graded_s = time.perf_counter() - started
            log = server.log()
    figures = {
        "uploads": len(clips), "stored": len(tokens), "workers": args.workers,
        "upload_all_s": round(max(upload_s), 2),
        "finished": len(done), "statuses": sorted(set(done.values())),
        "graded_in_s": round(graded_s, 1),
        "page_requests": len(page_s),
        "page_p50_ms": round(1000 * statistics.median(page_s), 1),
        "page_p95_ms": round(1000 * percentile(page_s, 0.95), 1),
        "page_max_ms": round(1000 * max(page_s), 1),
        "api_p50_ms": round(1000 * statistics.median(api_s), 1),
        "api_p95_ms": round(1000 * percentile(api_s, 0.95), 1),
        "graded_log_lines": log.count(" INFO formcheck.drivers.serve.dispatcher: graded "),
    }
    print(f"{figures['finished']}/{figures['stored']} graded ({figures['statuses']}) in"
          f" {figures['graded_in_s']} s with {args.workers} workers")
    print(f"reader's page while grading: {figures['page_requests']} requests, p50"
          f" {figures['page_p50_ms']} ms, p95 {figures['page_p95_ms']} ms, max"
          f" {figures['page_max_ms']} ms; API p50 {figures['api_p50_ms']} ms, p95"
          f" {figures['api_p95_ms']} ms")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
