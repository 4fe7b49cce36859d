"""formcheck serve as a real server on loopback: curl through the API, HTTP Range on the
annotated video, a slow client, SIGTERM, and SIGKILL with submissions queued."""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_VIDEOS
from tests.drivers.serve.live_server import LiveServer, upload

CLIP = SAMPLE_VIDEOS / "bridge_single_leg_pelvic_drop_oblique.mp4"  # 13 s, 147 KB
#: Three small samples, for three different gradings.
THREE = ("bridge_feet_good.mp4", "bridge_single_leg_pelvic_drop_oblique.mp4",
         "bridge_side_incomplete_lockout.mp4")


def curl(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (apt-get install curl)")
    return subprocess.run(["curl", "-sS", "--max-time", "120", *args], capture_output=True,
                          text=True, timeout=150)


def leftovers(data: Path) -> list[str]:
    """Partial uploads and atomic-write temporaries (hidden files) under ``data``."""
    return sorted(p.relative_to(data).as_posix() for p in data.rglob(".*") if p.is_file())


def read_response(sock: socket.socket) -> str:
    """One HTTP response, headers and body (by its content-length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"content-length: (\d+)", head.lower())
    while length and len(body) < int(length.group(1)):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return (head + b"\r\n\r\n" + body).decode("latin-1")


# --- no model ------------------------------------------------------------------------------

def test_a_slow_client_is_timed_out_and_nothing_is_kept(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with LiveServer(data, "--workers", "1", "--upload-idle-s", "1") as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            head = (b"POST /api/submissions HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Type: multipart/form-data; boundary=b\r\n"
                    b"Content-Length: 200000\r\n\r\n"
                    b'--b\r\nContent-Disposition: form-data; name="clip"; filename="a.mp4"'
                    b"\r\n\r\n" + CLIP.read_bytes()[:4000])
            sock.sendall(head)
            # ... and never the rest: the server answers 408 once it has waited 1 s.
            answer = read_response(sock)
        assert answer.startswith("HTTP/1.1 408"), answer[:200]
        assert '"code":"timeout"' in answer.replace(" ", "")
        assert list((data / "incoming").iterdir()) == []
        assert list((data / "uploads").iterdir()) == []
        assert re.search(r'"POST /api/submissions HTTP/1.1" 408', server.log())


def test_sigterm_stops_cleanly_with_an_upload_in_flight(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = LiveServer(data, "--workers", "1", "--upload-idle-s", "3").start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(b"POST /api/submissions HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Type: multipart/form-data; boundary=b\r\n"
                         b"Content-Length: 200000\r\n\r\n"
                         b'--b\r\nContent-Disposition: form-data; name="clip";'
                         b' filename="a.mp4"\r\n\r\n' + bytes(5000))
            deadline = time.monotonic() + 10
            while not list((data / "incoming").glob(".upload-*")):
                assert time.monotonic() < deadline, "the upload never started"
                time.sleep(0.02)
            server.signal(signal.SIGTERM)
            answer = read_response(sock)
        assert answer.startswith("HTTP/1.1 408")  # refused, not stored
        # uvicorn stops cleanly, then ends as SIGTERM asked (the signal re-raised: 143).
        assert server.wait(60) in (0, -signal.SIGTERM)
    finally:
        server.stop()
    assert leftovers(data) == [] and list((data / "uploads").iterdir()) == []
    assert "Application shutdown complete" in server.log()


# --- with the model --------------------------------------------------------------------------

@pytest.mark.model
def test_through_curl_the_verdict_is_analyses_and_bad_input_is_answered(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    expected = json.loads(subprocess.run(
        [sys.executable, "-m", "formcheck", "analyse", str(CLIP), "--json"],
        capture_output=True, text=True, timeout=300).stdout)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a video\n" * 20)
    with LiveServer(data, "--workers", "1", "--max-upload-mb", "0.2") as server:
        sent = curl("-F", f"clip=@{CLIP}", "--form-string", "name=<script>alert(1)</script>",
                    "-F", "exercise=auto", server.url + "/api/submissions")
        assert sent.returncode == 0, sent.stderr + server.log()[-3000:]
        created = json.loads(sent.stdout)
        token = created["token"]
        assert created["status"] == "queued" and created["url"] == f"/s/{token}"
        done = server.wait_done(token)
        report = done["report"]
        assert done["status"] == "graded"
        for key in ("total_reps", "good_reps", "first_bad_rep", "exercise", "view"):
            assert report[key] == expected[key], key
        # The whole report is analyse's, but for the path (the reader's file name).
        assert {**report, "video": {**report["video"], "path": ""}} == {
            **expected, "video": {**expected["video"], "path": ""}}
        page = curl(server.url + f"/s/{token}").stdout
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert f'src="/s/{token}/video.mp4"' in page

        not_video = curl("-w", "\n%{http_code}", "-F", f"clip=@{notes}", "-F", "name=Ann",
                         server.url + "/api/submissions").stdout.rsplit("\n", 1)
        assert not_video[1] == "415"
        assert json.loads(not_video[0])["error"]["code"] == "not_a_video"

        big = tmp_path / "big.mp4"
        big.write_bytes(CLIP.read_bytes() * 2)  # 294 KB, over 0.2 MB
        too_big = curl("-w", "\n%{http_code}", "-F", f"clip=@{big}", "-F", "name=Ann",
                       server.url + "/api/submissions").stdout.rsplit("\n", 1)
        assert too_big[1] == "413"
        assert json.loads(too_big[0])["error"]["code"] == "too_large"

        # The annotated video is H.264 and seekable: Range requests get 206.
        video_url = server.url + f"/s/{token}/video.mp4"
        head = curl("-I", video_url).stdout.lower()
        assert "accept-ranges: bytes" in head and "content-type: video/mp4" in head
        size = int(re.search(r"content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
        ranged = curl("-D", "-", "-o", str(tmp_path / "part"), "-r", "100-1099", video_url)
        assert ranged.stdout.startswith("HTTP/1.1 206")
        assert f"content-range: bytes 100-1099/{size}" in ranged.stdout.lower()
        assert (tmp_path / "part").stat().st_size == 1000
        probe = subprocess.run(
            [sys.executable, "-c", "import sys, av; c = av.open(sys.argv[1]);"
             " print(c.streams.video[0].codec_context.name)",
             str(data / "uploads" / report["provenance"]["source_sha256"] / "auto"
                 / "annotated.mp4")], capture_output=True, text=True, timeout=60)
        assert probe.stdout.strip() == "h264"

        listed = subprocess.run([sys.executable, "-m", "formcheck", "results", str(data),
                                 "--json"], capture_output=True, text=True, timeout=60)
        entries = json.loads(listed.stdout)
        assert [e["source"] for e in entries] == ["submission"]
        assert entries[0]["total_reps"] == expected["total_reps"]


@pytest.mark.model
def test_sigkill_with_three_queued_then_a_restart_grades_each_exactly_once(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = LiveServer(data, "--workers", "1").start()
    tokens = []
    try:
        for name in THREE:
            status, body = upload(server.url, SAMPLE_VIDEOS / name)
            assert status == 201, body
            tokens.append(body["token"])
    finally:
        server.kill_group()  # the server and its worker, at once
    with sqlite3.connect(data / "results.sqlite") as db:
        before = dict(db.execute("SELECT status, COUNT(*) FROM gradings GROUP BY status"))
    assert sum(before.values()) == 3 and before.get("graded", 0) == 0, before

    with LiveServer(data, "--workers", "1") as again:
        answers = [again.wait_done(token) for token in tokens]
    assert [a["status"] for a in answers] == ["graded"] * 3
    log = server.log()  # both runs append to the one log
    with sqlite3.connect(data / "results.sqlite") as db:
        hashes = [h for (h,) in db.execute("SELECT hash FROM gradings")]
        attempts = [n for (n,) in db.execute("SELECT attempts FROM gradings")]
    assert len(set(hashes)) == 3
    for hash_hex in hashes:
        assert log.count(f"graded {hash_hex[:16]}") == 1, hash_hex  # one result each
    assert all(1 <= n <= 2 for n in attempts)  # the one killed mid-way was started again
    assert "queued again" in log or before.get("grading", 0) == 0
    assert leftovers(data) == []
    for hash_hex in hashes:
        outputs = data / "uploads" / hash_hex / "auto"
        assert sorted(p.name for p in outputs.iterdir()) == ["annotated.mp4", "heads.json",
                                                             "parts.json"]


def test_through_curl_coach_pages_need_a_login_posts_a_csrf_token(tmp_path: Path) -> None:
    data = tmp_path / "data"
    subprocess.run([sys.executable, "-m", "formcheck", "coach", "add", "maria", "--data",
                    str(data)], input="a long coach password\n", text=True, check=True,
                   timeout=60)
    jar = str(tmp_path / "cookies")
    with LiveServer(data, "--workers", "1") as server:
        status, body = upload(server.url, CLIP, name="<script>alert(1)</script>",
                              consent_review="on")
        assert status == 201, body
        for path in ("/coach", "/coach/s/1", "/coach/s/1/video.mp4", "/coach/nothing"):
            answer = curl("-D", "-", "-o", "/dev/null", server.url + path).stdout
            assert answer.startswith("HTTP/1.1 303"), (path, answer)
            assert "location: /coach/login" in answer.lower()
        login_page = curl("-c", jar, server.url + "/coach/login").stdout
        token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)  # type: ignore[union-attr]
        no_token = curl("-b", jar, "-c", jar, "-o", "/dev/null", "-w", "%{http_code}",
                        "-d", "name=maria", "-d", "password=a long coach password",
                        server.url + "/coach/login").stdout
        assert no_token == "403"
        logged_in = curl("-b", jar, "-c", jar, "-D", "-", "-o", "/dev/null",
                         "--data-urlencode", f"csrf_token={token}", "-d", "name=maria",
                         "--data-urlencode", "password=a long coach password",
                         server.url + "/coach/login").stdout
        assert logged_in.startswith("HTTP/1.1 303") and "location: /coach\n" in logged_in.lower()
        queue = curl("-b", jar, server.url + "/coach").stdout
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in queue
        assert "<script>alert(1)</script>" not in queue
        post = curl("-b", jar, "-o", "/dev/null", "-w", "%{http_code}", "-d", "note=hi",
                    server.url + "/coach/s/1/review").stdout
        assert post == "403"
        gallery = curl("-o", "/dev/null", "-w", "%{http_code}",
                       server.url + "/gallery/notfeatured123.mp4").stdout
        assert gallery == "404"


def test_twenty_concurrent_uploads_are_all_stored(tmp_path: Path) -> None:
    """The bounded load of the benchmark's first half, as a test: 20 distinct clips at once
    (each its own connection and thread) are all answered 201 and queued once each."""
    import struct
    from concurrent.futures import ThreadPoolExecutor

    clips = []
    for index in range(20):
        payload = f"clip {index}".encode()
        clip = tmp_path / f"clip{index:02d}.mp4"
        clip.write_bytes(CLIP.read_bytes() + struct.pack(">I", 8 + len(payload)) + b"free"
                         + payload)
        clips.append(clip)
    data = tmp_path / "data"
    with LiveServer(data, "--workers", "1", "--uploads-per-hour", "100") as server, \
            ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda clip: upload(server.url, clip), clips))
        assert [status for status, _ in answers] == [201] * 20, answers
    with sqlite3.connect(data / "results.sqlite") as db:
        assert db.execute("SELECT COUNT(*), COUNT(DISTINCT hash) FROM gradings").fetchone() == (
            20, 20)
        assert db.execute("SELECT COUNT(*) FROM submissions").fetchone() == (20,)
