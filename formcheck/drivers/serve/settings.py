"""Options of ``formcheck serve``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from formcheck.drivers.batch.jobs import (
    DEFAULT_TIMEOUT_BASE_S,
    DEFAULT_TIMEOUT_FACTOR,
    check_workers,
)
from formcheck.errors import UsageError
from formcheck.pose.model import DEFAULT_MODEL

#: Default upload limits.
DEFAULT_MAX_UPLOAD_MB = 300.0
DEFAULT_MAX_DURATION_S = 600.0
#: Uploads one address may start per hour (429 past it).
DEFAULT_UPLOADS_PER_HOUR = 30
#: An upload that sends nothing for this long is dropped, s.
DEFAULT_UPLOAD_IDLE_S = 30.0
#: An upload must be complete within this long, s (at least a 300 MB clip over 5 Mbit/s).
DEFAULT_UPLOAD_TOTAL_S = 900.0


@dataclass(frozen=True)
class ServeSettings:
    """What ``formcheck serve`` runs with.

    Attributes:
        data: The data folder: the store (``results.sqlite``), the uploads, the session key.
        host: Address to listen on.
        port: Port to listen on.
        workers: Grading worker processes (None: one per core).
        scheduler: A Dask scheduler (``tcp://...`` or ``local:N``) instead of the pool.
        max_upload_mb: Largest clip accepted, MB (10^6 bytes).
        max_duration_s: Longest clip accepted, s (as its container declares it).
        uploads_per_hour: Uploads one client address may start per hour.
        upload_idle_s: An upload silent this long is dropped (nothing kept), s.
        upload_total_s: An upload not complete after this long is dropped, s.
        timeout_factor: Grading time limit, in clip durations, plus ``timeout_base_s``.
        timeout_base_s: The fixed part of the grading time limit, s.
        model: Pose model name.
        https_only: Send the session cookie only over HTTPS (behind a TLS proxy).
        forwarded_allow_ips: Proxies whose ``X-Forwarded-For`` is believed (uvicorn's).
    """

    data: Path
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int | None = None
    scheduler: str | None = None
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB
    max_duration_s: float = DEFAULT_MAX_DURATION_S
    uploads_per_hour: int = DEFAULT_UPLOADS_PER_HOUR
    upload_idle_s: float = DEFAULT_UPLOAD_IDLE_S
    upload_total_s: float = DEFAULT_UPLOAD_TOTAL_S
    timeout_factor: float = DEFAULT_TIMEOUT_FACTOR
    timeout_base_s: float = DEFAULT_TIMEOUT_BASE_S
    model: str = DEFAULT_MODEL
    https_only: bool = False
    forwarded_allow_ips: str = "127.0.0.1"

    def __post_init__(self) -> None:
        check_workers(self.workers, self.scheduler)
        if self.max_upload_mb <= 0 or self.max_duration_s <= 0:
            raise UsageError("--max-upload-mb and --max-duration-s must be above 0")
        if self.uploads_per_hour < 1:
            raise UsageError("--uploads-per-hour must be 1 or more")
        if not 0 < self.port < 65536:
            raise UsageError(f"--port {self.port}: use 1-65535")

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1_000_000)

    def time_limit_s(self, duration_s: float | None) -> float:
        """A clip's grading time limit, as the batch's."""
        return self.timeout_factor * (duration_s or 0.0) + self.timeout_base_s
