"""What members do with the library, shown on other pages: "Share a resource" and the
follow buttons on the library's list (``{% library_member_actions %}``), and what a
member follows in the library, on their own page (``{% library_followed_by member %}``)."""

from django import template
from django.db.models import Q
from django_countries import countries

from library.models import LibraryFollow
from projects.models import Theme

register = template.Library()

# A member follows at most every theme and every country: the list on their page is
# bounded, and cut here all the same.
FOLLOWS_SHOWN = 300


def _chosen(request, name: str) -> str:
    """The one value of the list's filter ``name`` ("" when none, or several)."""
    values = [value for value in request.GET.getlist(name) if value]
    return values[0] if len(values) == 1 else ""


@register.inclusion_tag("library/list_member_actions.html", takes_context=True)
def library_member_actions(context):
    """On the library's list: the link to share a resource and, when the list is filtered
    by one theme or one country, the button to follow it (or to stop). For a visitor, links
    to log in: no form, so that the page stays the same for every visitor."""
    request = context["request"]
    user = request.user
    targets = []
    slug = _chosen(request, "theme")
    if slug:
        theme = Theme.objects.filter(slug=slug).first()
        if theme is not None:
            targets.append({"kind": "theme", "value": theme.slug, "name": theme.name})
    code = _chosen(request, "country").upper()
    if code and code in countries:
        targets.append({"kind": "country", "value": code, "name": countries.name(code)})
    if targets and user.is_authenticated:
        condition = Q()
        for target in targets:
            if target["kind"] == "theme":
                condition |= Q(theme__slug=target["value"])
            else:
                condition |= Q(country=target["value"])
        followed = set(
            LibraryFollow.objects.filter(condition, member=user).values_list(
                "theme__slug", "country"
            )
        )
        for target in targets:
            key = (target["value"], "") if target["kind"] == "theme" else (None, target["value"])
            target["followed"] = key in followed
    return {
        "request": request,
        "user": user,
        "targets": targets,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("library/followed.html", takes_context=True)
def library_followed_by(context, member):
    """On a member's own page: the themes and countries they follow in the library, each
    with its button to stop, and their shared resources."""
    follows = list(
        LibraryFollow.objects.filter(member=member)
        .select_related("theme")
        .order_by("created", "pk")[:FOLLOWS_SHOWN]
    )
    return {
        "request": context["request"],
        "follows": follows,
        "csrf_token": context.get("csrf_token"),
    }
