"""Cohorts in a real Chromium, on a phone-sized screen, without JavaScript needed: a member
joins a cohort from the course's page; its facilitator sees them on the cohort's page and
writes to the cohort. axe finds no serious accessibility violation on these pages."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from common.models import OutgoingEmail
from learning.models import Cohort, Enrolment
from tests.browser import axe
from tests.factories import CourseFactory, LessonFactory, ModuleFactory, verified_member
from tests.html import tr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # MemberFactory's


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits live in the cache table, which a transactional test does not empty."""
    cache.clear()
    yield
    cache.clear()


def label(message: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(tr(message))}[\s\u00a0\u202f]*:?$")


def log_in(page, live_server, member):
    page.goto(f"{live_server.url}/fr/accounts/login/")
    page.get_by_label(label("Email")).fill(member.email)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=tr("Log in")).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def log_out(page):
    page.get_by_role("button", name=tr("Log out")).click()


def check_accessible(page, where: str) -> None:
    found = axe.serious(axe.violations(page))
    assert not found, f"{where}:\n{axe.report(found)}"


def test_a_member_joins_and_the_facilitator_writes_to_the_cohort(live_server, page):
    course = CourseFactory(slug="migration", title="Migration et développement local")
    LessonFactory(module=ModuleFactory(course=course, order=1), title="Le rôle des villes")
    facilitator = verified_member(name="Fatou Facilitatrice")
    today = timezone.localdate()
    cohort = Cohort.objects.create(
        course=course,
        name="Cohorte de Dakar",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=30),
        facilitator=facilitator,
    )
    learner = verified_member(name="Amina Diallo")

    log_in(page, live_server, learner)
    page.goto(f"{live_server.url}/fr/learning/migration/")
    cohorts = page.locator("#cohorts")
    expect(cohorts).to_contain_text("Cohorte de Dakar")
    check_accessible(page, "course page with its cohorts")
    join = tr("Join “%(name)s”").replace("%(name)s", "Cohorte de Dakar")
    cohorts.get_by_role("button", name=join).click()
    expect(page.locator(".messages")).to_contain_text("Cohorte de Dakar")
    expect(
        page.locator("#cohorts").get_by_role("button", name=tr("Leave this cohort"))
    ).to_be_visible()
    assert Enrolment.objects.get(member=learner).cohort == cohort
    check_accessible(page, "course page, in a cohort")
    log_out(page)

    log_in(page, live_server, facilitator)
    page.goto(f"{live_server.url}/fr/learning/migration/")
    page.locator("#cohorts").get_by_role("link", name="Cohorte de Dakar").click()
    expect(page.locator("table")).to_contain_text("Amina Diallo")
    check_accessible(page, "the cohort's page")
    page.get_by_role("link", name=tr("Write to the learners")).click()
    check_accessible(page, "the email form")
    page.get_by_label(label("Subject")).fill("Séance de jeudi")
    page.get_by_label(label("Message")).fill("Nous parlerons du module 1.")
    page.get_by_role("button", name=tr("Send")).click()
    expect(page).to_have_url(re.compile(rf"/fr/learning/cohorts/{cohort.pk}/$"))
    assert list(OutgoingEmail.objects.values_list("to", flat=True)) == [learner.email]
