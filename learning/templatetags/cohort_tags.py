"""The course page's "Learn together" block (``{% course_cohorts course %}``), its "Read
offline" list of modules (``{% offline_modules course outline %}``) and the link to read one
module offline (``{% offline_link course module %}``)."""

from django import template

from learning.cohorts import open_cohorts
from learning.models import Cohort, Enrolment

register = template.Library()

# Cohorts listed on a course's page, at most (the soonest first).
COHORTS_SHOWN = 10

_ASK = object()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("learning/partials/course_cohorts.html", takes_context=True)
def course_cohorts(context, course, enrolment=_ASK):
    """The cohorts of ``course`` open to new learners, with "Join" (or "Leave" for the one
    the member is in); for a facilitator, the cohorts they lead, and for staff every
    cohort of the course, each with a link to its progress page. ``enrolment``: the
    member's enrolment in the course when the page has it already (None when they have
    none), saving a query. Three queries (four when the member's cohort is not among those
    listed), whatever the number of cohorts and learners."""
    user = _user(context)
    member = user if getattr(user, "is_authenticated", False) else None
    listed = list(
        open_cohorts(course)
        .select_related("facilitator")
        .only(
            "pk",
            "name",
            "starts_on",
            "ends_on",
            "course_id",
            "facilitator_id",
            "open_for_enrolment",
            "facilitator__name",
            "facilitator__deleted_at",
        )[:COHORTS_SHOWN]
    )
    mine = None
    led = []
    if member is not None:
        cohort_id = getattr(enrolment, "cohort_id", None)
        if enrolment is _ASK:
            cohort_id = (
                Enrolment.objects.filter(member=member, course=course)
                .values_list("cohort_id", flat=True)
                .first()
            )
        if cohort_id:
            mine = next((cohort for cohort in listed if cohort.pk == cohort_id), None)
            if mine is None:  # closed, or beyond the cohorts listed
                mine = Cohort.objects.select_related("facilitator").filter(pk=cohort_id).first()
        led_cohorts = Cohort.objects.filter(course=course)
        if not member.is_staff:
            led_cohorts = led_cohorts.filter(facilitator=member)
        led = list(
            led_cohorts.only("pk", "name", "starts_on", "ends_on").order_by("-starts_on", "-pk")[
                :COHORTS_SHOWN
            ]
        )
    return {
        "request": context.get("request"),
        "course": course,
        "cohorts": listed,
        "mine": mine,
        "led": led,
        "led_ids": {cohort.pk for cohort in led},
        "member": member,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("learning/partials/offline_link.html")
def offline_link(course, module):
    """The link to download ``module`` as one file to read without a connection."""
    return {"course": course, "module": module}


@register.inclusion_tag("learning/partials/offline_modules.html", takes_context=True)
def offline_modules(context, course, outline):
    """Each module of the course's ``outline`` (``learning.views.outline``: items with their
    ``module``) with the link to download it to read offline. No query."""
    return {
        "course": course,
        "modules": [item["module"] for item in outline or []],
        "user": _user(context),
    }
