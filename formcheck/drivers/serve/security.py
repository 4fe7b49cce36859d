"""The web service's defences: the session key, CSRF tokens, the upload rate limit, the
response headers.

- The session cookie (Starlette's ``SessionMiddleware``: signed with itsdangerous,
  HTTP-only, SameSite=Lax) is signed with a key generated with :mod:`secrets` on first
  start and kept in ``DIR/session.key`` with mode 0600.
- Every form carries a CSRF token (a hidden input) that must equal the one in the
  session, compared with :func:`hmac.compare_digest`; a POST without it, or with another
  session's, is refused with 403. The machine API takes no cookie and needs none.
- Uploads are limited per client address in a sliding window (429 past it).
- A reader's progress token lives in its own cookie (:data:`READER_COOKIE`: HTTP-only,
  SameSite=Lax, Secure over HTTPS, 400 days), apart from the session, so that logging a
  coach in or out on the same browser does not lose it.
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from formcheck.errors import UsageError

#: The key file's name inside the data folder.
SESSION_KEY_FILE = "session.key"
#: The CSRF token's key in the session, and the form field carrying it.
CSRF_KEY = "csrf"
CSRF_FIELD = "csrf_token"


#: The cookie holding a reader's progress token.
READER_COOKIE = "formcheck_reader"
#: How long it lives, s (400 days: the longest a browser keeps a cookie).
READER_COOKIE_MAX_AGE_S = 400 * 24 * 3600


def reader_token(request: Request) -> str | None:
    """The progress token the browser's cookie holds, or None."""
    return request.cookies.get(READER_COOKIE) or None


def set_reader_cookie(response: Response, request: Request, token: str, *,
                      https_only: bool) -> None:
    """Keep ``token`` in the browser: HTTP-only, SameSite=Lax, Secure when the service is
    reached over HTTPS (``--https-only``, or the request says so)."""
    response.set_cookie(READER_COOKIE, token, max_age=READER_COOKIE_MAX_AGE_S, path="/",
                        httponly=True, samesite="lax",
                        secure=https_only or request.url.scheme == "https")


def session_key(folder: Path) -> str:
    """The data folder's session key: read, or generated (64 random bytes, hex) and
    written with mode 0600 on first start. A key file others may read is refused."""
    path = folder / SESSION_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise UsageError(f"{path} is readable by others (mode {mode:o}): chmod 600"
                             f" {path}") from None
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 64:
            raise UsageError(f"{path} is too short to be a session key: remove it, a new"
                             " one is made on start (every session then ends)") from None
        return key
    key = secrets.token_hex(64)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key


def csrf_token(session: dict[str, Any]) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def csrf_ok(session: dict[str, Any], sent: str | None) -> bool:
    """Whether ``sent`` is this session's CSRF token."""
    expected = session.get(CSRF_KEY)
    if not isinstance(expected, str) or not sent:
        return False
    return hmac.compare_digest(expected.encode(), sent.encode("utf-8", "replace"))


class RateLimiter:
    """At most ``limit`` events per ``window_s`` per key (a client address); thread-safe.

    Keeps at most ``max_keys`` keys (the least recently seen are dropped), so a flood of
    addresses cannot grow it without bound.
    """

    def __init__(self, limit: int, window_s: float = 3600.0, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self._max_keys = max_keys
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_s(self, key: str) -> float:
        """Seconds until an event for ``key`` would be allowed (0: now), counting nothing."""
        now = time.monotonic()
        with self._lock:
            events = [t for t in self._events.get(key, ()) if t > now - self.window_s]
            if len(events) < self.limit:
                return 0.0
            return max(1.0, events[0] + self.window_s - now)

    def allow(self, key: str) -> tuple[bool, float]:
        """Count one event for ``key``; whether it is allowed, and if not the seconds until
        it would be."""
        now = time.monotonic()
        with self._lock:
            events = self._events.pop(key, None) or deque()
            while events and events[0] <= now - self.window_s:
                events.popleft()
            self._events[key] = events  # most recent last
            if len(events) >= self.limit:
                return False, max(1.0, events[0] + self.window_s - now)
            events.append(now)
            while len(self._events) > self._max_keys:
                self._events.pop(next(iter(self._events)))
            return True, 0.0


#: Sent with every response. The report page's plot and styles are inline; scripts come
#: only from this site; the private links never leak through a Referer.
SECURITY_HEADERS = {
    "content-security-policy": ("default-src 'none'; img-src 'self' data:; media-src 'self';"
                                " style-src 'self' 'unsafe-inline'; script-src 'self';"
                                " connect-src 'self'; form-action 'self';"
                                " frame-ancestors 'none'; base-uri 'none'"),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` (and ``no-store`` on private
    pages) to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        private = not path.startswith(("/static/", "/gallery"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if private and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: Each failed login is answered after this long, s.
FAILED_LOGIN_DELAY_S = 1.0
#: Failed logins per name, and per address, in 15 minutes before 429.
MAX_FAILED_LOGINS = 5
LOGIN_WINDOW_S = 15 * 60


class LoginThrottle:
    """Failed logins per name and per address (a :class:`RateLimiter` each)."""

    def __init__(self) -> None:
        self.by_name = RateLimiter(MAX_FAILED_LOGINS, LOGIN_WINDOW_S)
        self.by_address = RateLimiter(MAX_FAILED_LOGINS, LOGIN_WINDOW_S)

    def blocked(self, name: str, address: str) -> float:
        """Seconds until a login for ``name`` from ``address`` is heard again (0: now)."""
        return max(self.by_name.wait_s(name), self.by_address.wait_s(address))

    def failed(self, name: str, address: str) -> None:
        self.by_name.allow(name)
        self.by_address.allow(address)
