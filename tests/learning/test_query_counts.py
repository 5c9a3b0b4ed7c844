"""The catalogue, a course's page, a lesson's page and the member's courses (their progress)
run a fixed number of SQL queries, whatever the number of courses, lessons, learners and
attempts."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learning.models import (
    Course,
    Enrolment,
    Lesson,
    LessonCompletion,
    Module,
    Quiz,
    QuizAttempt,
)
from library.models import Resource
from projects.models import Project
from tests.factories import (
    CourseFactory,
    LessonFactory,
    MemberFactory,
    ModuleFactory,
    PhaseFactory,
    ProjectFactory,
    ResourceFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, member):
    course = CourseFactory(slug="main")
    module = ModuleFactory(course=course, order=0)
    lesson = LessonFactory(module=module, order=0, slug="main-lesson")
    return SimpleNamespace(
        member=member,
        course=course,
        module=module,
        lesson=lesson,
        themes=ThemeFactory.create_batch(3),
    )


def grow(world, size: int) -> None:
    """``size`` more of everything: courses (with themes and modules), lessons and quizzes
    in the main course, downloads and cases for its lesson, learners who did its lessons
    and tried its quizzes, and the member's own lessons done and attempts."""
    courses = Course.objects.bulk_create(
        CourseFactory.build_batch(size, languages=["fr", "es"]), batch_size=500
    )
    Course.themes.through.objects.bulk_create(
        Course.themes.through(course=course, theme=world.themes[n % 3])
        for n, course in enumerate(courses)
    )
    Module.objects.bulk_create(Module(course=course, title="Module", order=0) for course in courses)
    modules = Module.objects.bulk_create(
        Module(course=world.course, title=f"Module {n}", order=n + 1) for n in range(size)
    )
    quizzes = Quiz.objects.bulk_create(Quiz(module=module) for module in modules)
    lessons = Lesson.objects.bulk_create(
        LessonFactory.build(module=module, order=n) for module in modules for n in range(2)
    )
    learners = MemberFactory.create_batch(size)
    for learner in [*learners, world.member]:
        LessonCompletion.objects.bulk_create(
            LessonCompletion(member=learner, lesson=lesson) for lesson in lessons[::2]
        )
        QuizAttempt.objects.bulk_create(
            QuizAttempt(member=learner, quiz=quiz, score=50, passed=n % 2 == 0)
            for n, quiz in enumerate(quizzes)
            for _try in range(2)
        )
        Enrolment.objects.get_or_create(member=learner, course=world.course)
    Enrolment.objects.bulk_create(
        Enrolment(member=world.member, course=course) for course in courses[:30]
    )
    phase = PhaseFactory()
    world.lesson.projects.add(
        *Project.objects.bulk_create(ProjectFactory.build_batch(size, phase=phase))
    )
    world.lesson.resources.add(*Resource.objects.bulk_create(ResourceFactory.build_batch(size)))
    tables = [Course, Module, Lesson, Quiz, QuizAttempt, LessonCompletion, Enrolment]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(model._meta.db_table for model in tables))


PAGES = {
    "catalogue": "/fr/learning/",
    "filtered catalogue": "/fr/learning/?language=fr&level=introductory&q=cours&sort=title",
    "course": "/fr/learning/main/",
    "lesson": "/fr/learning/main/lessons/main-lesson/",
    "my courses": "/fr/learning/mine/",
    "home": "/fr/",
}
MEMBER_ONLY = {"my courses"}


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("who", ["visitor", "member"])
@pytest.mark.parametrize("page", PAGES)
def test_queries_do_not_grow_with_courses_lessons_learners_and_attempts(client, world, page, who):
    if who == "visitor" and page in MEMBER_ONLY:
        pytest.skip("a member's page")
    if who == "member":
        client.force_login(world.member)
    url = PAGES[page]
    grow(world, 3)
    client.get(url)  # caches warmed (the home page's blocks, the session)
    few = count_queries(client, url)
    grow(world, 25)
    client.get(url)
    many = count_queries(client, url)
    assert many == few, f"{page} for a {who}: {few} queries, then {many}"
    assert few <= 16, f"{page} for a {who}: {few} queries"
