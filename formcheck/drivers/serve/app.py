"""The ASGI application of ``formcheck serve`` (Starlette).

``create_app(settings)`` builds it: the reader's pages (:mod:`.reader`), the machine API
(:mod:`.api`), the coach's desk (:mod:`.coach`), ``/healthz``, the static pictures and
script; the session middleware (signed cookie, key in ``DIR/session.key``) and the
security headers. Its lifespan opens the store, sweeps what an interrupted run left and
starts the dispatcher; on shutdown it stops the workers, and the gradings they held go
back to the queue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from formcheck.drivers.serve import api, reader
from formcheck.drivers.serve.dispatcher import EngineFactory
from formcheck.drivers.serve.security import SecurityHeaders, session_key
from formcheck.drivers.serve.service import Service
from formcheck.drivers.serve.settings import ServeSettings

#: The session cookie's name.
SESSION_COOKIE = "formcheck_session"
#: How long a session cookie lives, s (a coach's login ends sooner: see coach.py).
SESSION_MAX_AGE_S = 14 * 24 * 3600

STATIC = resources.files("formcheck.drivers.serve") / "static"


async def healthz(request: Request) -> Response:
    """200 once the store is open and a grading worker has loaded the pipeline; 503
    before (or when the dispatcher stopped)."""
    service: Service = request.app.state.service
    dispatcher = service.dispatcher
    if not dispatcher.ready.is_set() or not dispatcher.alive:
        detail = "starting" if dispatcher.error is None else f"failed: {dispatcher.error}"
        return JSONResponse({"status": detail}, status_code=503)
    counts = await run_in_threadpool(lambda: service.store().counts())
    return JSONResponse({"status": "ok", "gradings": counts})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/api/"):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        return api.error(exc.status_code, code, str(exc.detail))
    service: Service = request.app.state.service
    return service.render(request, "serve/message.html.j2", status_code=exc.status_code,
                          heading="Nothing here" if exc.status_code == 404 else "Not allowed",
                          message=str(exc.detail))


def create_app(settings: ServeSettings, *, engine_factory: EngineFactory | None = None
               ) -> Starlette:
    """The web application over the data folder ``settings.data``.

    Args:
        settings: The service's settings.
        engine_factory: Makes the grading engine (tests pass one without the model).
    """
    settings.data.mkdir(parents=True, exist_ok=True)
    service = Service(settings, engine_factory)
    key = session_key(settings.data)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(service.start)
        try:
            yield
        finally:
            await run_in_threadpool(service.stop)

    from formcheck.drivers.serve import coach

    routes = [
        *reader.ROUTES,
        *api.ROUTES,
        *coach.ROUTES,
        Route("/healthz", healthz, methods=["GET"]),
        Route("/favicon.ico", lambda request: Response(status_code=204), methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=key, session_cookie=SESSION_COOKIE,
                   max_age=SESSION_MAX_AGE_S, same_site="lax", https_only=settings.https_only),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={HTTPException: _http_error})
    app.state.service = service
    return app
