"""Learning together and offline: joining and leaving a course's cohorts, the facilitator's
page of their cohort's progress and their email to its learners, and a module downloaded
as one file to read without a connection. The rules are ``learning.cohorts``'."""

from http import HTTPStatus

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.idempotency import once
from common.pagination import paginate
from common.translation import current_language
from learning import cohorts, offline
from learning.cohort_forms import CohortEmailForm
from learning.models import Cohort, Course, Module
from learning.progress import course_access

LEARNERS_PER_PAGE = 50
# The facilitators' emails to their cohorts count against this rate (ACCOUNT_RATE_LIMITS).
EMAIL_RATE_LIMIT = "learning_cohort_email"


def _cohort(request, pk: int) -> Cohort:
    """The cohort ``pk`` of a course the person may see (published, or staff), else 404."""
    cohort = Cohort.objects.select_related("course", "facilitator").filter(pk=pk).first()
    if cohort is None or not course_access(request.user, cohort.course):
        raise Http404(_("No such cohort."))
    return cohort


def _course_cohorts_url(cohort: Cohort) -> str:
    return f"{cohort.course.get_absolute_url()}#cohorts"


def _refused(request, cohort: Cohort, reason: str, status=HTTPStatus.FORBIDDEN):
    return render(
        request, "learning/cohort_refused.html", {"cohort": cohort, "reason": reason}, status=status
    )


def _not_leading(request, cohort: Cohort):
    return _refused(
        request,
        cohort,
        _("A cohort's page is for its facilitator and the JMDI team."),
    )


# --- Joining and leaving --------------------------------------------------------------------


@login_required
@require_POST
def enrol(request, pk):
    """Join a cohort from the course's page (pressed twice: the same)."""
    cohort = _cohort(request, pk)
    try:
        enrolment = cohorts.enrol(member=request.user, cohort=cohort)
    except cohorts.CohortError as refusal:
        return _refused(request, cohort, str(refusal))
    if not enrolment.joined_now:  # pressed twice: said once
        return redirect(_course_cohorts_url(cohort))
    messages.success(
        request,
        _(
            "You joined the cohort “%(name)s”. Its facilitator, %(facilitator)s, sees your "
            "progress in the course and may write to you."
        )
        % {"name": cohort.name, "facilitator": cohort.facilitator.display_name},
    )
    return redirect(_course_cohorts_url(cohort))


@login_required
@require_POST
def leave(request, pk):
    """Leave a cohort: the course goes on, on one's own, with one's progress."""
    cohort = _cohort(request, pk)
    if cohorts.leave(member=request.user, cohort=cohort):
        messages.success(
            request,
            _("You left the cohort “%(name)s”. Your progress in the course is kept.")
            % {"name": cohort.name},
        )
    else:
        messages.info(request, _("You were not in the cohort “%(name)s”.") % {"name": cohort.name})
    return redirect(_course_cohorts_url(cohort))


# --- The facilitator's pages ----------------------------------------------------------------


@login_required
@require_GET
@never_cache
def cohort(request, pk):
    """The cohort's learners, a page at a time, each with their lessons done, quizzes
    passed, percent and last visit (no email address), and a link to write to them all.
    For the facilitator and staff."""
    cohort = _cohort(request, pk)
    if not cohorts.can_lead(request.user, cohort):
        return _not_leading(request, cohort)
    progress = cohorts.cohort_progress(cohort)
    summary = progress.summary()
    page, notice = paginate(request, progress.learners, LEARNERS_PER_PAGE, count=summary["count"])
    return render(
        request,
        "learning/cohort.html",
        {
            "cohort": cohort,
            "course": cohort.course,
            "progress": progress,
            "summary": summary,
            "average": round(summary["average"]),
            "page": page,
            "learners": page.object_list,
            "notices": [notice] if notice else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def email(request, pk):
    """The facilitator writes to every learner of the cohort (an email each, through the
    outbox), a few times an hour at most; the same form sent twice is sent once."""
    cohort = _cohort(request, pk)
    if not cohorts.can_lead(request.user, cohort):
        return _not_leading(request, cohort)
    form = CohortEmailForm(request.POST or None)
    status = HTTPStatus.OK
    if request.method == "POST":
        status = HTTPStatus.BAD_REQUEST
        if form.is_valid():
            sent, status = _send(request, cohort, form)
            if sent is not None:
                return sent
    recipients = cohorts.reachable_learners(cohort).exclude(pk=request.user.pk)
    return render(
        request,
        "learning/cohort_email.html",
        {"cohort": cohort, "course": cohort.course, "form": form, "recipients": recipients.count()},
        status=status,
    )


def _send(request, cohort: Cohort, form):
    """Send the message once: the redirect to the cohort's page, or None and the status of
    the form shown again with the reason (over the rate, refused)."""
    sender = request.user
    cohort_url = reverse("learning:cohort", kwargs={"pk": cohort.pk})
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
                count = cohorts.email_cohort(
                    facilitator=sender,
                    cohort=cohort,
                    subject=form.cleaned_data["subject"],
                    message=form.cleaned_data["message"],
                )
            except cohorts.CohortError as refusal:
                form.add_error(None, str(refusal))
                return None, HTTPStatus.BAD_REQUEST
            submission.result_url = cohort_url
            messages.success(
                request,
                ngettext(
                    "Your message is on its way to %(count)d learner.",
                    "Your message is on its way to %(count)d learners.",
                    count,
                )
                % {"count": count},
            )
    return redirect(submission.result_url or cohort_url), HTTPStatus.FOUND


# --- A module to read offline ---------------------------------------------------------------


@require_GET
@never_cache
def offline_module(request, course, module):
    """The module as one HTML file (``learning.offline``), downloaded as an attachment in
    the page's language. For members (a free account), like the lessons after the first:
    visitors are invited to log in or join."""
    course = Course.objects.filter(slug=course).first()
    if course is None or not course_access(request.user, course):
        raise Http404(_("No such course."))
    module = Module.objects.filter(pk=module, course=course).first()
    if module is None:
        raise Http404(_("This course has no such module."))
    module.course = course
    if not request.user.is_authenticated:
        return render(
            request,
            "learning/offline_login.html",
            {"course": course, "module": module},
            status=HTTPStatus.FORBIDDEN,
        )
    language = current_language()
    file = offline.module_file(module, language=language)
    response = HttpResponse(file.content, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, file.name)
    response["Content-Language"] = language
    response["X-Content-Type-Options"] = "nosniff"
    return response
