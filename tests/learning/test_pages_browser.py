"""The learner's pages in a real Chromium, on a phone-sized screen: a visitor reads a
course's first lesson and is invited to join for the next; a member reads on, marks
lessons done and sees their progress; no page asks anything of another site, and axe finds
no serious accessibility violation on any of them."""

import re
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from learning.models import LessonCompletion
from tests.browser import axe
from tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    ProjectFactory,
    QuizFactory,
    verified_member,
)
from tests.html import tr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # MemberFactory's


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits live in the cache table, which a transactional test does not empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def course(db):
    course = CourseFactory(slug="migration", title="Migration et développement local")
    why = ModuleFactory(course=course, title="Pourquoi les autorités locales", order=1)
    how = ModuleFactory(course=course, title="Comment", order=2)
    first = LessonFactory(
        module=why,
        slug="role",
        title="Le rôle des villes",
        body="## Les villes\n\nLes **autorités locales** sont au plus près des migrants.",
        order=1,
    )
    first.projects.add(ProjectFactory(title="Palmeraie de Figuig", country="MA"))
    LessonFactory(module=why, slug="results", title="Les résultats attendus", order=2)
    LessonFactory(module=how, slug="partners", title="Les partenariats", order=1)
    QuizFactory(module=why)
    return course


def label(message: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(tr(message))}[\s\u00a0\u202f]*:?$")


def log_in(page, live_server, member):
    page.goto(f"{live_server.url}/fr/accounts/login/")
    page.get_by_label(label("Email")).fill(member.email)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=tr("Log in")).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def check_accessible(page, where: str) -> None:
    found = axe.serious(axe.violations(page))
    assert not found, f"{where}:\n{axe.report(found)}"


def test_a_visitor_then_a_member_learn_with_nothing_from_another_site(live_server, page, course):
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    page.goto(f"{live_server.url}/fr/learning/")
    check_accessible(page, "catalogue")
    page.get_by_role("link", name="Migration et développement local").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Migration et développement local")
    check_accessible(page, "course, visitor")
    page.locator(".course-start a.button").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Le rôle des villes")
    expect(page.locator(".lesson-body strong")).to_have_text("autorités locales")
    expect(page.locator(".lesson-cases")).to_contain_text("Palmeraie de Figuig")
    check_accessible(page, "lesson, visitor")
    page.locator(".lesson-steps a[rel=next]").click()
    expect(page.locator(".login-invitation")).to_be_visible()
    check_accessible(page, "login invitation")

    member = verified_member(name="Aminata Diallo")
    log_in(page, live_server, member)
    page.goto(f"{live_server.url}/fr/learning/migration/lessons/role/")
    page.get_by_role("button", name=tr("Mark as done")).click()
    expect(page).to_have_url(re.compile(r"/lessons/results/$"))
    expect(page.locator(".messages")).to_contain_text(tr("Lesson marked as done."))
    check_accessible(page, "lesson, member")
    assert LessonCompletion.objects.filter(member=member).count() == 1

    page.goto(f"{live_server.url}/fr/learning/migration/")
    expect(page.locator(".course-start progress")).to_have_attribute("value", "25")
    expect(page.locator(".course-start a.button")).to_have_attribute(
        "href", "/fr/learning/migration/lessons/results/"
    )
    check_accessible(page, "course, member")
    page.goto(f"{live_server.url}/fr/learning/mine/")
    expect(page.locator(".course-card")).to_contain_text("25")
    check_accessible(page, "my courses")
    page.goto(f"{live_server.url}/fr/")
    expect(page.locator(".continue-learning a.button")).to_have_attribute(
        "href", "/fr/learning/migration/lessons/results/"
    )

    assert hosts == {urlsplit(live_server.url).netloc}, hosts
