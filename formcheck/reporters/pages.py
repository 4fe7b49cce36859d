"""The Jinja2 environment every HTML page is rendered with: the report, the batch index
and the web service's pages. Autoescaping is on for every template (file names, names and
messages are untrusted text), and an undefined variable is an error, not an empty string.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import jinja2

#: The package folder holding the templates (package data, see pyproject.toml).
TEMPLATES = resources.files("formcheck.reporters") / "templates"


def environment(**globals_: Any) -> jinja2.Environment:
    """A fresh environment over :data:`TEMPLATES` (``globals_`` are visible to every
    template it renders)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.globals.update(globals_)
    return env
