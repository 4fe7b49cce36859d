"""formcheck: rep-by-rep form checking for single-leg deadlifts and glute bridges."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("formcheck")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
