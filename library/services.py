"""Every write about the library's resources that members and staff make, one transaction
each, and the rules that decide them.

- **Sharing.** A member whose email address is confirmed (``Member.has_verified_email``,
  the rule that lets members post and write to each other) shares a document or a link
  (``submit_resource``): it waits, unpublished, in the staff's review queue
  (``ResourceSubmission`` in the admin).
- **Reviewing.** Staff publish it or refuse it with a reason (``publish_resource``,
  ``refuse_resource``); the member is told by email, in their language. A refused
  resource keeps its files until staff delete it.
- **Following.** A member follows a theme or a country of the library (``follow``,
  ``unfollow``); once a day (``queue_library_digests``, run by the worker) each follower
  gets one email listing what was published on what they follow since the day before.

Each function locks what it decides on (``SELECT … FOR UPDATE``), checks the rule on what
it locked and refuses with ``ResourceError`` (its message is for the person). Views and
the admin call these and show the refusal; they never decide. Two staff deciding the same
submission at once are served one after the other: the second is told it was decided.

Emails are rows of the outbox (``common.outbox``) written in the same transaction: they
exist exactly when the decision does, and the worker sends each once, after the commit.
"""

import secrets
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from common.mail import (
    PersonalParts,
    in_language,
    outgoing_email,
    render_templated_email,
    send_templated_email,
)
from common.outbox import queue_emails
from common.translation import LANGUAGE_CODES, localized_field, site_language
from library.models import (
    DOCUMENT_LANGUAGE_CODES,
    LibraryFollow,
    Licence,
    Resource,
    ResourceFile,
    ResourceKind,
    ReviewStatus,
)
from library.review_notifications import resources_to_review_changed
from library.uploads import store_file
from network.models import Member
from projects.models import Organisation, Theme

VERIFY_FIRST = gettext_lazy(
    "Confirm your email address first: open the link we sent you, or ask for a new one on "
    "your email addresses page."
)

# The daily digest to followers: written at this hour (UTC) for what was published in the
# 24 hours before; a resource published longer ago than DIGEST_FRESH_FOR and not announced
# yet (the library's first run, a worker stopped for a long while) is not announced late.
DIGEST_FRESH_FOR = timedelta(days=7)
DIGEST_KIND = "library.digest"
UNSUBSCRIBE_SALT = "library.digest.unsubscribe"


class ResourceError(Exception):
    """An action on the library that the rules refuse; its message is shown to the
    person."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.field = field  # the form field the refusal is about, if one


class NotPermitted(ResourceError):
    """Refused because of who asks (not logged in, not verified, not staff)."""


# --- Who may share ---------------------------------------------------------------------------


def sharing_refusal(*, member) -> str:
    """Why ``member`` may not share a resource ("" when they may): only members who
    confirmed their email address, whose account is open."""
    if not getattr(member, "is_authenticated", False):
        return _("Log in to share a resource.")
    if not member.is_active or member.deleted_at is not None:
        return _("This account is closed.")
    if not member.has_verified_email:
        return str(VERIFY_FIRST)
    return ""


def _require_staff(member) -> None:
    if not (getattr(member, "is_authenticated", False) and member.is_active and member.is_staff):
        raise NotPermitted(_("Resources are reviewed by the JMDI team."))


# --- Sharing --------------------------------------------------------------------------------


def unique_resource_slug(title: str) -> str:
    """An address made of ``title`` ("guide-for-local-authorities", then with a random
    ending when taken); a title with no Latin letters gives "resource-…"."""
    base = slugify(title)[:100].strip("-") or "resource"
    slug = base
    while Resource.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def _insert_with_unique_slug(resource: Resource, title: str) -> None:
    """Insert ``resource`` under an address made of ``title``. Two shared at the same
    moment with the same title both get one: the unique index decides, and the one that
    loses is given a random ending."""
    for _attempt in range(5):
        resource.slug = unique_resource_slug(title)
        try:
            with transaction.atomic():
                resource.save(force_insert=True)
            return
        except IntegrityError:
            if not Resource.objects.filter(slug=resource.slug).exists():
                raise  # another constraint: not ours to hide
    raise ResourceError(_("Something went wrong: please send the form again."))


def _clean_submission(data: dict, files: dict) -> dict:
    """The submission's values checked against the rules that do not depend on the
    database's state; a ``ResourceError`` naming the field otherwise."""
    language = site_language(data.get("language"))
    title = " ".join((data.get("title") or "").split())
    if not title:
        raise ResourceError(_("Give the resource a title."), field="title")
    url = (data.get("url") or "").strip()
    files = {code: uploaded for code, uploaded in (files or {}).items() if uploaded}
    if url and files:
        raise ResourceError(
            _("Give either a file or a link, not both: a resource is one or the other."),
            field="url",
        )
    if not url and not files:
        raise ResourceError(
            _("Give the file of the resource, or the link to where it is published."),
            field="file",
        )
    unknown = [code for code in files if code not in DOCUMENT_LANGUAGE_CODES]
    if unknown:
        raise ResourceError(_("Say which language the file is in."), field="file_language")
    kind = data.get("kind")
    if kind not in ResourceKind.values:
        raise ResourceError(_("Choose the type of the resource."), field="kind")
    licence = data.get("licence") or Licence.UNKNOWN
    if licence not in Licence.values:
        raise ResourceError(_("Choose a licence from the list."), field="licence")
    languages = [code for code in data.get("languages") or [] if code in DOCUMENT_LANGUAGE_CODES]
    # The file's language is a language of the document.
    languages += [code for code in files if code not in languages]
    country_codes = [str(code).upper() for code in data.get("countries") or []]
    if any(code not in countries for code in country_codes):
        raise ResourceError(_("Choose the countries from the list."), field="countries")
    publisher = data.get("publisher")
    if publisher is not None and not Organisation.objects.listed().filter(pk=publisher.pk).exists():
        raise ResourceError(
            _("This organisation is not in the catalogue: write its name instead."),
            field="publisher_name",
        )
    year = data.get("year")
    if year is not None and not 1900 <= int(year) <= timezone.now().year + 1:
        raise ResourceError(_("Give the year the resource was published."), field="year")
    return {
        "language": language,
        "title": title,
        "summary": (data.get("summary") or "").strip(),
        "kind": kind,
        "languages": languages,
        "authors": " ".join((data.get("authors") or "").split()),
        "publisher": publisher,
        "publisher_name": "" if publisher else " ".join((data.get("publisher_name") or "").split()),
        "year": year,
        "countries": sorted(set(country_codes)),
        "themes": list(data.get("themes") or []),
        "licence": licence,
        "url": url,
        "files": files,
    }


@transaction.atomic
def submit_resource(*, member, data: dict, files: dict) -> Resource:
    """``member`` shares a resource: it waits for the staff's review, unpublished.

    ``data``: ``language`` (the site language its title and summary are written in; they
    go in that language's columns), ``title``, ``summary``, ``kind``, ``languages`` (of the
    document), ``authors``, ``publisher`` (a listed organisation) or ``publisher_name``,
    ``year``, ``countries`` (ISO codes), ``themes``, ``licence``, ``url``. ``files``:
    ``{document language: uploaded file}``. Either a link or files, never both nor
    neither. A file refused by ``library.uploads.check_upload`` refuses the whole
    submission, and nothing is kept."""
    refusal = sharing_refusal(member=member)
    if refusal:
        raise NotPermitted(refusal)
    values = _clean_submission(data, files)
    resource = Resource(
        kind=values["kind"],
        languages=values["languages"],
        authors=values["authors"],
        publisher=values["publisher"],
        publisher_name=values["publisher_name"],
        year=values["year"],
        countries=values["countries"],
        licence=values["licence"],
        url=values["url"],
        shared_by=member,
        status=ReviewStatus.PENDING,
    )
    for field in ("title", "summary"):
        for code in LANGUAGE_CODES:
            value = values[field] if code == values["language"] else ""
            setattr(resource, localized_field(field, code), value)
    _insert_with_unique_slug(resource, values["title"])
    if values["themes"]:
        resource.themes.set(values["themes"])
    for language, uploaded in values["files"].items():
        try:
            store_file(resource=resource, language=language, uploaded=uploaded)
        except ValidationError as error:
            raise ResourceError(" ".join(error.messages), field="file") from None
    resources_to_review_changed()
    return resource


# --- Reviewing ------------------------------------------------------------------------------


def _locked(resource: Resource) -> Resource:
    """``resource`` as it is now, locked until the transaction ends."""
    try:
        return (
            Resource.objects.select_for_update(of=("self",))
            .select_related("shared_by")
            .get(pk=resource.pk)
        )
    except Resource.DoesNotExist:
        raise ResourceError(_("This resource no longer exists.")) from None


def _require_pending(resource: Resource) -> None:
    if resource.status != ReviewStatus.PENDING:
        raise ResourceError(_("This resource was already reviewed."))


def _tell_member(resource: Resource, template: str) -> None:
    """Tell whoever shared ``resource`` of the decision, in their language, in the
    decision's transaction (sent once it commits, never if it does not)."""
    member = resource.shared_by
    if member is None or not member.is_active or member.deleted_at is not None:
        return
    with in_language(member.language):
        resource_url = settings.SITE_URL + resource.get_absolute_url()
        submissions_url = settings.SITE_URL + reverse("library:my_submissions")
    send_templated_email(
        f"library/emails/{template}",
        member,
        {
            "resource": resource,
            "member": member,
            "resource_url": resource_url,
            "submissions_url": submissions_url,
        },
        cause=f"library.resource:{resource.pk}:{resource.status}:{resource.reviewed_at.timestamp():.6f}",
    )


@transaction.atomic
def publish_resource(*, resource: Resource, by) -> Resource:
    """Staff publish a resource waiting for review; whoever shared it is told."""
    _require_staff(by)
    resource = _locked(resource)
    _require_pending(resource)
    now = timezone.now()
    resource.status = ReviewStatus.PUBLISHED
    resource.published_at = now
    resource.reviewed_at = now
    resource.reviewed_by = by
    resource.refusal_reason = ""
    resource.save(
        update_fields=[
            "status",
            "published_at",
            "reviewed_at",
            "reviewed_by",
            "refusal_reason",
            "updated",
        ]
    )
    _tell_member(resource, "resource_published")
    return resource


@transaction.atomic
def refuse_resource(*, resource: Resource, by, reason: str) -> Resource:
    """Staff refuse a resource waiting for review, saying why (the member is told). Its
    files stay until staff delete it."""
    _require_staff(by)
    reason = (reason or "").strip()
    if not reason:
        raise ResourceError(
            _("Say why the resource is refused: the member will be told."), field="reason"
        )
    resource = _locked(resource)
    _require_pending(resource)
    now = timezone.now()
    resource.status = ReviewStatus.REFUSED
    resource.reviewed_at = now
    resource.reviewed_by = by
    resource.refusal_reason = reason
    resource.save(
        update_fields=["status", "reviewed_at", "reviewed_by", "refusal_reason", "updated"]
    )
    _tell_member(resource, "resource_refused")
    return resource


def before_admin_save(resource: Resource) -> None:
    """Staff save ``resource`` in the admin: published now (by them) if it is being
    published and was not before."""
    if resource.status == ReviewStatus.PUBLISHED and resource.published_at is None:
        resource.published_at = timezone.now()


def delete_stored_files_on_commit(resource_files) -> None:
    """Once the transaction under way commits, delete from the storage the files of
    ``resource_files`` (rows being deleted: a resource staff delete, a file replaced or
    removed, a member's account closed). Read now, deleted only if the deletion commits."""
    names = [name for name in resource_files.values_list("file", flat=True) if name]
    if names:
        storage = ResourceFile._meta.get_field("file").storage
        transaction.on_commit(partial(_delete_stored, names, storage), robust=True)


def _delete_stored(names: list[str], storage) -> None:
    for name in names:
        storage.delete(name)


# --- Following ------------------------------------------------------------------------------


def _followed(theme, country) -> dict:
    country = (country or "").strip().upper()
    if (theme is None) == (not country):
        raise ValueError("Follow one thing: a theme or a country.")
    if country and country not in countries:
        raise ResourceError(_("This is not a country."), field="country")
    return {"theme": theme} if theme is not None else {"country": country, "theme": None}


@transaction.atomic
def follow(*, member, theme: Theme | None = None, country: str = "") -> LibraryFollow:
    """``member`` follows a theme or a country of the library (twice is still once)."""
    target = _followed(theme, country)
    refusal = sharing_refusal(member=member)
    if refusal:
        raise NotPermitted(refusal)
    try:
        with transaction.atomic():
            return LibraryFollow.objects.get_or_create(member=member, **target)[0]
    except IntegrityError:  # the same button pressed twice at once
        return LibraryFollow.objects.get(member=member, **target)


def unfollow(*, member, theme: Theme | None = None, country: str = "") -> None:
    """``member`` no longer follows that theme or country (not following it is fine)."""
    LibraryFollow.objects.filter(member=member, **_followed(theme, country)).delete()


# --- The daily digest -----------------------------------------------------------------------


def digest_hour() -> int:
    return int(getattr(settings, "LIBRARY_DIGEST_HOUR", 6)) % 24


def digest_cutoff(now: datetime) -> datetime:
    """The last time the digest was due (``digest_hour()`` UTC, today or yesterday): what
    was published before it goes in the digest written at it."""
    cutoff = now.astimezone(UTC).replace(hour=digest_hour(), minute=0, second=0, microsecond=0)
    return cutoff if cutoff <= now else cutoff - timedelta(days=1)


def _reachable_members():
    return Member.objects.with_verified_email().filter(is_active=True, deleted_at__isnull=True)


@transaction.atomic
def queue_library_digests(now: datetime | None = None) -> int:
    """Write the daily digests: each member gets one email listing the resources published
    before today's digest time (``digest_cutoff``) on a theme or a country they follow,
    announced to nobody yet. Each resource is announced once (``announced_at``): running
    this again, or on two workers at once, writes nothing more. Returns the number of
    emails written."""
    now = now or timezone.now()
    cutoff = digest_cutoff(now)
    with connection.cursor() as cursor:  # two workers take turns; the second finds nothing
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [DIGEST_KIND])
    due = list(
        Resource.objects.published()
        .filter(announced_at__isnull=True, published_at__lt=cutoff)
        .select_related("shared_by")
        .prefetch_related("themes")
        .order_by("published_at", "pk")
    )
    if not due:
        return 0
    Resource.objects.filter(pk__in=[resource.pk for resource in due]).update(announced_at=now)
    fresh = [resource for resource in due if resource.published_at >= now - DIGEST_FRESH_FOR]
    if not fresh:
        return 0
    by_theme, by_country = defaultdict(list), defaultdict(list)
    for resource in fresh:
        for theme in resource.themes.all():
            by_theme[theme.pk].append(resource)
        for code in resource.countries:
            by_country[code].append(resource)
    follows = (
        LibraryFollow.objects.filter(Q(theme_id__in=by_theme) | Q(country__in=list(by_country)))
        .filter(member__in=_reachable_members())
        .select_related("member", "theme")
        .order_by("member_id", "pk")
    )
    # {member: {resource: [what they follow that it is on]}}
    found: dict[Member, dict[Resource, list]] = {}
    members = {}
    for subscription in follows:
        member = members.setdefault(subscription.member_id, subscription.member)
        resources = found.setdefault(member, {})
        if subscription.theme_id is not None:
            matches, reason = by_theme[subscription.theme_id], ("theme", subscription.theme)
        else:
            matches, reason = (
                by_country[subscription.country.code],
                ("country", subscription.country.code),
            )
        for resource in matches:
            if resource.shared_by_id != member.pk:
                resources.setdefault(resource, []).append(reason)
    return _write_digests(found, now)


def _write_digests(found: dict, now: datetime) -> int:
    """One email per member of ``found`` (who has something new), rendered once per
    language and content, then filled in with each person's name and links."""
    groups = defaultdict(list)
    for member, resources in found.items():
        if not resources:
            continue
        content = tuple(
            (resource.pk, tuple((kind, getattr(value, "pk", value)) for kind, value in reasons))
            for resource, reasons in sorted(
                resources.items(), key=lambda item: (item[0].published_at, item[0].pk)
            )
        )
        groups[(site_language(member.language), content)].append((member, resources))
    personal = PersonalParts("recipient_name", "unsubscribe_url")
    emails = []
    cause = f"{DIGEST_KIND}:{now:%Y%m%dT%H%M%S.%f}"
    for (language, _content), recipients in groups.items():
        resources = recipients[0][1]
        with in_language(language):
            context = {
                "resources": [
                    _digest_item(resource, reasons)
                    for resource, reasons in sorted(
                        resources.items(), key=lambda item: (item[0].published_at, item[0].pk)
                    )
                ],
                "library_url": settings.SITE_URL + reverse("library:list"),
                **personal.placeholders,
            }
        shared = render_templated_email("library/emails/digest", context, language=language)
        for member, _resources in recipients:
            link = unsubscribe_url(member, language)
            rendered = personal.fill(
                shared, {"recipient_name": member.display_name, "unsubscribe_url": link}
            )
            emails.append(
                outgoing_email(
                    rendered,
                    member.email,
                    cause=cause,
                    headers={
                        "List-Unsubscribe": f"<{link}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    },
                )
            )
    return queue_emails(emails)


def _digest_item(resource: Resource, reasons: list) -> dict:
    """What the digest says of one resource, in the active language."""
    topics = []
    for kind, value in reasons:
        topics.append(value.name if kind == "theme" else str(countries.name(value)))
    return {
        "title": resource.title,
        "kind": resource.get_kind_display(),
        "summary": resource.summary,
        "url": settings.SITE_URL + resource.get_absolute_url(),
        "topics": topics,
    }


# The digest time the worker last wrote digests for (``send_due_digests``), in this process.
_digests_written_for: datetime | None = None


def send_due_digests(now: datetime | None = None) -> int:
    """The worker's periodic job (``common.periodic``, registered in ``library.apps``):
    writes the digests once the day's digest time has come, and does nothing more (not even
    a query) until the next one. Digests missed while no worker ran are written by the
    first worker that starts."""
    global _digests_written_for
    now = now or timezone.now()
    cutoff = digest_cutoff(now)
    if _digests_written_for == cutoff:
        return 0
    written = queue_library_digests(now)
    _digests_written_for = cutoff
    return written


# --- Leaving the digest from an email ---------------------------------------------------------


def unsubscribe_token(member) -> str:
    return signing.dumps({"m": member.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> int | None:
    """The member's id from a token, or None when it is forged or garbled."""
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT)["m"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def unsubscribe_url(member, language: str) -> str:
    with in_language(language):
        path = reverse("library:unsubscribe", kwargs={"token": unsubscribe_token(member)})
    return settings.SITE_URL + path


def unfollow_everything(*, member_id: int) -> int:
    """The member follows nothing in the library any more (from the email's link)."""
    deleted, _rows = LibraryFollow.objects.filter(member_id=member_id).delete()
    return deleted
