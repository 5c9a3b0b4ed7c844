"""Where a learner is in a course: which lessons they did, which quizzes they passed, what
comes next, and who may read which lesson.

Every function here runs a fixed number of queries, whatever the number of lessons,
learners and attempts: progress is two queries (the course's lessons with a "done" flag,
its quizzes with a "passed" flag), recording a visit or a lesson done one statement each.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from learning.models import Course, Enrolment, Lesson, LessonCompletion, Quiz, QuizAttempt


@dataclass(frozen=True)
class Progress:
    """A member's progress in a course as it is now: a lesson added after they finished
    counts as not done (their certificate, given then, stays valid)."""

    lessons_done: int = 0
    lessons_total: int = 0
    quizzes_passed: int = 0
    quizzes_total: int = 0
    percent: int = 0
    complete: bool = False
    # The first lesson of the course (in its order) the learner has not done yet; None when
    # every lesson is done or the course has none.
    next_lesson: Lesson | None = None
    # For the outline: the ids of the lessons done and of the quizzes passed.
    done_lesson_ids: frozenset = field(default_factory=frozenset)
    passed_quiz_ids: frozenset = field(default_factory=frozenset)
    # The course's lessons in order (module and course attached), for the pages that need
    # them (outline, previous and next) without asking again.
    lessons: tuple = ()
    # The quiz of each module that has one: {module id: quiz id}.
    quiz_of_module: dict = field(default_factory=dict)

    @property
    def started(self) -> bool:
        return bool(self.lessons_done or self.quizzes_passed)


def _is_member(member) -> bool:
    return member is not None and getattr(member, "is_authenticated", False)


def ordered_lessons(course: Course, *, member=None):
    """The course's lessons in the order learners take them (by module order, then lesson
    order), each with ``done`` for ``member`` (False for a visitor): one query. Titles
    only: the lesson's text is read by the lesson page alone."""
    lessons = (
        Lesson.objects.filter(module__course=course)
        .select_related("module")
        .defer(*_deferred_lesson_fields())
        .order_by("module__order", "module_id", "order", "id")
    )
    if _is_member(member):
        lessons = lessons.annotate(
            done=Exists(LessonCompletion.objects.filter(member=member, lesson=OuterRef("pk")))
        )
    lessons = list(lessons)
    for lesson in lessons:
        lesson.module.course = course
        if not _is_member(member):
            lesson.done = False
    return lessons


def _deferred_lesson_fields():
    """The lesson's body in every language: long, and not needed for an outline."""
    return [f.name for f in Lesson._meta.concrete_fields if f.name.startswith("body")]


def course_progress(member, course: Course, *, lessons=None) -> Progress:
    """``member``'s progress in ``course``: two queries (one if ``lessons`` comes from
    ``ordered_lessons`` for the same member), whatever the size of the course and the
    number of attempts. For a visitor, nothing is done."""
    if lessons is None:
        lessons = ordered_lessons(course, member=member)
    quizzes = Quiz.objects.filter(module__course=course).order_by()
    if _is_member(member):
        quizzes = quizzes.annotate(passed=Exists(passed_attempts(member)))
        quiz_rows = list(quizzes.values_list("pk", "module_id", "passed"))
    else:
        quiz_rows = [(pk, module, False) for pk, module in quizzes.values_list("pk", "module_id")]
    done_ids = frozenset(lesson.pk for lesson in lessons if lesson.done)
    passed_ids = frozenset(pk for pk, _module, passed in quiz_rows if passed)
    return Progress(
        **_counts(len(done_ids), len(lessons), len(passed_ids), len(quiz_rows)),
        next_lesson=next((lesson for lesson in lessons if not lesson.done), None),
        done_lesson_ids=done_ids,
        passed_quiz_ids=passed_ids,
        lessons=tuple(lessons),
        quiz_of_module={module: pk for pk, module, _passed in quiz_rows},
    )


def passed_attempts(member):
    """``member``'s passed attempts at the quiz of the outer query (for ``Exists``)."""
    return QuizAttempt.objects.filter(member=member, quiz=OuterRef("pk"), passed=True)


def progress_of_courses(member, courses) -> dict[int, Progress]:
    """``member``'s progress in each of ``courses`` (a page of them), by course id: two
    grouped queries, whatever the number of courses, lessons and attempts. Counts only:
    no lessons, no next lesson (the course's own page has them)."""
    ids = [course.pk for course in courses]
    if not ids:
        return {}
    done = Exists(LessonCompletion.objects.filter(member=member, lesson=OuterRef("pk")))
    lessons = (
        Lesson.objects.filter(module__course__in=ids)
        .values("module__course")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(done)))
        .order_by()
    )
    quizzes = (
        Quiz.objects.filter(module__course__in=ids)
        .values("module__course")
        .annotate(total=Count("pk"), passed=Count("pk", filter=Q(Exists(passed_attempts(member)))))
        .order_by()
    )
    counts = {pk: [0, 0, 0, 0] for pk in ids}  # lessons done, lessons, passed, quizzes
    for row in lessons:
        counts[row["module__course"]][0:2] = [row["done"], row["total"]]
    for row in quizzes:
        counts[row["module__course"]][2:4] = [row["passed"], row["total"]]
    return {pk: Progress(**_counts(*numbers)) for pk, numbers in counts.items()}


def _counts(lessons_done: int, lessons_total: int, quizzes_passed: int, quizzes_total: int):
    """The counts of a ``Progress``, with its percent (lessons and quizzes together,
    rounded down) and whether it is complete (a course with nothing in it never is)."""
    total = lessons_total + quizzes_total
    reached = lessons_done + quizzes_passed
    return {
        "lessons_done": lessons_done,
        "lessons_total": lessons_total,
        "quizzes_passed": quizzes_passed,
        "quizzes_total": quizzes_total,
        "percent": (100 * reached) // total if total else 0,
        "complete": bool(total) and reached == total,
    }


def record_visit(*, member, lesson: Lesson) -> None:
    """Remember that ``member`` opened ``lesson`` (their "Continue where I left off"),
    enrolling them in its course on their first visit: one statement."""
    if not _is_member(member):
        return
    Enrolment.objects.bulk_create(
        [Enrolment(member=member, course_id=lesson.module.course_id, last_lesson=lesson)],
        update_conflicts=True,
        unique_fields=["member", "course"],
        update_fields=["last_lesson", "last_seen"],
    )


@transaction.atomic
def mark_lesson_done(*, member, lesson: Lesson) -> Progress:
    """``member`` has done ``lesson`` (doing it twice changes nothing). When that completes
    the course, the enrolment is marked completed and the certificate given."""
    LessonCompletion.objects.bulk_create(
        [LessonCompletion(member=member, lesson=lesson)], ignore_conflicts=True
    )
    record_visit(member=member, lesson=lesson)
    return update_completion(member=member, course=lesson.module.course)


@transaction.atomic
def update_completion(*, member, course: Course) -> Progress:
    """Bring the member's enrolment in line with their progress (completed or not: a lesson
    added later reopens the course for them) and give the certificate when the course is
    complete. Called after a lesson is done and after a quiz is passed."""
    progress = course_progress(member, course)
    enrolments = Enrolment.objects.filter(member=member, course=course)
    if progress.complete:
        enrolments.filter(completed_at__isnull=True).update(completed_at=timezone.now())
        from learning.certificates import issue_if_complete

        issue_if_complete(member=member, course=course)
    else:
        enrolments.filter(completed_at__isnull=False).update(completed_at=None)
    return progress


def continue_link(member):
    """``(course, lesson)`` to take ``member`` back where they left off: their most recent
    enrolment in a published course not completed yet, at the last lesson they opened (or
    the course's first lesson). None when there is none. Two queries at most."""
    if not _is_member(member):
        return None
    enrolment = (
        Enrolment.objects.filter(member=member, completed_at__isnull=True, course__published=True)
        .select_related("course", "last_lesson__module")
        .order_by("-last_seen", "-id")
        .first()
    )
    if enrolment is None:
        return None
    course = enrolment.course
    lesson = enrolment.last_lesson
    if lesson is None or lesson.module.course_id != course.pk:
        lesson = first_lesson(course)
        if lesson is None:
            return None
    lesson.module.course = course
    return course, lesson


def first_lesson(course: Course) -> Lesson | None:
    """The course's first lesson, the one visitors may read: one query."""
    lesson = (
        Lesson.objects.filter(module__course=course)
        .select_related("module")
        .order_by("module__order", "module_id", "order", "id")
        .first()
    )
    if lesson is not None:
        lesson.module.course = course
    return lesson


def course_access(member, course: Course) -> bool:
    """Anyone reads a published course's outline; staff read unpublished ones too."""
    return course.published or bool(_is_member(member) and member.is_staff)


def lesson_access(member, lesson: Lesson, *, first_lesson_id: int | None = None) -> bool:
    """Who may read ``lesson``: a visitor, the first lesson of a published course only; a
    member, every lesson of a published course; staff, unpublished courses too (preview).
    ``first_lesson_id`` saves the query finding the first lesson when the caller knows it."""
    course = lesson.module.course
    if _is_member(member) and member.is_staff:
        return True
    if not course.published:
        return False
    if _is_member(member):
        return True
    if first_lesson_id is None:
        first = first_lesson(course)
        first_lesson_id = first.pk if first else None
    return lesson.pk == first_lesson_id
