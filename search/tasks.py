"""The background task that keeps the site search's index up to date (run by the worker).

Enqueued once per transaction that changed indexed content, after it commits
(search/scheduling.py). It reads every row again when it runs, so it indexes what is true
then, and running it again changes nothing.
"""

from django.apps import apps
from django.tasks import task

from search import indexing


def _models(pairs: dict[str, list[int]]) -> dict:
    return {apps.get_model(label): ids for label, ids in pairs.items()}


@task
def reindex(changed: dict[str, list[int]], documents: dict[str, list[int]]) -> dict[str, int]:
    """Index again the ``changed`` rows (``{"app.model": [ids]}``) with what shows them,
    and the ``documents`` named; the documents written per model."""
    return indexing.bring_up_to_date(documents=_models(documents), changed=_models(changed))
