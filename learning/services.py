"""Every write about the courses that staff make, one transaction each, and the rules that
decide them.

- **Publishing.** Staff publish a course (``publish_course``) once it can be taken from
  start to end: it has at least one lesson, every lesson has its text in at least one
  language, and every quiz can be passed (it has questions; each question has a correct
  answer, a one-answer question exactly one). Otherwise the course stays as it is and the
  refusal (``CourseError``) says what is missing, naming the lessons and questions.
- **Unpublishing.** Staff take a course off the catalogue (``unpublish_course``): learners
  no longer open its lessons; their progress and certificates are kept, and publishing it
  again gives them back. It keeps the date it was first published.

Each function locks the course (and for publishing its lessons, so no lesson is emptied
while it is checked), checks the rule on what it locked and refuses with ``CourseError``
(its message is for the person). The course's history records who did it and why. The
admin calls these and shows the refusal; it never decides.
"""

from django.db import transaction
from django.db.models import Count, Q, Window
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.translation import any_language, localized_fields
from learning.models import Choice, Course, Lesson, Module, Question, QuestionKind, Quiz

# The lessons or questions a refusal names, at most; it counts the others.
NAMED_AT_MOST = 10
# Addresses of the learning section's own pages at /learning/<slug>/: no course takes them.
RESERVED_COURSE_SLUGS = frozenset({"mine", "certificates", "images", "cohorts", "quiz-results"})


class CourseError(Exception):
    """An action on a course that the rules refuse; its message is shown to the person,
    ``problems`` lists each reason on its own."""

    def __init__(self, message, *, problems=()):
        super().__init__(message)
        self.problems = list(problems) or [str(message)]


class NotPermitted(CourseError):
    """Refused because of who asks (not staff)."""


def _require_staff(member) -> None:
    if not (getattr(member, "is_authenticated", False) and member.is_active and member.is_staff):
        raise NotPermitted(_("Courses are published by the JMDI team."))


def _locked(course: Course) -> Course:
    """``course`` as it is now, locked until the transaction ends."""
    try:
        return Course.objects.select_for_update().get(pk=course.pk)
    except Course.DoesNotExist:
        raise CourseError(_("This course no longer exists.")) from None


def _named(names: list[str], total: int) -> str:
    """“A”, “B”, “C” — and, past ``NAMED_AT_MOST``, how many more."""
    shown = ", ".join(f"“{name}”" for name in names[:NAMED_AT_MOST])
    more = total - min(len(names), NAMED_AT_MOST)
    if more > 0:
        shown += " " + ngettext("and %(count)d more", "and %(count)d more", more) % {"count": more}
    return shown


def lessons_without_text(course: Course):
    """The lessons of ``course`` with no text in any language (nothing but blanks counts
    as none), in the course's order."""
    return (
        Lesson.objects.filter(module__course=course)
        .exclude(any_language("body", "regex", r"\S"))
        .order_by("module__order", "module_id", "order", "id")
    )


def publishing_problems(course: Course) -> list[str]:
    """Why ``course`` cannot be published, one sentence each; none when it can. A few
    queries, however many lessons and questions the course has."""
    problems = []
    if not Lesson.objects.filter(module__course=course).exists():
        problems.append(_("The course has no lesson yet: add a module and its lessons."))

    empty, total = _first_and_total(lessons_without_text(course).only(*_title_columns()))
    if empty:
        problems.append(
            ngettext(
                "This lesson has no text in any language: %(lessons)s.",
                "These lessons have no text in any language: %(lessons)s.",
                total,
            )
            % {"lessons": _named([lesson.title for lesson in empty], total)}
        )

    no_questions = list(
        Quiz.objects.filter(module__course=course)
        .annotate(question_count=Count("questions"))
        .filter(question_count=0)
        .select_related("module")
        .order_by("module__order", "module_id")
    )
    if no_questions:
        problems.append(
            ngettext(
                "The quiz of this module has no question: %(modules)s.",
                "The quizzes of these modules have no question: %(modules)s.",
                len(no_questions),
            )
            % {"modules": _named([str(quiz.module) for quiz in no_questions], len(no_questions))}
        )

    questions = (
        Question.objects.filter(quiz__module__course=course)
        .annotate(correct_count=Count("choices", filter=Q(choices__correct=True)))
        .order_by("quiz__module__order", "quiz__module_id", "order", "id")
    )
    no_answer, total = _first_and_total(questions.filter(correct_count=0))
    if no_answer:
        problems.append(
            ngettext(
                "This question has no correct answer: %(questions)s.",
                "These questions have no correct answer: %(questions)s.",
                total,
            )
            % {"questions": _named([question.text for question in no_answer], total)}
        )
    several_rows, total = _first_and_total(
        questions.filter(kind=QuestionKind.SINGLE, correct_count__gt=1)
    )
    if several_rows:
        problems.append(
            ngettext(
                "This question takes one answer but has several marked correct (make it "
                "a several-answer question, or mark one): %(questions)s.",
                "These questions take one answer but have several marked correct (make "
                "them several-answer questions, or mark one): %(questions)s.",
                total,
            )
            % {"questions": _named([question.text for question in several_rows], total)}
        )
    return problems


def _first_and_total(queryset) -> tuple[list, int]:
    """The first ``NAMED_AT_MOST`` rows of ``queryset`` and how many there are: one
    query."""
    rows = list(queryset.annotate(_total=Window(Count("*")))[:NAMED_AT_MOST])
    return rows, rows[0]._total if rows else 0


def _title_columns() -> list[str]:
    return ["id", "title", *localized_fields("title")]


@transaction.atomic
def publish_course(*, course: Course, by) -> Course:
    """Staff publish ``course``: shown in the catalogue, its lessons open to learners. A
    course already published stays as it is. Refused (``CourseError``, saying which lessons
    or questions) while a lesson has no text in any language or a quiz cannot be
    passed."""
    _require_staff(by)
    course = _locked(course)
    if course.published:
        return course
    # No lesson is emptied, nor moved to another course, while the course is checked.
    list(Lesson.objects.filter(module__course=course).select_for_update(of=("self",)))
    problems = publishing_problems(course)
    if problems:
        raise CourseError(
            _("“%(course)s” cannot be published yet: %(problems)s")
            % {"course": course.title, "problems": " ".join(problems)},
            problems=problems,
        )
    course.published = True
    if course.published_at is None:
        course.published_at = timezone.now()
    course._history_user = by
    course._change_reason = _("Published")
    course.save(update_fields=["published", "published_at", "updated"])
    return course


@transaction.atomic
def unpublish_course(*, course: Course, by) -> Course:
    """Staff take ``course`` off the catalogue: its lessons no longer open to learners
    (staff still preview them); progress and certificates are kept. A course not
    published stays as it is."""
    _require_staff(by)
    course = _locked(course)
    if not course.published:
        return course
    course.published = False
    course._history_user = by
    course._change_reason = _("Unpublished")
    course.save(update_fields=["published", "updated"])
    return course


# --- Order: modules in a course, lessons in a module, questions in a quiz, answers ----------

# Each ordered model, and the field naming what it is ordered within.
ORDERED_WITHIN = {Module: "course", Lesson: "module", Question: "quiz", Choice: "question"}
UP, DOWN = "up", "down"


@transaction.atomic
def move(*, item, direction: str, by) -> bool:
    """Move ``item`` (a module, lesson, question or answer) one place up or down among its
    own (the modules of its course, the lessons of its module…). Their ``order`` becomes
    1, 2, 3… in the order they had, with ``item`` and its neighbour swapped. False when it
    is already first (up) or last (down); a ``CourseError`` when it no longer exists."""
    _require_staff(by)
    model = type(item)
    parent = ORDERED_WITHIN.get(model)
    if parent is None or direction not in (UP, DOWN):
        raise CourseError(_("This cannot be moved."))
    try:
        item = model.objects.select_for_update().get(pk=item.pk)
    except model.DoesNotExist:
        raise CourseError(_("This no longer exists: it may have just been deleted.")) from None
    siblings = list(
        model.objects.select_for_update()
        .filter(**{f"{parent}_id": getattr(item, f"{parent}_id")})
        .order_by("order", "id")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == item.pk)
    other = index - 1 if direction == UP else index + 1
    if not 0 <= other < len(siblings):
        return False
    siblings[index], siblings[other] = siblings[other], siblings[index]
    has_history = hasattr(model, "history")
    for position, sibling in enumerate(siblings, start=1):
        if sibling.order == position:
            continue
        sibling.order = position
        if has_history:
            sibling._history_user = by
            sibling._change_reason = _("Order changed")
        sibling.save(update_fields=["order"])
    return True
