"""Drivers: where frames come from and where results go.

Every driver goes the one way through :mod:`formcheck.drivers.run` (a frame source and a
pose model feed a session with its watch; sinks are told each frame): ``file``
(``formcheck analyse``, ``eval``), ``live`` (a camera), ``batch`` (a folder into the
results store) and ``serve`` (uploads into the store). Drivers import every stage; no
stage imports a driver.
"""
