"""Opening our HTML pages in Debian's headless Chromium (through Playwright, which
downloads no browser here), recording console errors and every request."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest


def chromium() -> str:
    """Chromium's executable; skips the test when it is missing, except in CI, where
    ``tools/run_tests.sh`` installs it and its absence is a failure."""
    found = os.environ.get("FORMCHECK_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it with apt-get")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


@dataclass
class OpenedPage:
    """A loaded page, and what it did while loading and since."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def remote_requests(self) -> list[str]:
        """Requests for anything but the file itself and data URIs."""
        return [url for url in self.requests if not url.startswith(("file:", "data:"))]


@contextmanager
def opened_page(path: Path | str, viewport: dict[str, int] | None = None
                ) -> Iterator[OpenedPage]:
    """``path`` (a file, or a URL) loaded in headless Chromium; the browser closes when the
    block ends."""
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(),
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport=viewport) if viewport else browser.new_page()
            opened = OpenedPage(page)
            page.on("console", lambda m: opened.console_errors.append(m.text)
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: opened.console_errors.append(str(e)))
            page.on("request", lambda r: opened.requests.append(r.url))
            page.goto(path.as_uri() if isinstance(path, Path) else path)
            page.wait_for_load_state("load")
            yield opened
        finally:
            browser.close()
