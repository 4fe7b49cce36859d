"""``formcheck serve``: readers upload clips from a phone and get their verdict at a
private link; the coach reviews them (a thin driver over the same library).

- :mod:`.app` builds the ASGI application (Starlette) and :mod:`.server` runs it on
  uvicorn;
- :mod:`.reader`, :mod:`.api`, :mod:`.coach` hold the routes: each parses the request,
  calls library functions and renders a template (``reporters/templates/serve``, the one
  autoescaped environment of :mod:`formcheck.reporters.pages`);
- :mod:`.uploads` streams an upload to disk under its limits, :mod:`.submit` judges it
  and stores the submission for its reader (:mod:`formcheck.store.submissions`: a reader
  is a person of :mod:`formcheck.store.people`, known by a progress token kept in a
  cookie; their progress page is ``/progress/<token>``, the coach's view of it
  ``/coach/readers/<id>``);
- :mod:`.dispatcher` feeds the queued gradings to the batch engine's workers
  (:mod:`formcheck.drivers.batch.engine`) and stores what they return (with the sessions
  they are of, in the same transaction).
"""

from formcheck.drivers.serve.settings import ServeSettings

__all__ = ["ServeSettings"]
