"""Who reads what: a visitor reads every published course's outline and its first lesson
only (invited to log in or join, free, for the others); a member every lesson of a
published course; a facilitator as any member; staff also the courses not published
(preview), without it counting as learning."""

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse

from learning.models import Cohort, Enrolment, LessonCompletion
from learning.progress import lesson_access
from tests.factories import CourseFactory, LessonFactory, MemberFactory, ModuleFactory
from tests.html import find, find_all, parse, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    course = CourseFactory(slug="open")
    first_module = ModuleFactory(course=course, order=1)
    draft = CourseFactory(slug="draft", published=False, published_at=None)
    draft_lesson = LessonFactory(module=ModuleFactory(course=draft), slug="draft-lesson")
    return SimpleNamespace(
        course=course,
        first=LessonFactory(module=first_module, order=1, slug="first"),
        second=LessonFactory(module=first_module, order=2, slug="second"),
        later=LessonFactory(module=ModuleFactory(course=course, order=2), order=0, slug="later"),
        draft=draft,
        draft_lesson=draft_lesson,
    )


def lesson(slug, course="open", language="en"):
    return f"/{language}/learning/{course}/lessons/{slug}/"


def done(slug, course="open"):
    return reverse("learning:lesson_done", kwargs={"course": course, "slug": slug})


def test_a_visitor_reads_the_catalogue_the_outline_and_the_first_lesson(client, world):
    assert client.get("/en/learning/").status_code == 200
    assert client.get("/en/learning/open/").status_code == 200
    response = client.get(lesson("first"))
    assert response.status_code == 200
    assert not find_all(parse(response), "form", action=done("first"))  # nothing to mark


@pytest.mark.parametrize("slug", ["second", "later"])
def test_a_visitor_is_invited_to_log_in_or_join_for_the_other_lessons(client, world, slug):
    response = client.get(lesson(slug))
    assert response.status_code == 403
    page = parse(response)
    invitation = find(page, "section", "login-invitation")
    links = [a.attrs["href"] for a in find_all(invitation, "a")]
    assert f"/en/accounts/login/?next=/en/learning/open/lessons/{slug}/" in links
    assert "/en/accounts/signup/" in links
    assert lesson("first") in links  # the lesson they may read
    assert "free" in text(invitation)
    assert world.second.body not in response.content.decode()


def test_a_visitor_cannot_mark_a_lesson_done_nor_see_my_courses(client, world):
    response = client.post(done("first"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not LessonCompletion.objects.exists()
    response = client.get("/en/learning/mine/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_nobody_but_staff_sees_a_course_not_published(client, member, world):
    for who in (None, member):
        if who:
            client.force_login(who)
        assert client.get("/en/learning/draft/").status_code == 404
        assert client.get(lesson("draft-lesson", "draft")).status_code == 404
        assert "draft" not in text(parse(client.get("/en/learning/")))
    assert client.post(done("draft-lesson", "draft")).status_code == 404


def test_a_member_reads_every_lesson_and_marks_them_done(client, member, world):
    client.force_login(member)
    for slug in ("first", "second", "later"):
        response = client.get(lesson(slug))
        assert response.status_code == 200, slug
        assert find(parse(response), "form", action=done(slug))
    assert client.post(done("later")).status_code == 302
    assert LessonCompletion.objects.filter(member=member, lesson=world.later).exists()


def test_mark_as_done_takes_only_a_post(client, member, world):
    client.force_login(member)
    assert client.get(done("first")).status_code == 405
    assert not LessonCompletion.objects.exists()


def test_a_facilitator_reads_as_a_member(client, world):
    facilitator = MemberFactory()
    today = datetime.date.today()
    Cohort.objects.create(
        course=world.course,
        name="Printemps",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=30),
        facilitator=facilitator,
    )
    client.force_login(facilitator)
    assert client.get(lesson("later")).status_code == 200
    assert client.get(lesson("draft-lesson", "draft")).status_code == 404


def test_staff_preview_a_course_not_published_without_enrolling(client, staff, world):
    client.force_login(staff)
    response = client.get("/en/learning/draft/")
    assert response.status_code == 200
    assert "not published" in text(find(parse(response), "p", "notice"))
    response = client.get(lesson("draft-lesson", "draft"))
    assert response.status_code == 200
    assert not find_all(parse(response), "form", action=done("draft-lesson", "draft"))
    assert not Enrolment.objects.filter(member=staff).exists()
    assert client.post(done("draft-lesson", "draft")).status_code == 404


def test_the_rule_itself(member, staff, world):
    anonymous = SimpleNamespace(is_authenticated=False, is_staff=False)
    assert lesson_access(anonymous, world.first)
    assert lesson_access(None, world.first)
    assert not lesson_access(anonymous, world.second)
    assert not lesson_access(anonymous, world.draft_lesson)  # the first of a draft course
    assert lesson_access(member, world.later)
    assert not lesson_access(member, world.draft_lesson)
    assert lesson_access(staff, world.draft_lesson)
