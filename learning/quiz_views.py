"""Quizzes and certificates: a module's quiz (answered and graded on the server), the
result of an attempt (its owner only), the learner's certificate, and the public page
that checks a certificate's code. The rules are ``learning.quizzes`` and
``learning.certificates``'."""

import uuid
from http import HTTPStatus

from django.contrib.auth.decorators import login_required
from django.db.models import Max, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from common.idempotency import once
from forums.views.topics import TooFast, within_rate_limit
from learning import certificates, quizzes
from learning.models import Certificate, Quiz, QuizAttempt
from learning.progress import course_access, course_progress

# Tries at quizzes count against this rate (ACCOUNT_RATE_LIMITS): each one is stored.
QUIZ_RATE_LIMIT = "quiz_attempt"


def _find_quiz(request, course: str, module: int) -> Quiz:
    """The quiz of module ``module`` of course ``course``, when the person may see the
    course (published, or they are staff); else 404."""
    quiz = (
        Quiz.objects.select_related("module__course")
        .filter(module_id=module, module__course__slug=course)
        .first()
    )
    if quiz is None or not course_access(request.user, quiz.module.course):
        raise Http404(_("This course has no such quiz."))
    return quiz


def _submission_token(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get("submission", ""))
    except ValueError:
        return None


def _render_quiz(request, quiz, questions, *, error="", status=HTTPStatus.OK):
    user = request.user
    tries = QuizAttempt.objects.filter(member=user, quiz=quiz).aggregate(
        best=Max("score"), last=Max("pk"), passed=Max("pk", filter=Q(passed=True))
    )
    return render(
        request,
        "learning/quiz.html",
        {
            "quiz": quiz,
            "module": quiz.module,
            "course": quiz.module.course,
            "questions": questions,
            "best_score": tries["best"],
            "passed": tries["passed"] is not None,
            "last_attempt": tries["last"],
            "submission": uuid.uuid4(),
            "error": error,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def quiz(request, course: str, module: int):
    """A module's quiz: its questions (one answer: radio buttons; several: checkboxes).
    Sent, it is graded on the server and the learner sees the result; they may try again
    as often as they wish. Visitors are invited to log in (or join, free)."""
    found = _find_quiz(request, course, module)
    if not request.user.is_authenticated:
        return render(
            request,
            "learning/quiz_login.html",
            {"quiz": found, "module": found.module, "course": found.module.course},
            status=HTTPStatus.FORBIDDEN if request.method == "POST" else HTTPStatus.OK,
        )
    if not quizzes.quiz_access(request.user, found):
        raise Http404(_("This course has no such quiz."))
    questions = quizzes.questions_of(found)
    if request.method == "GET":
        return _render_quiz(request, found, questions)
    try:
        with once(_submission_token(request), member=request.user) as submission:
            if submission.result_url:  # the same answers, sent again: one attempt
                return redirect(submission.result_url)
            if not within_rate_limit(request, QUIZ_RATE_LIMIT):
                raise TooFast
            attempt = quizzes.grade(
                member=request.user, quiz=found, submitted=request.POST, questions=questions
            )
            submission.result_url = reverse("learning:quiz_result", kwargs={"pk": attempt.pk})
    except TooFast:
        message = _(
            "You have sent this quiz many times in a short while: these answers were not "
            "graded. Please wait a minute and try again."
        )
        return _render_quiz(
            request, found, questions, error=message, status=HTTPStatus.TOO_MANY_REQUESTS
        )
    except quizzes.QuizError as error:
        return _render_quiz(
            request, found, questions, error=str(error), status=HTTPStatus.BAD_REQUEST
        )
    return redirect(submission.result_url)


@never_cache
@login_required
@require_GET
def quiz_result(request, pk: int):
    """One of the learner's attempts: the score, passed or not against the pass mark,
    which questions were right and the feedback of each answer chosen. Its owner's only."""
    attempt = (
        QuizAttempt.objects.select_related("quiz__module__course")
        .filter(pk=pk, member=request.user)
        .first()
    )
    if attempt is None:
        raise Http404(_("You have no such quiz result."))
    found = attempt.quiz
    course = found.module.course
    questions = quizzes.questions_of(found)
    answered = quizzes.answered_questions(attempt, questions)
    progress = course_progress(request.user, course)
    return render(
        request,
        "learning/quiz_result.html",
        {
            "attempt": attempt,
            "quiz": found,
            "module": found.module,
            "course": course,
            "answered": answered,
            "right": sum(item.right for item in answered),
            "progress": progress,
            "certificate": certificates.certificate_of(request.user, course),
        },
    )


@never_cache
@login_required
@require_GET
def certificate(request, course: str):
    """The learner's certificate for a course: their name, the course, the date and the
    code, with the address where anyone can check it; printable."""
    found = (
        Certificate.objects.select_related("course")
        .filter(member=request.user, course__slug=course)
        .first()
    )
    if found is None:
        return render(
            request,
            "learning/certificate_missing.html",
            {"course_slug": course},
            status=HTTPStatus.NOT_FOUND,
        )
    return render(
        request,
        "learning/certificate.html",
        {
            "certificate": found,
            "course": found.course,
            "code": certificates.display_code(found.code),
            "verify_url": request.build_absolute_uri(found.get_absolute_url()),
        },
    )


def _verify_form(request, *, code="", error="", status=HTTPStatus.OK):
    return render(
        request,
        "learning/certificate_verify_form.html",
        {"code": code[:60], "error": error},
        status=status,
    )


@require_GET
def verify(request, code: str):
    """Anyone checks a certificate by its code: the name, the course and the date, nothing
    else. An unknown or altered code says so (404)."""
    found = certificates.verify(code)
    if found is None:
        return _verify_form(
            request,
            code=code,
            error=_("No certificate has this code. Check that it is typed as it is printed."),
            status=HTTPStatus.NOT_FOUND,
        )
    if found.code != code:  # typed in lower case, or with dashes: the one address
        return redirect(found, permanent=True)
    return render(
        request,
        "learning/certificate_verified.html",
        {
            "certificate": found,
            "course": found.course,
            "code": certificates.display_code(found.code),
        },
    )


@require_GET
def verify_form(request):
    """The form to type a certificate's code; sent, it leads to the certificate's page."""
    code = request.GET.get("code", "").strip()
    if not code:
        return _verify_form(request)
    if certificates.normalise_code(code) is None:
        return _verify_form(
            request,
            code=code,
            error=_(
                "A verification code has 12 letters and digits, as printed on the "
                "certificate (for example ABCD-EFGH-JKMN)."
            ),
            status=HTTPStatus.BAD_REQUEST,
        )
    found = certificates.verify(code)
    if found is None:
        return _verify_form(
            request,
            code=code,
            error=_("No certificate has this code. Check that it is typed as it is printed."),
            status=HTTPStatus.NOT_FOUND,
        )
    return redirect(found)
