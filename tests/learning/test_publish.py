"""Publishing a course: only once every lesson has its text in at least one language and
every quiz can be passed, saying what is missing; unpublishing keeps what learners earned.
And the order of modules, lessons, questions and answers, moved one place at a time."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learning import services
from learning.models import Certificate, Choice, Course, Lesson, Module, Question, Quiz
from learning.progress import lesson_access
from tests.factories import CourseFactory, LessonFactory, MemberFactory, ModuleFactory
from tests.html import tr

pytestmark = pytest.mark.django_db


def draft_course(lessons: int = 2, **kwargs) -> Course:
    """An unpublished course of one module holding ``lessons`` lessons with text."""
    course = CourseFactory(published=False, published_at=None, **kwargs)
    module = ModuleFactory(course=course, title="Pourquoi les autorités locales", order=1)
    for number in range(lessons):
        LessonFactory(module=module, title=f"Leçon {number + 1}", order=number + 1)
    return course


def quiz_for(module: Module, *, questions: int = 1) -> Quiz:
    quiz = Quiz.objects.create(module=module, introduction="Vérifiez.", pass_mark=50)
    for number in range(questions):
        question = Question.objects.create(quiz=quiz, text=f"Question {number + 1} ?", order=number)
        Choice.objects.create(question=question, text="Oui", correct=True, order=1)
        Choice.objects.create(question=question, text="Non", correct=False, order=2)
    return quiz


class TestPublish:
    def test_staff_publish_a_complete_course(self, staff):
        course = draft_course()
        quiz_for(course.modules.get())

        services.publish_course(course=course, by=staff)

        course.refresh_from_db()
        assert course.published is True
        assert course.published_at is not None
        assert Course.objects.published().filter(pk=course.pk).exists()

    def test_the_history_says_who_published_and_why(self, staff):
        course = draft_course()

        services.publish_course(course=course, by=staff)

        latest = Course.history.filter(id=course.pk).first()
        assert latest.published is True
        assert latest.history_user == staff
        assert latest.history_change_reason == tr("Published")

    def test_a_lesson_without_text_in_any_language_is_named(self, staff):
        course = draft_course()
        LessonFactory(module=course.modules.get(), title="Les résultats attendus", body="", order=9)

        with pytest.raises(services.CourseError) as refusal:
            services.publish_course(course=course, by=staff)

        assert "Les résultats attendus" in str(refusal.value)
        assert "Leçon 1" not in str(refusal.value)
        course.refresh_from_db()
        assert course.published is False
        assert course.published_at is None

    def test_blanks_are_no_text(self, staff):
        course = draft_course(lessons=1)
        Lesson.objects.filter(module__course=course).update(
            body_fr="  \n\t ", body_en="", body_es=None
        )

        with pytest.raises(services.CourseError):
            services.publish_course(course=course, by=staff)

    def test_text_in_one_language_is_enough(self, staff):
        course = draft_course(lessons=1)
        Lesson.objects.filter(module__course=course).update(
            body_fr="", body_en=None, body_es="Las autoridades locales…"
        )

        services.publish_course(course=course, by=staff)

        course.refresh_from_db()
        assert course.published is True

    def test_a_course_without_lessons_is_refused(self, staff):
        course = CourseFactory(published=False, published_at=None)

        with pytest.raises(services.CourseError) as refusal:
            services.publish_course(course=course, by=staff)

        assert refusal.value.problems == [
            tr("The course has no lesson yet: add a module and its lessons.")
        ]

    def test_a_quiz_that_cannot_be_passed_is_refused(self, staff):
        course = draft_course()
        module = course.modules.get()
        empty_module = ModuleFactory(course=course, title="Les critères", order=2)
        LessonFactory(module=empty_module)
        Quiz.objects.create(module=empty_module)  # no question
        quiz = quiz_for(module, questions=2)
        no_answer = quiz.questions.get(order=0)
        no_answer.choices.update(correct=False)
        two_answers = quiz.questions.get(order=1)
        two_answers.choices.update(correct=True)

        with pytest.raises(services.CourseError) as refusal:
            services.publish_course(course=course, by=staff)

        problems = refusal.value.problems
        assert len(problems) == 3
        assert "Les critères" in problems[0]
        assert "Question 1 ?" in problems[1]
        assert "Question 2 ?" in problems[2]
        course.refresh_from_db()
        assert course.published is False

    def test_a_several_answer_question_may_have_several_correct(self, staff):
        course = draft_course()
        quiz = quiz_for(course.modules.get())
        question = quiz.questions.get()
        question.kind = "multiple"
        question.save()
        question.choices.update(correct=True)

        services.publish_course(course=course, by=staff)

        course.refresh_from_db()
        assert course.published is True

    def test_many_lessons_without_text_are_counted_not_all_named(self, staff):
        course = draft_course(lessons=0)
        module = course.modules.get()
        for number in range(15):
            LessonFactory(module=module, title=f"Vide {number:02d}", body="", order=number)

        with pytest.raises(services.CourseError) as refusal:
            services.publish_course(course=course, by=staff)

        message = str(refusal.value)
        assert "Vide 00" in message and "Vide 09" in message
        assert "Vide 10" not in message
        assert tr("and %(count)d more") % {"count": 5} in message

    def test_checking_takes_the_same_queries_for_a_small_and_a_large_course(self):
        def queries(lessons: int) -> int:
            course = draft_course(lessons=lessons)
            module = course.modules.get()
            quiz_for(module, questions=lessons)
            Lesson.objects.filter(module=module).update(body_fr="", body_en=None, body_es=None)
            with CaptureQueriesContext(connection) as captured:
                services.publishing_problems(course)
            return len(captured)

        assert queries(3) == queries(40)

    def test_members_cannot_publish(self):
        course = draft_course()

        with pytest.raises(services.NotPermitted):
            services.publish_course(course=course, by=MemberFactory())

        course.refresh_from_db()
        assert course.published is False

    def test_publishing_a_published_course_changes_nothing(self, staff):
        course = CourseFactory()
        published_at = course.published_at
        versions = Course.history.filter(id=course.pk).count()

        services.publish_course(course=course, by=staff)

        course.refresh_from_db()
        assert course.published_at == published_at
        assert Course.history.filter(id=course.pk).count() == versions


class TestUnpublish:
    def test_learners_no_longer_read_it_but_keep_their_certificate(self, staff):
        course = draft_course()
        services.publish_course(course=course, by=staff)
        learner = MemberFactory()
        lesson = Lesson.objects.filter(module__course=course).first()
        certificate = Certificate.objects.create(member=learner, course=course, name="Awa Diop")
        assert lesson_access(learner, lesson)

        services.unpublish_course(course=course, by=staff)

        lesson = Lesson.objects.select_related("module__course").get(pk=lesson.pk)
        assert lesson.module.course.published is False
        assert not lesson_access(learner, lesson)
        assert lesson_access(staff, lesson)  # staff still preview it
        assert Certificate.objects.filter(pk=certificate.pk, code=certificate.code).exists()
        latest = Course.history.filter(id=course.pk).first()
        assert latest.history_change_reason == tr("Unpublished")

    def test_published_again_it_keeps_its_first_date(self, staff):
        course = draft_course()
        services.publish_course(course=course, by=staff)
        course.refresh_from_db()
        first = course.published_at

        services.unpublish_course(course=course, by=staff)
        course.refresh_from_db()
        assert course.published_at == first
        services.publish_course(course=course, by=staff)

        course.refresh_from_db()
        assert course.published is True
        assert course.published_at == first < timezone.now()

    def test_members_cannot_unpublish(self):
        course = CourseFactory()

        with pytest.raises(services.NotPermitted):
            services.unpublish_course(course=course, by=MemberFactory())

        course.refresh_from_db()
        assert course.published is True

    def test_a_deleted_course_is_refused_clearly(self, staff):
        course = CourseFactory()
        Course.objects.filter(pk=course.pk).delete()

        with pytest.raises(services.CourseError) as refusal:
            services.unpublish_course(course=course, by=staff)

        assert str(refusal.value) == tr("This course no longer exists.")


class TestMove:
    def orders(self, queryset):
        return list(queryset.order_by("order", "id").values_list("title", flat=True))

    def test_a_lesson_moves_up_and_down(self, staff):
        course = draft_course(lessons=3)
        module = course.modules.get()
        third = module.lessons.get(title="Leçon 3")

        assert services.move(item=third, direction="up", by=staff) is True
        assert self.orders(module.lessons) == ["Leçon 1", "Leçon 3", "Leçon 2"]
        assert services.move(item=third, direction="up", by=staff) is True
        assert self.orders(module.lessons) == ["Leçon 3", "Leçon 1", "Leçon 2"]
        assert services.move(item=third, direction="down", by=staff) is True
        assert self.orders(module.lessons) == ["Leçon 1", "Leçon 3", "Leçon 2"]

    def test_the_first_does_not_move_up_nor_the_last_down(self, staff):
        course = draft_course(lessons=2)
        module = course.modules.get()

        assert (
            services.move(item=module.lessons.get(title="Leçon 1"), direction="up", by=staff)
            is False
        )
        assert (
            services.move(item=module.lessons.get(title="Leçon 2"), direction="down", by=staff)
            is False
        )
        assert self.orders(module.lessons) == ["Leçon 1", "Leçon 2"]

    def test_equal_orders_are_numbered_as_shown(self, staff):
        course = draft_course(lessons=3)
        module = course.modules.get()
        module.lessons.update(order=0)  # shown in the order they were written
        last = module.lessons.order_by("id").last()

        services.move(item=last, direction="up", by=staff)

        assert list(module.lessons.order_by("order").values_list("title", "order")) == [
            ("Leçon 1", 1),
            ("Leçon 3", 2),
            ("Leçon 2", 3),
        ]

    def test_modules_move_within_their_course_only(self, staff):
        course = draft_course()
        second = ModuleFactory(course=course, title="Les résultats attendus", order=2)
        elsewhere = ModuleFactory(title="Ailleurs", order=0)

        services.move(item=second, direction="up", by=staff)

        assert self.orders(course.modules) == [
            "Les résultats attendus",
            "Pourquoi les autorités locales",
        ]
        elsewhere.refresh_from_db()
        assert elsewhere.order == 0
        assert Module.history.filter(id=second.pk).first().history_user == staff

    def test_answers_move_within_their_question(self, staff):
        course = draft_course()
        question = quiz_for(course.modules.get()).questions.get()
        no = question.choices.get(text="Non")

        services.move(item=no, direction="up", by=staff)

        assert list(question.choices.order_by("order").values_list("text", flat=True)) == [
            "Non",
            "Oui",
        ]

    def test_members_cannot_move(self):
        course = draft_course()

        with pytest.raises(services.NotPermitted):
            services.move(item=course.modules.get(), direction="up", by=MemberFactory())
