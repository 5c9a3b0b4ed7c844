"""The portal's sections and menus, in one place: the header, the footer and the member's
menu are drawn from the lists below (templates/base.html).

Adding a section (the library, learning) is one line in ``SECTIONS``. A page belongs to a
section when its address starts with the section's own (``/fr/forums/…`` is in the
discussions), or when its URL name matches one of the section's ``includes`` (pages kept
at other addresses, such as a country page of the catalogue). The header marks the
section being read with ``aria-current``: "page" on its own page, "true" on the pages
within it.

``navigation`` is a context processor: what it gives is worked out only when a template
reads it, so fragments and the admin's pages cost nothing. Whether a member moderates, and
for a moderator the number of flags waiting ("Flags" in their menu), is noted in their
session when they log in and again once a minute: the menu costs no query on most pages,
and a lookup of their rights (``forums.models.is_moderator``, the one rule of who moderates;
for moderators also a count) once a minute.
"""

import time
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cached_property

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from forums.models import Flag, is_moderator


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str


@dataclass(frozen=True)
class Section:
    label: str
    url_name: str
    # URL names ("namespace:name", shell wildcards allowed) of the section's pages kept
    # outside its address.
    includes: tuple[str, ...] = ()
    # Its main pages, repeated in the footer.
    links: tuple[Link, ...] = ()


SECTIONS = (
    Section(
        _("Projects"),
        "projects:list",
        includes=("projects:*",),
        links=(Link(_("Statistics"), "projects:statistics"),),
    ),
    Section(
        "M4D Net",
        "network:home",
        includes=("organisation",),
        links=(
            Link(_("Members"), "network:members"),
            Link(_("Organisations"), "network:organisations"),
        ),
    ),
    Section(_("Discussions"), "forums:index"),
    Section(_("Blogs"), "blogs:blog"),
    Section(_("News"), "blogs:news"),
    Section(_("Library"), "library:list"),
    Section(_("Learning"), "learning:catalogue"),
    Section(_("Events"), "events:upcoming", links=(Link(_("Past events"), "events:past"),)),
)

# A logged-in member's menu; moderators also get "Flags" (``MODERATION``).
MEMBER_MENU = (
    Link(_("My profile"), "network:me"),
    Link(_("My organisations"), "network:my_organisations"),
    Link(_("Following"), "blogs:subscriptions"),
    Link(_("My shared resources"), "library:my_submissions"),
    Link(_("My courses"), "learning:mine"),
)
MODERATION = Link(_("Flags"), "forums:flags")

# The footer's links about the site. Those whose page does not exist (yet) are left out.
SITE_LINKS = (
    Link(_("About"), "about_index"),
    Link(_("Privacy notice"), "privacy"),
    Link(_("Terms of use"), "terms"),
    Link(_("Contact"), "contact"),
)

# How long (seconds) a member's session keeps whether they moderate, and the number of
# flags waiting.
MODERATION_KEPT_FOR = 60
MODERATION_SESSION_KEY = "navigation_moderation"


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str
    current: str = ""  # the value of aria-current, "" for none
    count: int | None = None  # moderators' "Flags": how many wait
    links: tuple["MenuItem", ...] = ()


def url_or_none(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def current_of(section: Section, url: str, path: str, view_name: str) -> str:
    if path == url:
        return "page"
    if path.startswith(url) or any(fnmatchcase(view_name, name) for name in section.includes):
        return "true"
    return ""


def note_moderation(session, member, *, moderator: bool | None = None) -> int | None:
    """Whether ``member`` moderates and, if so, how many flags wait, noted in ``session``
    for ``MODERATION_KEPT_FOR`` seconds; the number (None for a member who does not
    moderate)."""
    if moderator is None:
        moderator = is_moderator(member)
    flags = Flag.objects.filter(resolved_at__isnull=True).count() if moderator else None
    session[MODERATION_SESSION_KEY] = {"member": member.pk, "at": time.time(), "flags": flags}
    return flags


def flags_waiting(request) -> int | None:
    """For a moderator, the number of flags waiting to be dealt with; None for anybody
    else. Read from the session (noted when the member logs in), and noted again once it
    is older than ``MODERATION_KEPT_FOR`` seconds. The flag queue itself checks who may
    open it: a member who stops moderating loses nothing but the link a minute later."""
    user = request.user
    if not user.is_authenticated:
        return None
    kept = request.session.get(MODERATION_SESSION_KEY) or {}
    age = time.time() - kept.get("at", 0)
    if kept.get("member") == user.pk and 0 <= age < MODERATION_KEPT_FOR:
        return kept.get("flags")
    # The forums' views ask once per request; their answer is reused when there is one.
    return note_moderation(
        request.session, user, moderator=getattr(request, "_forum_moderator", None)
    )


def on_logged_in(sender, request, user, **kwargs) -> None:
    """Receiver of ``user_logged_in``: the new session starts with what the member's menu
    needs, so that their pages cost no query for it."""
    session = getattr(request, "session", None)
    if session is not None:
        note_moderation(session, user)


class Navigation:
    """The header's sections and member's menu, and the footer's links, for one request."""

    def __init__(self, request):
        self.request = request
        match = getattr(request, "resolver_match", None)
        self.path = request.path
        self.view_name = match.view_name if match else ""

    @cached_property
    def sections(self) -> list[MenuItem]:
        items = []
        for section in SECTIONS:
            url = reverse(section.url_name)
            items.append(
                MenuItem(
                    section.label,
                    url,
                    current_of(section, url, self.path, self.view_name),
                    links=tuple(
                        MenuItem(link.label, reverse(link.url_name)) for link in section.links
                    ),
                )
            )
        return items

    def _item(self, link: Link, count: int | None = None) -> MenuItem:
        url = reverse(link.url_name)
        return MenuItem(link.label, url, "page" if self.path == url else "", count)

    @cached_property
    def member_menu(self) -> list[MenuItem]:
        if not self.request.user.is_authenticated:
            return []
        items = [self._item(link) for link in MEMBER_MENU]
        flags = flags_waiting(self.request)
        if flags is not None:
            items.append(self._item(MODERATION, count=flags))
        return items

    @cached_property
    def site_links(self) -> list[MenuItem]:
        items = []
        for link in SITE_LINKS:
            url = url_or_none(link.url_name)
            if url is not None:
                items.append(MenuItem(link.label, url))
        return items


def navigation(request) -> dict:
    """Context processor: ``navigation`` (see ``Navigation``)."""
    return {"navigation": Navigation(request)}
