"""The seed course in a real Chromium, on a phone-sized screen: a new member opens the
catalogue, starts "Migration et développement local : l’approche de l’ICMD", reads and
marks the first module's two lessons, passes its quiz with the answers the lessons teach,
and sees their progress on the course's page, their profile and the home page. Once the
rest of the course is done, their certificate. Every page passes axe with no serious
violation and breaks no rule of the Content-Security-Policy."""

import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from playwright.sync_api import expect

from learning.models import Certificate, Course, Lesson, Question, Quiz
from learning.progress import course_progress, mark_lesson_done
from learning.quizzes import answer_field, grade
from tests.browser import axe
from tests.factories import verified_member
from tests.html import tr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # MemberFactory's
SLUG = "migration-local-development"

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
    assert not axe.serious(found), f"{page.url}\n{axe.report(found)}"
    assert page.evaluate("window.cspViolations") == []


def right_answers(quiz: Quiz) -> dict[Question, list]:
    """Each question of ``quiz`` with its right answers, in order."""
    questions = quiz.questions.order_by("order").prefetch_related("choices")
    return {
        question: [choice for choice in question.choices.all() if choice.correct]
        for question in questions
    }


def finish_the_course(member, course: Course) -> None:
    """What the member would do in the rest of the course: every lesson read, every quiz
    passed with the right answers (graded by the server like a form sent)."""
    for lesson in Lesson.objects.filter(module__course=course):
        mark_lesson_done(member=member, lesson=lesson)
    for quiz in Quiz.objects.filter(module__course=course).select_related("module__course"):
        sent = {
            answer_field(question.pk): [str(choice.pk) for choice in choices]
            for question, choices in right_answers(quiz).items()
        }
        assert grade(member=member, quiz=quiz, submitted=sent).passed


def test_a_new_member_takes_the_first_module_passes_its_quiz_and_sees_their_progress(
    live_server, browser
):
    call_command("load_seed", verbosity=0)
    course = Course.objects.get(slug=SLUG)
    first, second = Lesson.objects.filter(module__course=course, module__order=1).order_by("order")
    quiz = Quiz.objects.get(module__course=course, module__order=1)
    member = verified_member(name="Amina Diallo")

    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/fr/accounts/login/")
    page.get_by_label(label("Email")).fill(member.email)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=tr("Log in")).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    # The catalogue, then the course: its outline, and a button to start.
    page.goto(f"{live_server.url}/fr/learning/")
    checked(page)
    page.locator("main").get_by_role("link", name=course.title_fr).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(course.title_fr)
    expect(page.locator(".outline-module")).to_have_count(5)
    checked(page)
    page.get_by_role("link", name=tr("Start the course")).click()

    # The first lesson, marked as done, leads to the second; the second to the quiz.
    expect(page.get_by_role("heading", level=1)).to_have_text(first.title_fr)
    expect(page.locator(".lesson-body")).to_contain_text("51 projets menés dans 16 pays")
    expect(page.get_by_role("link", name=tr("Discuss this lesson"))).to_have_attribute(
        "href", course.forum.get_absolute_url()
    )
    checked(page)
    page.get_by_role("button", name=tr("Mark as done")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(second.title_fr)
    expect(page.locator(".lesson-outline li.done")).to_have_count(1)
    checked(page)
    page.get_by_role("button", name=tr("Mark as done")).click()

    # The quiz: the answers the lessons teach pass it; each answer's feedback is shown.
    expect(page).to_have_url(re.compile(rf"/fr/learning/{SLUG}/modules/{quiz.module_id}/quiz/$"))
    checked(page)
    answers = right_answers(quiz)
    assert len(answers) == 4
    for question, choices in answers.items():
        fieldset = page.locator(f"#question-{question.pk}")
        for choice in choices:
            fieldset.get_by_label(choice.text_fr, exact=True).check()
    page.get_by_role("button", name=tr("Check my answers")).click()
    expect(page.locator(".quiz-score h2")).to_have_text(tr("Passed"))
    expect(page.locator(".answered.right")).to_have_count(4)
    first_answer = answers[next(iter(answers))][0]
    expect(page.locator(".feedback").first).to_have_text(first_answer.feedback_fr)
    checked(page)

    # Their progress: 2 lessons of 11 and 1 quiz of 5, 3 steps of 16: 18 %.
    progress = course_progress(member, course)
    assert (progress.lessons_done, progress.quizzes_passed, progress.percent) == (2, 1, 18)
    expect(page.locator(".course-progress")).to_contain_text("18")
    page.get_by_role("link", name=tr("Back to the course")).click()
    expect(page.locator(".course-start progress")).to_have_attribute("value", "18")
    module_one = page.locator(".outline-module").first
    expect(module_one.locator("li.done")).to_have_count(3)  # two lessons and the quiz
    expect(page.locator(".outline-module").nth(1).locator("li.done")).to_have_count(0)
    expect(page.get_by_role("link", name=tr("Continue where I left off"))).to_be_visible()
    checked(page)

    # "Continue where I left off" on their profile and on the home page.
    for path in ("/fr/network/me/", "/fr/"):
        page.goto(f"{live_server.url}{path}")
        link = page.locator(".continue-learning").get_by_role(
            "link", name=tr("Continue where I left off")
        )
        expect(link).to_have_attribute("href", re.compile(rf"^/fr/learning/{SLUG}/lessons/"))
    checked(page)

    # The rest of the course done, the certificate: checked like the other pages.
    finish_the_course(member, course)
    certificate = Certificate.objects.get(member=member, course=course)
    page.goto(f"{live_server.url}/fr/learning/{SLUG}/certificate/")
    expect(page.locator(".certificate .learner-name")).to_have_text("Amina Diallo")
    expect(page.locator(".certificate")).to_contain_text(certificate.code)
    checked(page)
    page.goto(f"{live_server.url}{certificate.get_absolute_url()}")
    expect(page.locator("dd.course-title")).to_have_text(course.title_fr)
    checked(page)
    context.close()
