"""A quiz and its certificate in a real Chromium, on a phone-sized screen: a member fails a
module's quiz, tries again and passes, which completes the course; their certificate's
print button works under the Content-Security-Policy; a visitor checks the code. Every
page passes axe with no serious violation, and none breaks the policy."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from learning.models import Certificate, QuestionKind
from learning.progress import mark_lesson_done
from tests.browser import axe
from tests.factories import (
    ChoiceFactory,
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    QuestionFactory,
    QuizFactory,
    verified_member,
)
from tests.html import tr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # MemberFactory's

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push({page: location.pathname, directive: event.violatedDirective});
});
"""


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate limits live in the cache table, which a transactional test does not empty."""
    cache.clear()
    yield
    cache.clear()


def label(message: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(tr(message))}[\s\u00a0\u202f]*:?$")


def checked(page) -> None:
    """The page passes axe with no serious violation and broke no policy so far."""
    found = axe.violations(page)
    assert not axe.serious(found), axe.report(found)
    assert page.evaluate("window.cspViolations") == []


def test_fail_retry_pass_print_the_certificate_and_check_it(live_server, browser):
    course = CourseFactory(title="Migration et développement local")
    module = ModuleFactory(course=course, title="Pourquoi les autorités locales")
    lesson = LessonFactory(module=module)
    quiz = QuizFactory(module=module, pass_mark=100)
    where = QuestionFactory(quiz=quiz, kind=QuestionKind.SINGLE, text="Où agir ?")
    ChoiceFactory(question=where, text="Au niveau local", correct=True, feedback="Oui.")
    ChoiceFactory(question=where, text="Nulle part", feedback="Relisez la leçon.")
    who = QuestionFactory(quiz=quiz, kind=QuestionKind.MULTIPLE, text="Avec qui ?")
    ChoiceFactory(question=who, text="Les autorités locales", correct=True)
    ChoiceFactory(question=who, text="La société civile", correct=True)
    ChoiceFactory(question=who, text="Personne")
    member = verified_member(name="Amina Diallo")
    mark_lesson_done(member=member, lesson=lesson)

    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/fr/accounts/login/")
    page.get_by_label(label("Email")).fill(member.email)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=tr("Log in")).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    # A first try, wrong: the result says so, with the feedback of the answer chosen.
    page.goto(f"{live_server.url}/fr/learning/{course.slug}/modules/{module.pk}/quiz/")
    checked(page)
    page.get_by_label("Nulle part").check()
    page.get_by_role("button", name=tr("Check my answers")).click()
    expect(page.locator(".quiz-score h2")).to_have_text(tr("Not passed yet"))
    expect(page.locator(".feedback")).to_have_text("Relisez la leçon.")
    checked(page)

    # Again, right: passed, and the course is complete.
    page.get_by_role("link", name=tr("Try the quiz again")).click()
    page.get_by_label("Au niveau local").check()
    page.get_by_label("Les autorités locales").check()
    page.get_by_label("La société civile").check()
    page.get_by_role("button", name=tr("Check my answers")).click()
    expect(page.locator(".quiz-score h2")).to_have_text(tr("Passed"))
    checked(page)
    page.get_by_role("link", name=tr("See your certificate")).click()

    # The certificate: the print button is there (its script ran under the policy).
    certificate = Certificate.objects.get(member=member)
    expect(page.locator(".certificate .learner-name")).to_have_text("Amina Diallo")
    button = page.get_by_role("button", name=tr("Print or save as PDF"))
    expect(button).to_be_visible()
    page.evaluate("window.print = () => { window.printed = true; }")
    button.click()
    assert page.evaluate("window.printed") is True
    page.emulate_media(media="print")
    expect(button).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    page.emulate_media(media="screen")
    checked(page)

    # A visitor types the code as printed, in lower case.
    visitor = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    visitor.add_init_script(RECORD_VIOLATIONS)
    other = visitor.new_page()
    other.goto(f"{live_server.url}/fr/learning/certificates/")
    checked(other)
    other.get_by_label(label("Verification code")).fill("XXXX-XXXX-XXXX")
    other.get_by_role("button", name=tr("Check"), exact=True).click()
    expect(other.locator("main [role=alert]")).to_be_visible()
    checked(other)
    other.get_by_label(label("Verification code")).fill(certificate.code.lower())
    other.get_by_role("button", name=tr("Check"), exact=True).click()
    expect(other.locator("dd.learner-name")).to_have_text("Amina Diallo")
    expect(other.locator("dd.course-title")).to_have_text("Migration et développement local")
    checked(other)
    visitor.close()
    context.close()
