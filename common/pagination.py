from django.core.paginator import Page, Paginator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def paginate(request, items, per_page: int) -> tuple[Page, str]:
    """The page asked for in ``?page=``, and a notice when that page does not exist.

    A page number that is not a number, or below 1, gives the first page; one past the end
    gives the last page. Neither is an error worth more than a sentence.
    """
    paginator = Paginator(items, per_page)
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
    return paginator.page(number), notice
