"""Running the application on uvicorn: one log line per request, a clean stop on SIGTERM.

uvicorn handles SIGTERM and SIGINT: it stops accepting connections, lets requests in
flight finish for up to :data:`GRACEFUL_S` (an upload still streaming after that is
cancelled, and its partial file removed), then runs the application's shutdown, which
stops the workers and queues their gradings again.
"""

from __future__ import annotations

import logging

from formcheck.drivers.serve.dispatcher import EngineFactory
from formcheck.drivers.serve.settings import ServeSettings

#: How long requests in flight may take to finish after SIGTERM, s.
GRACEFUL_S = 20

LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "access": {"format": "%(asctime)s %(message)s"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                   "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "formatter": "access",
                   "stream": "ext://sys.stderr"},
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "formcheck": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def run_server(settings: ServeSettings, *, engine_factory: EngineFactory | None = None
               ) -> None:
    """Serve until SIGTERM or Ctrl-C."""
    import uvicorn

    from formcheck.drivers.serve.app import create_app
    from formcheck.pose.model import resolve_model

    resolve_model(settings.model)  # a missing or corrupt model fails before listening
    app = create_app(settings, engine_factory=engine_factory)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_config=LOG_CONFIG,
                            access_log=True, proxy_headers=True,
                            forwarded_allow_ips=settings.forwarded_allow_ips,
                            timeout_graceful_shutdown=GRACEFUL_S, lifespan="on",
                            server_header=False)
    logging.getLogger(__name__).info("formcheck serve: data in %s", settings.data)
    uvicorn.Server(config).run()
