"""Signals: from one frame's cleaned landmarks to the numbers the exercises read.

:mod:`~formcheck.signals.geometry` (angles), :mod:`~formcheck.signals.body` (per-frame
body signals with a running scale) and :mod:`~formcheck.signals.reps` (the incremental rep
engine). Imports only :mod:`formcheck.pose` and below.
"""
