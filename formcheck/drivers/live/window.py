"""The OpenCV window: showing frames, reading keys, and a guard against the xcb clash
between OpenCV's and PyAV's bundled libraries."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------------ display


class Display(Protocol):
    """Where drawn frames are shown and keys come from."""

    def show(self, image_rgb: np.ndarray) -> int:
        """Show a frame; the key pressed meanwhile (-1 for none)."""
        ...

    def poll(self) -> int:
        """Keep the window alive without a new frame; the key pressed (-1 for none)."""
        ...

    @property
    def closed(self) -> bool:
        """The user closed the window."""
        ...

    def close(self) -> None: ...


def xcb_conflict() -> str | None:
    """A loaded xcb library that would make OpenCV's Qt window hang, or None.

    PyAV's and OpenCV's wheels bundle ``libxcb-shape``, ``-shm`` and ``-xfixes`` under the
    same file names; the dynamic loader uses whichever was loaded first for both. PyAV's
    copies call PyAV's own ``libxcb``, while Qt's xcb plugin talks to the system's: a
    window then never opens (Qt spins). Importing ``cv2`` before ``av`` avoids it, as
    ``formcheck.cli`` does.
    """
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:  # not Linux
        return None
    paths = {line.split()[-1] for line in maps.splitlines() if "/" in line}
    qt = next((path for path in paths if "/libQt5Gui" in path), None)
    if qt is None:
        return None
    for path in sorted(paths):
        name = Path(path).name
        if (name.startswith(("libxcb-shape", "libxcb-shm", "libxcb-xfixes"))
                and Path(path).parent != Path(qt).parent):
            return path
    return None


#: The window takes at most this share of the screen's width and height.
SCREEN_SHARE = 0.9


def screen_size() -> tuple[int, int] | None:
    """The X11 screen's width and height, pixels, or None when it cannot be asked (no
    X11 display, no libX11: then the window keeps the frame's size)."""
    if not os.environ.get("DISPLAY"):
        return None
    name = ctypes.util.find_library("X11")
    if name is None:
        return None
    try:
        xlib = ctypes.CDLL(name)
        xlib.XOpenDisplay.restype = ctypes.c_void_p
        xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
        xlib.XDefaultScreenOfDisplay.restype = ctypes.c_void_p
        xlib.XDefaultScreenOfDisplay.argtypes = [ctypes.c_void_p]
        xlib.XWidthOfScreen.argtypes = [ctypes.c_void_p]
        xlib.XHeightOfScreen.argtypes = [ctypes.c_void_p]
        xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
        display = xlib.XOpenDisplay(None)
        if not display:
            return None
        try:
            screen = xlib.XDefaultScreenOfDisplay(display)
            return int(xlib.XWidthOfScreen(screen)), int(xlib.XHeightOfScreen(screen))
        finally:
            xlib.XCloseDisplay(display)
    except (OSError, AttributeError):
        return None


def fitted(width: int, height: int, screen: tuple[int, int] | None) -> tuple[int, int]:
    """A window size for a ``width`` x ``height`` frame that fits ``screen`` (a share of
    it, :data:`SCREEN_SHARE`), keeping the frame's shape; the frame's own size when it
    fits or the screen is unknown."""
    if screen is None:
        return width, height
    scale = min(1.0, SCREEN_SHARE * screen[0] / width, SCREEN_SHARE * screen[1] / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


class Window:
    """An OpenCV highgui window; use from the main thread only.

    Raises:
        RuntimeError: ``av`` was imported before ``cv2`` (see :func:`xcb_conflict`); the
            window would hang.
    """

    def __init__(self, name: str) -> None:
        conflict = xcb_conflict()
        if conflict is not None:
            raise RuntimeError(f"OpenCV's window would hang: {conflict} was loaded before"
                               " OpenCV's own copy; import cv2 before av")
        self.name = name
        self._sized = False
        cv2.namedWindow(name, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)

    def show(self, image_rgb: np.ndarray) -> int:
        if not self._sized:
            self._sized = True
            width, height = fitted(image_rgb.shape[1], image_rgb.shape[0], screen_size())
            cv2.resizeWindow(self.name, width, height)
        cv2.imshow(self.name, cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR))
        return self.poll()

    def poll(self) -> int:
        key = cv2.waitKey(1)
        return -1 if key < 0 else key & 0xFF

    @property
    def closed(self) -> bool:
        try:
            return cv2.getWindowProperty(self.name, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def close(self) -> None:
        with contextlib.suppress(cv2.error):
            cv2.destroyWindow(self.name)
            cv2.waitKey(1)
