"""The catalogue's figures (the statistics page): projects and funding per country, currency
and theme, read in two grouped queries and kept in the cache.

They are the same in every language (the page names countries and themes when it shows
them), so one cache entry holds them, for ``CACHE_SECONDS`` or until a change to what they
count commits, whichever comes first: saving or deleting a project, a partnership, an
organisation or a theme, changing a project's themes (model signals), or a bulk write of
those (``common.signals.rows_changed``) forgets them once its transaction commits. A
transaction that has changed them reads them fresh, without the cache, until it commits, so
an editor sees their change at once; a cache that cannot be reached costs the page its
speed, not its figures (and is logged).
"""

import logging

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.db.models.signals import m2m_changed, post_delete, post_save

from common.signals import rows_changed
from common.transactions import on_commit_once, waits_for_commit
from projects.models import Organisation, Partnership, Project, Theme

logger = logging.getLogger(__name__)

CACHE_KEY = "catalogue-figures"
CACHE_SECONDS = 6 * 3600
COUNTED_MODELS = (Project, Partnership, Organisation, Theme, Project.themes.through)


def read() -> dict:
    """The figures, from the database: ``groups``, the rows of
    ``ProjectQuerySet.by_country_and_currency()`` of the published projects, and
    ``themes``, (theme, projects, funding) of each theme that has published projects."""
    published = Q(projects__published=True)
    themes = Theme.objects.annotate(
        project_count=Count("projects", filter=published),
        amount=Sum("projects__funding_amount", filter=published),
    ).filter(project_count__gt=0)
    return {
        "groups": Project.objects.published().by_country_and_currency(),
        "themes": [(theme, theme.project_count, theme.amount) for theme in themes],
    }


def figures() -> dict:
    """The figures (see ``read``), from the cache when they are there."""
    if changes_pending():
        return read()
    try:
        found = cache.get(CACHE_KEY)
    except Exception:  # any cache backend's failure (database, Redis, memcached)
        logger.exception("Catalogue figures: the cache could not be read.")
        return read()
    if found is None:
        found = read()
        try:
            cache.set(CACHE_KEY, found, CACHE_SECONDS)
        except Exception:
            logger.exception("Catalogue figures: the cache could not be written.")
    return found


def forget() -> None:
    cache.delete(CACHE_KEY)


def changes_pending() -> bool:
    """Whether the transaction under way changed what the figures count."""
    return waits_for_commit(forget)


def counted_rows_changed(sender, raw=False, **kwargs) -> None:
    """Receiver: a row the figures count was written. They are forgotten once, when the
    transaction commits (at once outside a transaction); robust: a cache that fails then is
    logged, never an error for whoever saved, and the figures expire anyway."""
    if sender in COUNTED_MODELS:
        on_commit_once(forget)


def connect() -> None:
    for model in COUNTED_MODELS:
        uid = f"catalogue-figures-{model._meta.label_lower}"
        post_save.connect(counted_rows_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(counted_rows_changed, sender=model, dispatch_uid=uid)
    m2m_changed.connect(
        counted_rows_changed,
        sender=Project.themes.through,
        dispatch_uid="catalogue-figures-themes",
    )
    rows_changed.connect(counted_rows_changed, dispatch_uid="catalogue-figures-rows-changed")
