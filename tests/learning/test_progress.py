"""A learner's progress: lessons done, quizzes passed, percent, what comes next, where they
left off, completion (the certificate), and a lesson added after they finished."""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from learning.certificates import issue_if_complete
from learning.models import Certificate, Enrolment, LessonCompletion, QuizAttempt
from learning.progress import (
    continue_link,
    course_progress,
    mark_lesson_done,
    progress_of_courses,
    record_visit,
    update_completion,
)
from tests.factories import CourseFactory, LessonFactory, MemberFactory, ModuleFactory, QuizFactory
from tests.html import find, parse, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(db):
    """Two modules: the first with lessons a, b and a quiz, the second with lesson c."""
    course = CourseFactory(slug="course", title_en="The course")
    one = ModuleFactory(course=course, order=1)
    two = ModuleFactory(course=course, order=2)
    return SimpleNamespace(
        course=course,
        a=LessonFactory(module=one, order=1),
        b=LessonFactory(module=one, order=2),
        c=LessonFactory(module=two, order=1),
        quiz=QuizFactory(module=one),
        one=one,
        two=two,
    )


def pass_quiz(member, quiz, passed=True):
    return QuizAttempt.objects.create(
        member=member, quiz=quiz, answers={}, score=100 if passed else 0, passed=passed
    )


def test_a_visitor_and_a_new_member_have_done_nothing(member, course):
    for who in (None, member):
        progress = course_progress(who, course.course)
        assert (progress.lessons_done, progress.lessons_total) == (0, 3)
        assert (progress.quizzes_passed, progress.quizzes_total) == (0, 1)
        assert progress.percent == 0 and not progress.complete and not progress.started
        assert progress.next_lesson == course.a


def test_progress_counts_lessons_done_and_quizzes_passed(member, course):
    mark_lesson_done(member=member, lesson=course.a)
    mark_lesson_done(member=member, lesson=course.a)  # twice: once
    pass_quiz(member, course.quiz, passed=False)
    progress = course_progress(member, course.course)
    assert (progress.lessons_done, progress.quizzes_passed, progress.percent) == (1, 0, 25)
    assert progress.next_lesson == course.b

    pass_quiz(member, course.quiz)
    pass_quiz(member, course.quiz)  # passed twice counts once
    mark_lesson_done(member=member, lesson=course.c)
    progress = course_progress(member, course.course)
    assert (progress.lessons_done, progress.quizzes_passed, progress.percent) == (2, 1, 75)
    assert progress.next_lesson == course.b  # the first one not done, in the course's order
    assert progress.done_lesson_ids == {course.a.pk, course.c.pk}
    assert progress.quiz_of_module == {course.one.pk: course.quiz.pk}


def test_another_learner_s_progress_is_their_own(member, course):
    other = MemberFactory()
    mark_lesson_done(member=other, lesson=course.a)
    pass_quiz(other, course.quiz)
    assert course_progress(member, course.course).percent == 0
    assert course_progress(other, course.course).percent == 50


def test_progress_of_several_courses_at_once(member, course):
    empty = CourseFactory()
    other = CourseFactory()
    LessonFactory(module=ModuleFactory(course=other))
    mark_lesson_done(member=member, lesson=course.a)
    pass_quiz(member, course.quiz)
    found = progress_of_courses(member, [course.course, empty, other])
    assert found[course.course.pk].percent == 50
    assert (found[course.course.pk].lessons_done, found[course.course.pk].quizzes_passed) == (1, 1)
    assert found[empty.pk].percent == 0 and not found[empty.pk].complete
    assert (found[other.pk].lessons_done, found[other.pk].lessons_total) == (0, 1)


def test_visiting_a_lesson_enrols_and_remembers_where_the_member_left_off(member, course):
    assert continue_link(member) is None
    record_visit(member=member, lesson=course.b)
    enrolment = Enrolment.objects.get(member=member)
    assert enrolment.course == course.course and enrolment.last_lesson == course.b
    started = enrolment.started
    record_visit(member=member, lesson=course.c)
    enrolment.refresh_from_db()
    assert enrolment.last_lesson == course.c and enrolment.started == started
    assert Enrolment.objects.count() == 1
    assert continue_link(member) == (course.course, course.c)
    assert continue_link(None) is None


def test_continue_goes_to_the_most_recent_course_not_completed(member, course):
    other = CourseFactory(slug="other")
    other_lesson = LessonFactory(module=ModuleFactory(course=other))
    record_visit(member=member, lesson=course.a)
    record_visit(member=member, lesson=other_lesson)
    assert continue_link(member) == (other, other_lesson)
    # The other course completed (its only lesson done): back to the first course.
    mark_lesson_done(member=member, lesson=other_lesson)
    assert continue_link(member) == (course.course, course.a)
    # An unpublished course is not offered.
    course.course.published = False
    course.course.save()
    assert continue_link(member) is None


def test_completing_the_course_marks_the_enrolment_and_gives_the_certificate(member, course):
    for lesson in (course.a, course.b, course.c):
        mark_lesson_done(member=member, lesson=lesson)
    assert not Certificate.objects.exists()  # the quiz is not passed yet
    pass_quiz(member, course.quiz)
    progress = update_completion(member=member, course=course.course)  # as grading does
    assert progress.complete and progress.percent == 100 and progress.next_lesson is None
    assert Enrolment.objects.get(member=member).completed_at is not None
    certificate = Certificate.objects.get(member=member, course=course.course)
    assert certificate.name == member.display_name


def test_the_last_lesson_done_completes_a_course_whose_quizzes_are_passed(member, course):
    pass_quiz(member, course.quiz)
    for lesson in (course.a, course.b):
        mark_lesson_done(member=member, lesson=lesson)
    assert not Certificate.objects.exists()
    progress = mark_lesson_done(member=member, lesson=course.c)
    assert progress.complete
    assert Certificate.objects.filter(member=member, course=course.course).exists()


def test_a_lesson_added_after_a_learner_finished(client, member, course):
    """Their certificate stays valid; their progress shows the new lesson."""
    pass_quiz(member, course.quiz)
    for lesson in (course.a, course.b, course.c):
        mark_lesson_done(member=member, lesson=lesson)
    certificate = Certificate.objects.get(member=member)

    added = LessonFactory(module=course.two, order=2, title_en="What is new")
    progress = course_progress(member, course.course)
    assert (progress.lessons_done, progress.lessons_total) == (3, 4)
    assert not progress.complete and progress.percent == 80 and progress.next_lesson == added
    assert issue_if_complete(member=member, course=course.course) == certificate
    assert Certificate.objects.get(member=member).code == certificate.code

    client.force_login(member)
    page = parse(client.get("/en/learning/course/"))
    start = text(find(page, "section", "course-start"))
    assert "3 of 4 lessons done" in start and "80% done" in start
    assert "See your certificate" in start
    verified = client.get(f"/en/learning/certificates/{certificate.code}/")
    assert verified.status_code == 200

    # Doing the new lesson completes the course again, with the same certificate.
    mark_lesson_done(member=member, lesson=added)
    assert course_progress(member, course.course).complete
    assert list(Certificate.objects.values_list("code", flat=True)) == [certificate.code]


def test_a_lesson_added_reopens_the_enrolment_at_the_next_step(member, course):
    pass_quiz(member, course.quiz)
    for lesson in (course.a, course.b, course.c):
        mark_lesson_done(member=member, lesson=lesson)
    assert Enrolment.objects.get(member=member).completed_at is not None
    added = LessonFactory(module=course.two, order=2)
    update_completion(member=member, course=course.course)
    assert Enrolment.objects.get(member=member).completed_at is None
    record_visit(member=member, lesson=added)
    assert continue_link(member) == (course.course, added)


def test_a_lesson_removed_no_longer_counts(member, course):
    mark_lesson_done(member=member, lesson=course.a)
    course.a.delete()
    progress = course_progress(member, course.course)
    assert (progress.lessons_done, progress.lessons_total) == (0, 2)
    assert not LessonCompletion.objects.exists()


def test_a_course_without_lessons_or_quizzes_is_never_complete(member):
    empty = CourseFactory()
    progress = course_progress(member, empty)
    assert progress.percent == 0 and not progress.complete and progress.next_lesson is None
    assert Enrolment.objects.filter(completed_at__lte=timezone.now()).count() == 0
