from collections.abc import Callable, Iterable

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def paginate(
    request,
    items,
    per_page: int,
    *,
    count: int | None = None,
    rows: Callable[[list], Iterable] | None = None,
) -> tuple[Page, str]:
    """The page asked for in ``?page=``, and a notice when that page does not exist.

    A page number that is not a number, or below 1, gives the first page; one past the end
    gives the last page. Neither is an error worth more than a sentence.

    ``count``: the number of items, when the caller has it already (no COUNT query).
    ``rows``: read the page's keys first, then its rows. ``items`` (a sorted QuerySet, or
    any sliceable sequence of primary keys) then only gives the order, so a deep page sorts
    the keys alone, not whole rows; ``rows(keys)`` gives the rows of those keys, in any
    order, and the page holds them in the order of ``items``.
    """
    if rows is not None and isinstance(items, QuerySet):
        items = items.values_list("pk", flat=True)
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.count = count  # a cached property: set, it is not computed
    raw = request.GET.get("page", "1")
    notice = ""
    try:
        number = int(raw)
    except ValueError:
        number = 1
        notice = _("“%(page)s” is not a page number: showing the first page.") % {"page": raw[:20]}
    else:
        if number < 1:
            number = 1
            notice = _("Pages start at 1: showing the first page.")
        elif number > paginator.num_pages:
            notice = ngettext(
                "There is only %(count)d page: showing it.",
                "There are only %(count)d pages: showing the last one.",
                paginator.num_pages,
            ) % {"count": paginator.num_pages}
            number = paginator.num_pages
    page = paginator.page(number)
    if rows is not None:
        keys = list(page.object_list) if paginator.count else []
        found = {row.pk: row for row in rows(keys)} if keys else {}
        page.object_list = [found[key] for key in keys if key in found]
    return page, notice
