"""Writes about events: taking part (attending, the organiser's email to attendees, the
reminder a day before) and proposals (an organisation's representative proposes an event,
staff publish or refuse it).

Each function is one transaction that decides its rule itself, locks what it changes and
refuses with ``EventError`` (its message is for the person). Views, the admin and the
worker call these and never re-decide. Emails are rows of the outbox (``common.outbox``)
written in the same transaction, sent once by the worker after the commit, in each
recipient's language.
"""

import datetime
import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from common.mail import (
    PersonalParts,
    in_language,
    outgoing_email,
    render_templated_email,
    send_templated_email,
)
from common.outbox import cancel, queue_emails
from common.translation import LANGUAGE_CODES, localized_field, site_language
from library import review_notifications
from library.event_ical import location_of
from library.event_times import event_times
from library.models import DOCUMENT_LANGUAGE_CODES, Attendance, Event, EventKind, ReviewStatus
from network.models import Member, Membership
from projects.models import Organisation, natural_order


class EventError(Exception):
    """An action on an event that the rules refuse; its message is shown to the person."""


# --- Taking part: attending, emailing attendees, reminders ----------------------------------

# An event's attendees are reminded of it this long before it starts, by the worker.
REMINDER_BEFORE = datetime.timedelta(days=1)
# Events whose reminders one round of the worker writes (the others wait for the next).
REMINDERS_PER_ROUND = 50
MESSAGE_SUBJECT_MAX_LENGTH = 150
MESSAGE_MAX_LENGTH = 5000


def reminder_cause(event: Event) -> str:
    return f"library.event-reminder:{event.pk}"


def reachable_attendees(event: Event) -> QuerySet[Member]:
    """The attendees an email can go to: accounts open, active, with a confirmed address."""
    return (
        Member.objects.with_verified_email()
        .filter(is_active=True, deleted_at__isnull=True, attendances__event=event)
        .order_by("pk")
    )


def can_manage_attendees(member, event: Event) -> bool:
    """Who sees an event's attendees and writes to them: active staff, and those who may
    propose events for its organising organisation (``represented_organisations``)."""
    if not (getattr(member, "is_authenticated", False) and member.is_active):
        return False
    if member.is_staff:
        return True
    if event.organiser_id is None:
        return False
    return represented_organisations(member).filter(pk=event.organiser_id).exists()


def attendance_refusal(member, event: Event, now: datetime.datetime | None = None) -> str:
    """Why ``member`` may not say they attend ``event`` ("" when they may)."""
    if not member.has_verified_email:
        return _(
            "Confirm your email address before signing up for events: open the link we sent "
            "you, or ask for a new one on your email addresses page."
        )
    if event.status != ReviewStatus.PUBLISHED:
        return _("This event is not published.")
    if event.ends_at <= (now or timezone.now()):
        return _("This event is over.")
    return ""


@transaction.atomic
def attend(*, event: Event, member) -> Attendance:
    """``member`` says "I will attend" ``event``; saying it again changes nothing."""
    refusal = attendance_refusal(member, event)
    if refusal:
        raise EventError(refusal)
    attendance, _created = Attendance.objects.get_or_create(event=event, member=member)
    return attendance


@transaction.atomic
def cancel_attendance(*, event: Event, member) -> bool:
    """``member`` will not attend ``event`` any more; their reminder, if written and not
    sent yet, is withdrawn. Whether they were attending."""
    deleted, _rows = Attendance.objects.filter(event=event, member=member).delete()
    if deleted:
        still_attending = Member.objects.filter(attendances__event=event).values("email")
        cancel(cause=reminder_cause(event), keep_to=still_attending)
    return bool(deleted)


def _queue_per_language(template: str, recipients, context_for, *, cause: str, **extra) -> int:
    """Render ``template`` once per language of ``recipients`` (``context_for(language)``
    gives its context; ``name`` is filled in per person) and queue one email each."""
    personal = PersonalParts("name")
    rendered = {}
    emails = []
    for member in recipients.iterator(chunk_size=500):
        language = site_language(member.language)
        if language not in rendered:
            with in_language(language):
                context = {**context_for(language), **personal.placeholders}
            rendered[language] = render_templated_email(template, context, language=language)
        email = personal.fill(rendered[language], {"name": member.display_name})
        emails.append(outgoing_email(email, member.email, cause=cause, **extra))
    return queue_emails(emails)


def _event_links(event: Event) -> dict:
    """The event's page and its .ics, absolute, in the active language."""
    return {
        "event_url": settings.SITE_URL + event.get_absolute_url(),
        "ics_url": settings.SITE_URL + reverse("events:ics", kwargs={"slug": event.slug}),
    }


@transaction.atomic
def email_attendees(*, event: Event, by, subject: str, message: str) -> int:
    """Whoever organises ``event`` (``can_manage_attendees``) writes to its attendees: one
    email each, in their language (the message as written), through the outbox; replies go
    to the sender. How many emails were written."""
    if not can_manage_attendees(by, event):
        raise EventError(_("Only the event's organisers can write to its attendees."))
    subject, message = " ".join((subject or "").split()), (message or "").strip()
    if not subject or not message:
        raise EventError(_("Write a subject and a message."))
    if len(subject) > MESSAGE_SUBJECT_MAX_LENGTH or len(message) > MESSAGE_MAX_LENGTH:
        raise EventError(
            _("Keep the subject under %(subject)d characters and the message under %(message)d.")
            % {"subject": MESSAGE_SUBJECT_MAX_LENGTH, "message": MESSAGE_MAX_LENGTH}
        )
    sent_at = timezone.now()

    def context_for(language):
        return {
            "event": event,
            "sender_name": by.display_name,
            "organiser": event.organiser,
            "subject": subject,
            "message": message,
            **_event_links(event),
        }

    return _queue_per_language(
        "events/emails/attendees_message",
        reachable_attendees(event).exclude(pk=by.pk),
        context_for,
        cause=f"library.event-message:{event.pk}:{sent_at.timestamp():.6f}",
        reply_to=[by.email],
    )


def queue_reminders(now: datetime.datetime | None = None) -> int:
    """Write the reminders of the events starting within ``REMINDER_BEFORE``: one email to
    each attendee, in their language, and ``reminders_queued_at`` set in the same
    transaction, so that each event's reminders are written once, whichever worker runs
    this and however often (the outbox's ``cause`` refuses a second email to an address
    too). Called by the worker (``common.periodic``). How many emails were written."""
    now = now or timezone.now()
    due = (
        Event.objects.published()
        .filter(reminders_queued_at__isnull=True, starts_at__gt=now)
        .filter(starts_at__lte=now + REMINDER_BEFORE)
        .order_by("starts_at", "pk")
    )
    written = 0
    for pk in list(due.values_list("pk", flat=True)[:REMINDERS_PER_ROUND]):
        with transaction.atomic():
            # Another worker writing this event's reminders holds its row: skipped here.
            event = due.select_for_update(skip_locked=True).filter(pk=pk).first()
            if event is None:
                continue
            written += _queue_event_reminders(event)
            Event.objects.filter(pk=pk).update(reminders_queued_at=now)
    return written


def _queue_event_reminders(event: Event) -> int:
    def context_for(language):
        return {
            "event": event,
            "times": event_times(event),
            "location": location_of(event, show_link=True),
            **_event_links(event),
        }

    return _queue_per_language(
        "events/emails/reminder",
        reachable_attendees(event),
        context_for,
        cause=reminder_cause(event),
    )


# --- Proposals: representatives propose, staff publish or refuse -----------------------------

# How far ahead an event may be proposed, and how long it may last: a date typed a century
# off, or an end typed a year after the start, is a mistake to correct, not an event.
PROPOSAL_MAX_AHEAD = datetime.timedelta(days=3 * 365)
EVENT_LONGEST = datetime.timedelta(days=31)
REFUSAL_REASON_MAX_LENGTH = 2000
# Addresses the calendar's own pages use: never an event's.
RESERVED_EVENT_SLUGS = frozenset({"past", "propose", "my-proposals", "calendar-ics"})


class ProposalNotPermitted(EventError):
    """Not this person's to do (shown with a 403)."""


class InvalidProposal(EventError):
    """A proposal the rules refuse as it is; ``errors`` says what to correct, by field
    (``None``: the proposal as a whole)."""

    def __init__(self, errors: list[tuple[str | None, str]]):
        super().__init__(errors[0][1])
        self.errors = errors


def represented_organisations(member) -> QuerySet[Organisation]:
    """The organisations ``member`` may propose events for: the verified ones of which they
    are an approved representative (the network's memberships), once their account is open
    and their email address confirmed (``Member.objects.with_verified_email``). One query,
    sorted by name; none for anyone else."""
    if not getattr(member, "is_authenticated", False):
        return Organisation.objects.none()
    representative = Member.objects.with_verified_email().filter(
        pk=member.pk, is_active=True, deleted_at__isnull=True
    )
    memberships = Membership.objects.approved().representatives().filter(member__in=representative)
    return Organisation.objects.filter(
        verified=True, pk__in=memberships.values("organisation_id")
    ).order_by(natural_order("name"), "pk")


def not_a_representative(organisation: Organisation) -> str:
    return _("Only the verified representatives of %(name)s can propose its events.") % {
        "name": organisation.name
    }


def proposal_refusal(member) -> str:
    """Why ``member`` may not propose an event at all ("" when they may, for at least one
    organisation)."""
    if not getattr(member, "is_authenticated", False):
        return _("Log in to propose an event.")
    if not member.has_verified_email:
        return _("Confirm your email address first: follow the link in the email we sent you.")
    if not represented_organisations(member).exists():
        return _(
            "Events are proposed by the verified representatives of an organisation. Ask to "
            "represent yours in “My organisations”: the JMDI team verifies it."
        )
    return ""


def _proposal_errors(
    *,
    title,
    kind,
    starts_at,
    ends_at,
    time_zone,
    online,
    online_url,
    city,
    country,
    languages,
    now,
) -> list[tuple[str | None, str]]:
    errors = []
    if not title.strip():
        errors.append(("title", _("Give the event a title.")))
    if kind not in EventKind.values:
        errors.append(("kind", _("Choose the kind of event.")))
    if time_zone not in zoneinfo.available_timezones():
        errors.append(("time_zone", _("Choose the time zone of the times you give.")))
    if starts_at <= now:
        errors.append(("starts_at", _("The event must start in the future.")))
    elif starts_at > now + PROPOSAL_MAX_AHEAD:
        errors.append(
            ("starts_at", _("Events are proposed at most three years ahead: check the year."))
        )
    if ends_at <= starts_at:
        errors.append(("ends_at", _("The event must end after it starts.")))
    elif ends_at - starts_at > EVENT_LONGEST:
        errors.append(("ends_at", _("An event lasts 31 days at most: check the dates of its end.")))
    if online:
        if not online_url:
            errors.append(("online_url", _("Give the link to join the event online.")))
        elif not _is_web_address(online_url):
            errors.append(("online_url", _("Give a web address (https://…) to join the event.")))
    else:
        if not country:
            errors.append(("country", _("Say in which country the event takes place.")))
        if not city.strip():
            errors.append(("city", _("Say in which city the event takes place.")))
    if not set(languages) <= set(DOCUMENT_LANGUAGE_CODES):
        errors.append(("languages", _("Choose the languages among those offered.")))
    return errors


def _is_web_address(value: str) -> bool:
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return False
    return True


def _unique_event_slug(title: str) -> str:
    base = slugify(title)[:100].strip("-") or "event"
    slug = base
    while slug in RESERVED_EVENT_SLUGS or Event.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def _insert_event(event: Event, title: str) -> None:
    """Insert ``event`` under an address made from ``title``; two proposals of one title at
    the same instant both get one (the unique index decides, the second takes a suffix)."""
    event.slug = _unique_event_slug(title)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                event.save(force_insert=True)
            return
        except IntegrityError:
            if not Event.objects.filter(slug=event.slug).exists():
                raise  # another constraint: not ours to hide
            event.slug = f"{slugify(title)[:100].strip('-') or 'event'}-{secrets.token_hex(3)}"
    raise EventError(_("Something went wrong: please send the form again."))


@transaction.atomic
def propose_event(
    *,
    member,
    organisation: Organisation,
    language: str,
    title: str,
    description: str = "",
    kind: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    time_zone: str,
    online: bool,
    online_url: str = "",
    link_for_members_only: bool = True,
    city: str = "",
    country: str = "",
    languages=(),
    themes=(),
    now: datetime.datetime | None = None,
) -> Event:
    """``member`` proposes an event of ``organisation``, written in ``language``: it waits
    in the staff's queue (``EventProposal``), and staff are told (a digest). Only a verified
    representative of ``organisation`` may (``represented_organisations``); the times are
    aware (UTC or any zone), ``time_zone`` the one the organiser gave them in."""
    if not represented_organisations(member).filter(pk=organisation.pk).exists():
        raise ProposalNotPermitted(not_a_representative(organisation))
    title, city = " ".join(title.split()), " ".join(city.split())
    errors = _proposal_errors(
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        online=online,
        online_url=online_url,
        city=city,
        country=country,
        languages=languages,
        now=now or timezone.now(),
    )
    if errors:
        raise InvalidProposal(errors)
    language = site_language(language)
    event = Event(
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        online=online,
        online_url=online_url if online else "",
        link_for_members_only=link_for_members_only if online else True,
        city="" if online else city,
        country="" if online else country,
        languages=list(dict.fromkeys(languages)),
        organiser=organisation,
        proposed_by=member,
        status=ReviewStatus.PENDING,
    )
    # Written in one language: the others stay empty (shown with the marked fallback).
    for code in LANGUAGE_CODES:
        setattr(event, localized_field("title", code), title if code == language else "")
        setattr(
            event, localized_field("description", code), description if code == language else ""
        )
    _insert_event(event, title)
    if themes:
        event.themes.set(themes)
    review_notifications.events_to_review_changed()
    return event


def _require_reviewer(by) -> None:
    if not (getattr(by, "is_active", False) and getattr(by, "is_staff", False)):
        raise ProposalNotPermitted(_("Proposed events are reviewed by the JMDI team."))


def _locked_proposal(event: Event) -> Event:
    """``event`` as it is now, locked until the transaction ends (its organiser and
    proposer read along, not locked), if it still waits for a decision."""
    try:
        event = (
            Event.objects.select_for_update(of=("self",))
            .select_related("organiser", "proposed_by")
            .get(pk=event.pk)
        )
    except Event.DoesNotExist:
        raise EventError(_("This event no longer exists.")) from None
    if event.status != ReviewStatus.PENDING:
        raise EventError(_("This proposal was already decided."))
    return event


def _tell_proposer(event: Event, template: str) -> None:
    """Tell whoever proposed ``event`` of the decision, in their language, through the
    outbox (sent once the decision commits; once per decision)."""
    member = event.proposed_by
    if member is None or not member.is_active or member.deleted_at is not None:
        return  # staff's own event, or an account closed meanwhile
    with in_language(member.language):
        event_url = settings.SITE_URL + event.get_absolute_url()
        proposals_url = settings.SITE_URL + reverse("events:my_proposals")
    send_templated_email(
        f"events/emails/{template}",
        member,
        {
            "event": event,
            "member": member,
            "organisation": event.organiser,
            "event_url": event_url,
            "proposals_url": proposals_url,
        },
        cause=f"library.event:{event.pk}:{event.status}",
    )


@transaction.atomic
def publish_event(*, event: Event, by) -> Event:
    """Staff publish an event waiting for review: it is listed, and its proposer told. An
    event over by now is not published (its dates are to be corrected first, or it is
    refused)."""
    _require_reviewer(by)
    event = _locked_proposal(event)
    now = timezone.now()
    if event.ends_at <= now:
        raise EventError(
            _("This event is over: change its dates before publishing it, or refuse it.")
        )
    event.status = ReviewStatus.PUBLISHED
    event.refusal_reason = ""
    event.reviewed_by = by
    event.reviewed_at = event.published_at = now
    event.save(
        update_fields=[
            "status",
            "refusal_reason",
            "reviewed_by",
            "reviewed_at",
            "published_at",
            "updated",
        ]
    )
    _tell_proposer(event, "proposal_published")
    return event


@transaction.atomic
def refuse_event(*, event: Event, by, reason: str) -> Event:
    """Staff refuse an event waiting for review, saying why: its proposer is told."""
    _require_reviewer(by)
    reason = (reason or "").strip()
    if not reason:
        raise EventError(_("Say why the event is refused: the person who proposed it is told."))
    if len(reason) > REFUSAL_REASON_MAX_LENGTH:
        raise EventError(
            _("Keep the reason under %(count)d characters.") % {"count": REFUSAL_REASON_MAX_LENGTH}
        )
    event = _locked_proposal(event)
    event.status = ReviewStatus.REFUSED
    event.refusal_reason = reason
    event.reviewed_by = by
    event.reviewed_at = timezone.now()
    event.save(update_fields=["status", "refusal_reason", "reviewed_by", "reviewed_at", "updated"])
    _tell_proposer(event, "proposal_refused")
    return event
