"""A real ``formcheck serve`` on loopback, in its own process group, for the tests and the
load benchmark; and an app on uvicorn in a thread of the test's process (with the tests'
stand-in grader, no model), for the browser tests that need no real grading."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """``formcheck serve --data DATA`` on 127.0.0.1:PORT, its log in ``DATA.log``.

    Use as a context manager: it waits for ``/healthz`` (200) on entry and stops the
    process group on exit (SIGTERM, then SIGKILL).
    """

    def __init__(self, data: Path, *args: str, env: dict[str, str] | None = None,
                 port: int | None = None) -> None:
        self.data = data
        self.port = port or free_port()
        self.args = args
        self.env = {**os.environ, **(env or {})}
        self.log_path = data.parent / f"{data.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 120.0) -> LiveServer:
        log = self.log_path.open("ab")
        command = [sys.executable, "-m", "formcheck", "serve", "--data", str(self.data),
                   "--port", str(self.port), *self.args]
        self.process = subprocess.Popen(command, stdout=log, stderr=log,
                                        start_new_session=True, env=self.env)
        log.close()
        deadline = time.monotonic() + timeout_s
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited {self.process.returncode}:"
                                   f" {self.log()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"no /healthz 200 within {timeout_s} s: {self.log()[-2000:]}")
            time.sleep(0.1)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def signal(self, signum: int) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signum)

    def kill_group(self) -> None:
        """SIGKILL the server and everything it started (as a crash would)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def wait(self, timeout_s: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout_s)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with_group = True
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            with_group = False
        if not with_group:
            self.process.wait()

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def get_json(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as answer:
            return json.loads(answer.read())

    def wait_done(self, token: str, timeout_s: float = 300.0) -> dict[str, Any]:
        """Poll the API until the submission is graded, ungradable or failed."""
        deadline = time.monotonic() + timeout_s
        while True:
            answer = self.get_json(f"/api/submissions/{token}")
            if answer["status"] not in ("queued", "grading"):
                return dict(answer)
            if time.monotonic() > deadline:
                raise TimeoutError(f"{token} still {answer['status']} after {timeout_s} s")
            time.sleep(0.25)


class ThreadServer:
    """An ASGI app on uvicorn at 127.0.0.1:PORT in a thread of this process (its lifespan
    runs: the service's dispatcher starts). Use as a context manager."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        import uvicorn

        self.port = port or free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, name="test-uvicorn",
                                       daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)


def upload(url: str, clip: Path, *, name: str = "Ann", data: bytes | None = None,
           filename: str | None = None, **fields: str) -> tuple[int, dict[str, Any]]:
    """POST a clip to ``/api/submissions`` with the standard library (multipart)."""
    boundary = "formcheck-test-boundary"
    parts = []
    for key, value in {"name": name, **fields}.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                     f"{value}\r\n".encode())
    content = clip.read_bytes() if data is None else data
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="clip";'
                 f' filename="{filename or clip.name}"\r\nContent-Type: video/mp4\r\n\r\n'
                 .encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(
        url + "/api/submissions", data=b"".join(parts), method="POST",
        headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body or b"{}")
        except ValueError:  # not the API's JSON (a proxy's page, a bug's plain 500)
            return exc.code, {"raw": body.decode("utf-8", "replace")[:500]}
