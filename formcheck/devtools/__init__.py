"""Tools for developing formcheck, not for grading: :mod:`.evaluation` (scoring against
labels, ``formcheck eval``) and :mod:`.synth` (the clip renderer, ``formcheck render``)."""
