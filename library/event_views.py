"""The events calendar's pages: the upcoming and past lists, an event's page (its times in
its own zone and the visitor's, stated in words), its iCalendar file and the feed of
upcoming events, "I will attend", and the organisers' list of attendees and email to them.

The visitor's time zone comes from the "Show times in" form (a GET parameter, kept in a
cookie for the next pages: see ``library.event_times``); every page works without
JavaScript. Rules are decided in ``library.event_services``."""

from http import HTTPStatus

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from common.idempotency import once
from common.pagination import paginate
from common.translation import localized_fields, natural_localized_order
from library import event_services, event_times
from library.event_filters import EventFilter
from library.event_forms import AttendeesEmailForm, TimeZoneForm
from library.event_ical import calendar_of, link_shown
from library.models import Attendance, Event, Resource
from projects.models import Project

EVENTS_PER_PAGE = 20
ATTENDEES_PER_PAGE = 50
# The feed holds the upcoming events, the soonest first, at most this many.
FEED_MAX_EVENTS = 500
# Related projects and resources shown on an event's page.
RELATED_SHOWN = 10
# The organisers' email to attendees counts against this rate (ACCOUNT_RATE_LIMITS).
EMAIL_RATE_LIMIT = "event_attendees_email"


# --- The visitor's time zone ----------------------------------------------------------------


def chosen_zone(request) -> tuple[str, TimeZoneForm, str]:
    """The zone to show times in, its form, and a notice when the one asked for is not
    offered (times are then shown in UTC, as by default)."""
    asked = request.GET.get(event_times.PARAMETER)
    if asked is None:
        zone = event_times.visitor_zone(request)
        return zone, TimeZoneForm(zone=zone), ""
    form = TimeZoneForm({"tz": asked})
    if form.is_valid():
        return form.cleaned_data["tz"], form, ""
    notice = _("“%(zone)s” is not one of the time zones offered: times are shown in UTC.") % {
        "zone": asked[:60]
    }
    return event_times.UTC, form, notice


def keep_zone(request, response, zone: str):
    """Remember the zone chosen with the form (a cookie; UTC, the default, removes it)."""
    if event_times.PARAMETER not in request.GET:
        return response
    if zone == event_times.UTC:
        if event_times.COOKIE in request.COOKIES:
            response.delete_cookie(event_times.COOKIE, samesite="Lax")
    elif request.COOKIES.get(event_times.COOKIE) != zone:
        response.set_cookie(
            event_times.COOKIE,
            zone,
            max_age=event_times.COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
        )
    return response


def kept_parameters(request) -> list[tuple[str, str]]:
    """The page's other parameters, kept as hidden fields by the "Show times in" form."""
    return [
        (name, value)
        for name in request.GET
        if name not in (event_times.PARAMETER, "page")
        for value in request.GET.getlist(name)[:10]
    ]


# --- Lists ----------------------------------------------------------------------------------


@require_GET
def upcoming(request):
    return event_list(request, "upcoming")


@require_GET
def past(request):
    return event_list(request, "past")


def event_list(request, period: str):
    """The published events of ``period``, filtered (kind, country, theme, language,
    online), a page at a time, each with its times in words. A fixed number of queries:
    the count, the page's keys, its rows with their organisers and themes, and the filter
    form's choices (themes, countries)."""
    zone, zone_form, zone_notice = chosen_zone(request)
    filterset = EventFilter(request.GET, queryset=Event.objects.published(), period=period)
    notices = filterset.ignored_filter_notices()
    if zone_notice:
        notices.append(zone_notice)
    page, page_notice = paginate(
        request,
        filterset.qs,
        EVENTS_PER_PAGE,
        rows=lambda keys: Event.objects.for_listing().filter(pk__in=keys),
    )
    if page_notice:
        notices.append(page_notice)
    events = page.object_list
    for event in events:
        event.times = event_times.event_times(event, zone)
    response = render(
        request,
        "events/event_list.html",
        {
            "period": period,
            "filter": filterset,
            "form": filterset.form,
            "page": page,
            "events": events,
            "count": page.paginator.count,
            "active_filters": filterset.active_filters(),
            "notices": notices,
            "zone_form": zone_form,
            "kept": kept_parameters(request),
        },
    )
    return keep_zone(request, response, zone)


# --- An event -------------------------------------------------------------------------------


def visible_event(request, slug, queryset=None) -> Event:
    """The event at ``slug``: published, or waiting for review and asked for by staff or by
    whoever proposed it (who may look at it before it is published). Otherwise 404."""
    queryset = Event.objects.all() if queryset is None else queryset
    event = get_object_or_404(queryset.select_related("organiser"), slug=slug)
    if event.is_published:
        return event
    user = request.user
    if (
        user.is_authenticated
        and user.is_active
        and (user.is_staff or event.proposed_by_id == user.pk)
    ):
        return event
    raise Http404


@require_GET
def event_detail(request, slug):
    projects = Project.objects.published().only("slug", *localized_fields("title"))
    resources = Resource.objects.published().only("slug", *localized_fields("title"))
    event = visible_event(
        request,
        slug,
        Event.objects.prefetch_related(
            "themes",
            Prefetch("projects", projects.order_by(natural_localized_order("title"), "pk")),
            Prefetch("resources", resources.order_by("-published_at", "-pk")),
        ).annotate(attendee_count=Count("attendances")),
    )
    zone, zone_form, zone_notice = chosen_zone(request)
    user = request.user
    attending = (
        user.is_authenticated and Attendance.objects.filter(event=event, member=user).exists()
    )
    now = timezone.now()
    response = render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "times": event_times.event_times(event, zone),
            "zone_form": zone_form,
            "kept": kept_parameters(request),
            "notices": [zone_notice] if zone_notice else [],
            "show_link": link_shown(event, user),
            "is_over": event.ends_at <= now,
            "is_on": event.starts_at <= now < event.ends_at,
            "attending": attending,
            "can_manage": event_services.can_manage_attendees(user, event),
            "related_projects": list(event.projects.all())[:RELATED_SHOWN],
            "related_resources": list(event.resources.all())[:RELATED_SHOWN],
        },
    )
    return keep_zone(request, response, zone)


# --- iCalendar ------------------------------------------------------------------------------


def _absolute(event) -> str:
    return settings.SITE_URL + event.get_absolute_url()


def ical_response(content: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@require_GET
def event_ics(request, slug):
    """One event as an iCalendar file, to add to one's calendar. The link to join an online
    event is in it where the page shows it (for members only, if the organiser wants)."""
    event = visible_event(request, slug)
    user = request.user
    content = calendar_of(
        [event], url_of=_absolute, show_link=lambda event: link_shown(event, user)
    )
    response = ical_response(content, f"{event.slug}.ics", attachment=True)
    if user.is_authenticated:
        response["Cache-Control"] = "private"
    return response


@require_GET
def feed(request):
    """The upcoming published events as one iCalendar feed (the soonest
    ``FEED_MAX_EVENTS``), for calendar applications to subscribe to. Public: no link that
    the organisers keep for members."""
    events = list(
        Event.objects.published().upcoming().select_related("organiser")[:FEED_MAX_EVENTS]
    )
    content = calendar_of(
        events,
        url_of=_absolute,
        show_link=lambda event: link_shown(event, None),
        name=_("JMDI events"),
    )
    return ical_response(content, "jmdi-events.ics", attachment=False)


# --- Taking part ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def attend(request, slug):
    """POST: "I will attend" (with ``cancel``: "I will not attend any more"). Saying it
    twice changes nothing."""
    event = visible_event(request, slug, Event.objects.published())
    if request.method == "GET":
        return redirect(event)
    if "cancel" in request.POST:
        if event_services.cancel_attendance(event=event, member=request.user):
            messages.success(request, _("You are no longer signed up for this event."))
        return redirect(event)
    try:
        event_services.attend(event=event, member=request.user)
    except event_services.EventError as refusal:
        return render(
            request,
            "events/attend_refused.html",
            {"event": event, "reason": str(refusal)},
            status=HTTPStatus.FORBIDDEN,
        )
    messages.success(
        request,
        _("You are signed up: we will remind you by email the day before."),
    )
    return redirect(event)


def _managed_event(request, slug) -> tuple[Event, bool]:
    """The event at ``slug``, and whether the person may see its attendees."""
    event = visible_event(request, slug)
    return event, event_services.can_manage_attendees(request.user, event)


def _forbidden(request, event):
    return render(
        request,
        "events/attend_refused.html",
        {
            "event": event,
            "reason": _(
                "The list of attendees is for the JMDI team and the verified representatives "
                "of the organising organisation."
            ),
        },
        status=HTTPStatus.FORBIDDEN,
    )


@login_required
@require_GET
@never_cache
def attendees(request, slug):
    """The organisers' list of who attends, a page at a time (names, affiliation and
    country: no email address), with a link to write to them all."""
    event, allowed = _managed_event(request, slug)
    if not allowed:
        return _forbidden(request, event)
    rows = (
        Attendance.objects.filter(event=event)
        .select_related("member")
        .only(
            "created",
            "event_id",
            "member__name",
            "member__slug",
            "member__affiliation",
            "member__country",
            "member__deleted_at",
        )
        .order_by("created", "pk")
    )
    page, notice = paginate(request, rows, ATTENDEES_PER_PAGE)
    return render(
        request,
        "events/attendees.html",
        {
            "event": event,
            "page": page,
            "attendances": page.object_list,
            "count": page.paginator.count,
            "notices": [notice] if notice else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def email_attendees(request, slug):
    """The organisers write to every attendee (an email each, through the outbox), a few
    times an hour at most; the same form sent twice (a double click) is sent once."""
    event, allowed = _managed_event(request, slug)
    if not allowed:
        return _forbidden(request, event)
    form = AttendeesEmailForm(request.POST or None)
    status = HTTPStatus.OK
    if request.method == "POST":
        status = HTTPStatus.BAD_REQUEST
        if form.is_valid():
            sent, status = _send_to_attendees(request, event, form)
            if sent is not None:
                return sent
    recipients = event_services.reachable_attendees(event).exclude(pk=request.user.pk)
    return render(
        request,
        "events/email_attendees.html",
        {"event": event, "form": form, "recipients": recipients.count()},
        status=status,
    )


def _send_to_attendees(request, event, form):
    """Send the message once: the redirect to the attendees' page, or None and the status
    of the form shown again with the reason (over the rate, refused)."""
    sender = request.user
    attendees_url = reverse("events:attendees", kwargs={"slug": event.slug})
    with once(form.cleaned_data["submission"], member=sender) as submission:
        if not submission.repeated:
            if not ratelimit.consume(request, action=EMAIL_RATE_LIMIT, user=sender):
                form.add_error(
                    None,
                    _(
                        "You have sent many messages in a short while: this one was not sent. "
                        "Please try again later (it is still below)."
                    ),
                )
                return None, HTTPStatus.TOO_MANY_REQUESTS
            try:
                count = event_services.email_attendees(
                    event=event,
                    by=sender,
                    subject=form.cleaned_data["subject"],
                    message=form.cleaned_data["message"],
                )
            except event_services.EventError as refusal:
                form.add_error(None, str(refusal))
                return None, HTTPStatus.BAD_REQUEST
            submission.result_url = attendees_url
            messages.success(
                request,
                ngettext(
                    "Your message is on its way to %(count)d attendee.",
                    "Your message is on its way to %(count)d attendees.",
                    count,
                )
                % {"count": count},
            )
    return redirect(submission.result_url or attendees_url), HTTPStatus.FOUND
