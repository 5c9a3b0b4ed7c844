"""What the e-learning does with a member's data: export it, and remove it with the account
(registered in ``learning.apps``; see ``network.accounts``).

A member's learning goes with their account: the courses they took (and in which cohort),
the lessons they did, their quiz attempts and their certificates (whose verification
codes then answer "unknown"). The cohorts they led stay, with their learners, who keep
their progress: the account, anonymised, remains their facilitator ("Former member")
until staff name another; cohorts not over are closed to new learners meanwhile, and the
staff who manage cohorts are told by email (``learning.cohorts``).
"""

from django.contrib.auth.models import Permission
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from common.outbox import queue_emails
from common.signals import rows_changed
from learning.models import (
    Certificate,
    Cohort,
    Enrolment,
    LessonCompletion,
    QuizAttempt,
)
from network.models import Member
from network.notifications import absolute_url, personal_emails


def member_learning(member) -> dict:
    """For the member's JSON export: the courses they take, the lessons they did, their
    quiz attempts (with the answers they gave), their certificates and the cohorts they
    lead."""
    return {
        "courses": [
            {
                "course": enrolment.course.title,
                "address": enrolment.course.get_absolute_url(),
                "cohort": enrolment.cohort.name if enrolment.cohort_id else "",
                "last_lesson": enrolment.last_lesson.title if enrolment.last_lesson_id else "",
                "started": enrolment.started,
                "last_seen": enrolment.last_seen,
                "completed": enrolment.completed_at,
            }
            for enrolment in Enrolment.objects.filter(member=member)
            .select_related("course", "cohort", "last_lesson")
            .order_by("started", "pk")
        ],
        "lessons_done": [
            {
                "lesson": completion.lesson.title,
                "course": completion.lesson.module.course.title,
                "done": completion.completed_at,
            }
            for completion in LessonCompletion.objects.filter(member=member)
            .select_related("lesson__module__course")
            .order_by("completed_at", "pk")
        ],
        "quiz_attempts": [
            {
                "quiz": attempt.quiz.module.title,
                "course": attempt.quiz.module.course.title,
                "answers": attempt.answers,
                "score": attempt.score,
                "passed": attempt.passed,
                "tried": attempt.created,
            }
            for attempt in QuizAttempt.objects.filter(member=member)
            .select_related("quiz__module__course")
            .order_by("created", "pk")
        ],
        "certificates": [
            {
                "course": certificate.course.title,
                "name": certificate.name,
                "code": certificate.code,
                "issued": certificate.issued_at,
                "verification_address": certificate.get_absolute_url(),
            }
            for certificate in Certificate.objects.filter(member=member)
            .select_related("course")
            .order_by("issued_at", "pk")
        ],
        "facilitated_cohorts": [
            {
                "cohort": cohort.name,
                "course": cohort.course.title,
                "starts": cohort.starts_on,
                "ends": cohort.ends_on,
            }
            for cohort in Cohort.objects.filter(facilitator=member)
            .select_related("course")
            .order_by("starts_on", "pk")
        ],
    }


def on_account_deleted(sender, member, **kwargs) -> None:
    """The member's learning goes; the cohorts they led stay (module docstring)."""
    QuizAttempt.objects.filter(member=member).delete()
    LessonCompletion.objects.filter(member=member).delete()
    Certificate.objects.filter(member=member).delete()
    Enrolment.objects.filter(member=member).delete()
    led = list(
        Cohort.objects.filter(facilitator=member, ends_on__gte=timezone.localdate())
        .select_related("course")
        .order_by("starts_on", "pk")
    )
    if not led:
        return
    closing = [cohort.pk for cohort in led if cohort.open_for_enrolment]
    if closing:
        Cohort.objects.filter(pk__in=closing).update(open_for_enrolment=False)
        rows_changed.send(sender=Cohort, ids=closing)
    _tell_cohort_managers(member, led)


def cohort_managers():
    """The active staff who may change cohorts (superusers included)."""
    may_change = Permission.objects.filter(
        codename="change_cohort", content_type__app_label="learning"
    )
    return (
        Member.objects.filter(is_active=True, is_staff=True, deleted_at__isnull=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=may_change)
            | Q(groups__permissions__in=may_change)
        )
        .distinct()
        .order_by("pk")
    )


def _tell_cohort_managers(member, cohorts: list[Cohort]) -> None:
    def context() -> dict:  # under the recipients' language
        return {
            "cohorts": [
                {
                    "name": cohort.name,
                    "course": cohort.course.title,
                    "starts_on": cohort.starts_on,
                    "ends_on": cohort.ends_on,
                    "url": absolute_url(reverse("admin:learning_cohort_change", args=[cohort.pk])),
                }
                for cohort in cohorts
            ],
        }

    emails = personal_emails(
        "learning/emails/cohorts_without_facilitator", cohort_managers(), context
    )
    for email in emails:
        email.cause = f"learning.cohorts-without-facilitator:{member.pk}"
    queue_emails(emails)
