"""``formcheck batch``: a folder of clips into the results store.

:mod:`.discovery` (which files are clips), :mod:`.jobs` (one clip's job, its settings and
its time limit), :mod:`.pool` (the default executor: our own process pool) and
:mod:`.dask_executor` (the same jobs on Dask), :mod:`.run` (the run: resume rules, the
store), :mod:`.index` (the index page) and :mod:`.listing` (``formcheck results``).
"""
