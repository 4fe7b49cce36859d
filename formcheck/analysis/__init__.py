"""Analysis: the causal session, fed one pose at a time.

:mod:`.session` (the engine), :mod:`.events` (what it says and its per-frame state),
:mod:`.settings`, :mod:`.recognition`, :mod:`.grading` (checks and the tally that stops
the count), :mod:`.prescription`, :mod:`.advice` (how to film), :mod:`.report` (the
report and its provenance), :mod:`.provenance` (the settings digest) and :mod:`.watch`
(warnings about the clip). Imports the exercises and the stages above them.
"""
