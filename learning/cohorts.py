"""Cohorts: learners taking a course together between two dates, led by a facilitator.

- **Opening.** Staff open a cohort in the admin (``learning/cohort_admin.py``) with its
  dates and its facilitator: an active member with a confirmed email address
  (``facilitator_refusal``).
- **Enrolling.** A member with a confirmed address joins a cohort of a published course
  while it is open for enrolment and not over (``enrol``); they are then enrolled in the
  course (``Enrolment``), in that cohort. A member is in one cohort of a course at a time:
  to change, they leave the first (``leave``), which keeps their progress. The facilitator
  does not join their own cohort.
- **Leading.** The facilitator (and staff) see the cohort's progress (``cohort_progress``:
  each learner's lessons done, quizzes passed, percent and last visit, in a fixed number
  of queries) and write to its learners (``email_cohort``: an email each, in their
  language, through the outbox; replies go to the facilitator).
- **A facilitator who leaves.** Their account is anonymised (``network.accounts``) and the
  cohort stays, with its learners and their progress: ``learning.member_data`` closes
  those not over to new learners and tells the staff who manage cohorts, who name another
  facilitator in the admin (its list filters cohorts "without an active facilitator").

Each write is one transaction that decides its rule itself and refuses with
``CohortError`` (its message is for the person). Views and the admin call these and never
re-decide.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Avg, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from common.mail import PersonalParts, in_language, outgoing_email, render_templated_email
from common.outbox import queue_emails
from common.translation import site_language
from learning.models import (
    Cohort,
    Course,
    Enrolment,
    Lesson,
    LessonCompletion,
    Quiz,
    QuizAttempt,
)
from network.models import Member
from network.notifications import absolute_url

MESSAGE_SUBJECT_MAX_LENGTH = 150
MESSAGE_MAX_LENGTH = 5000


class CohortError(Exception):
    """An action on a cohort that the rules refuse; its message is shown to the person."""


def _today() -> datetime.date:
    return timezone.localdate()


def open_cohorts(course: Course, today: datetime.date | None = None) -> QuerySet[Cohort]:
    """The cohorts of ``course`` a member may join now: open for enrolment and not over,
    the soonest first."""
    return Cohort.objects.filter(
        course=course, open_for_enrolment=True, ends_on__gte=today or _today()
    ).order_by("starts_on", "pk")


def is_over(cohort: Cohort, today: datetime.date | None = None) -> bool:
    return cohort.ends_on < (today or _today())


def can_lead(member, cohort: Cohort) -> bool:
    """Who sees a cohort's progress and writes to its learners: its facilitator and staff,
    their accounts active."""
    if not (getattr(member, "is_authenticated", False) and member.is_active):
        return False
    return member.is_staff or member.pk == cohort.facilitator_id


def facilitator_refusal(member: Member | None) -> str:
    """Why ``member`` cannot lead a cohort ("" when they can): their account must be open
    and their address confirmed, for learners' replies to reach them."""
    if member is None:
        return _("Choose the cohort's facilitator.")
    if not member.is_active or member.deleted_at:
        return _("This account is closed: choose another facilitator.")
    if not member.has_verified_email:
        return _(
            "The facilitator has not confirmed their email address yet: learners could not "
            "reach them. Choose another facilitator, or ask them to confirm it first."
        )
    return ""


def enrolment_refusal(member, cohort: Cohort, today: datetime.date | None = None) -> str:
    """Why ``member`` may not join ``cohort`` ("" when they may)."""
    if not (getattr(member, "is_authenticated", False) and member.is_active):
        return _("Log in to join a cohort.")
    if member.pk == cohort.facilitator_id:
        return _("You lead this cohort: its learners' progress is on the cohort's page.")
    if not member.has_verified_email:
        return _(
            "Confirm your email address before joining a cohort: open the link we sent you, "
            "or ask for a new one on your email addresses page."
        )
    if not cohort.course.published:
        return _("This course is not published.")
    if is_over(cohort, today):
        return _("This cohort is over.")
    if not cohort.open_for_enrolment:
        return _("This cohort is closed to new learners.")
    return ""


@transaction.atomic
def enrol(*, member, cohort: Cohort) -> Enrolment:
    """``member`` joins ``cohort``, and so takes its course (their progress so far counts).
    Joining again changes nothing (``joined_now`` on the enrolment says whether they joined
    now); joining another cohort of the same course while in one that is not over is
    refused (leave it first)."""
    # The cohort is locked, so that it is not closed or moved while a learner joins it.
    cohort = (
        Cohort.objects.select_for_update(of=("self",)).select_related("course").get(pk=cohort.pk)
    )
    refusal = enrolment_refusal(member, cohort)
    if refusal:
        raise CohortError(refusal)
    enrolment, created = Enrolment.objects.get_or_create(
        member=member, course=cohort.course, defaults={"cohort": cohort}
    )
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("cohort")
        .get(pk=enrolment.pk)
    )
    enrolment.joined_now = created or enrolment.cohort_id != cohort.pk
    if enrolment.cohort_id == cohort.pk:
        return enrolment
    current = enrolment.cohort
    if current is not None and not is_over(current):
        raise CohortError(
            _("You are in the cohort “%(name)s” of this course: leave it first.")
            % {"name": current.name}
        )
    # An update, not save(): the learner's last visit (``last_seen``) stays as it was.
    Enrolment.objects.filter(pk=enrolment.pk).update(cohort=cohort)
    enrolment.cohort = cohort
    return enrolment


@transaction.atomic
def leave(*, member, cohort: Cohort) -> bool:
    """``member`` leaves ``cohort``: they keep taking the course on their own, with their
    progress. Whether they were in it."""
    if not getattr(member, "is_authenticated", False):
        return False
    return bool(Enrolment.objects.filter(member=member, cohort=cohort).update(cohort=None))


def reachable_learners(cohort: Cohort) -> QuerySet[Member]:
    """The cohort's learners an email can go to: accounts open, a confirmed address."""
    return (
        Member.objects.with_verified_email()
        .filter(is_active=True, deleted_at__isnull=True, enrolments__cohort=cohort)
        .order_by("pk")
    )


@transaction.atomic
def email_cohort(*, facilitator, cohort: Cohort, subject: str, message: str) -> int:
    """The facilitator (or staff: ``can_lead``) writes to the cohort's learners: one email
    each, in their language (the message as written), through the outbox; replies go to
    the sender. How many emails were written."""
    if not can_lead(facilitator, cohort):
        raise CohortError(_("Only the cohort's facilitator can write to its learners."))
    subject, message = " ".join((subject or "").split()), (message or "").strip()
    if not subject or not message:
        raise CohortError(_("Write a subject and a message."))
    if len(subject) > MESSAGE_SUBJECT_MAX_LENGTH or len(message) > MESSAGE_MAX_LENGTH:
        raise CohortError(
            _("Keep the subject under %(subject)d characters and the message under %(message)d.")
            % {"subject": MESSAGE_SUBJECT_MAX_LENGTH, "message": MESSAGE_MAX_LENGTH}
        )
    course = cohort.course
    personal = PersonalParts("name")
    rendered = {}
    emails = []
    cause = f"learning.cohort-message:{cohort.pk}:{timezone.now().timestamp():.6f}"
    recipients = reachable_learners(cohort).exclude(pk=facilitator.pk)
    for member in recipients.only("pk", "email", "name", "language", "deleted_at").iterator(
        chunk_size=500
    ):
        language = site_language(member.language)
        if language not in rendered:
            with in_language(language):
                context = {
                    "cohort": cohort,
                    "course": course,
                    "sender_name": facilitator.display_name,
                    "subject": subject,
                    "message": message,
                    "course_url": absolute_url(course.get_absolute_url()),
                    **personal.placeholders,
                }
            rendered[language] = render_templated_email(
                "learning/emails/cohort_message", context, language=language
            )
        email = personal.fill(rendered[language], {"name": member.display_name})
        emails.append(
            outgoing_email(email, member.email, cause=cause, reply_to=[facilitator.email])
        )
    return queue_emails(emails)


# --- The facilitator's view of the cohort's progress ------------------------------------------


@dataclass(frozen=True)
class CohortProgress:
    """Where a cohort's learners are in the course as it is now.

    ``learners`` is a query of the cohort's enrolments (the member with each), each with
    ``lessons_done``, ``quizzes_passed`` and ``percent`` (as ``learning.progress`` counts
    it: lessons done and quizzes passed over lessons and quizzes), sorted by name: page
    through it. ``summary`` holds the number of learners, how many completed the course and
    their average percent."""

    cohort: Cohort
    lessons_total: int
    quizzes_total: int
    learners: QuerySet

    def summary(self) -> dict:
        return self.learners.order_by().aggregate(
            count=Count("pk"),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            average=Coalesce(Avg("percent"), Value(0.0)),
        )


def _count_of(queryset, column: str) -> Coalesce:
    """The number of rows of ``queryset`` (filtered on ``OuterRef("member_id")``), as a
    subquery giving 0 rather than nothing."""
    counted = (
        queryset.order_by()
        .values("member_id")
        .annotate(counted=Count(column, distinct=True))
        .values("counted")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def cohort_progress(cohort: Cohort) -> CohortProgress:
    """The progress of ``cohort``'s learners: two queries for the course's totals, then one
    for a page of ``learners`` (and one for their ``summary()``), whatever the number of
    learners, lessons and attempts."""
    course_id = cohort.course_id
    lessons_total = Lesson.objects.filter(module__course_id=course_id).count()
    quizzes_total = Quiz.objects.filter(module__course_id=course_id).count()
    total = lessons_total + quizzes_total
    lessons_done = _count_of(
        LessonCompletion.objects.filter(
            member_id=OuterRef("member_id"), lesson__module__course_id=course_id
        ),
        "lesson_id",
    )
    quizzes_passed = _count_of(
        QuizAttempt.objects.filter(
            member_id=OuterRef("member_id"), quiz__module__course_id=course_id, passed=True
        ),
        "quiz_id",
    )
    learners = (
        Enrolment.objects.filter(cohort=cohort)
        .select_related("member")
        .only(
            "pk",
            "member_id",
            "cohort_id",
            "started",
            "last_seen",
            "completed_at",
            "member__name",
            "member__deleted_at",
        )
        .annotate(lessons_done=lessons_done, quizzes_passed=quizzes_passed)
        .annotate(
            percent=(
                (F("lessons_done") + F("quizzes_passed")) * 100 / total
                if total
                else Value(0, output_field=IntegerField())
            )
        )
        .order_by("member__name", "pk")
    )
    return CohortProgress(
        cohort=cohort,
        lessons_total=lessons_total,
        quizzes_total=quizzes_total,
        learners=learners,
    )
