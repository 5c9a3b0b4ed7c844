"""Certificates: given once a member has done every lesson and passed every quiz, never
taken back (a lesson added later reopens the progress, not the certificate), shown to
their owner as a printable page, and checkable by anyone with the code (name, course and
date, nothing else; an unknown or altered code is a clear 404)."""

import re
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from learning import certificates
from learning.certificates import issue_if_complete, verify
from learning.models import Certificate, QuestionKind, QuizAttempt
from learning.progress import course_progress, mark_lesson_done
from learning.quizzes import answer_field, grade
from tests.factories import (
    ChoiceFactory,
    CourseFactory,
    LessonFactory,
    MemberFactory,
    ModuleFactory,
    QuestionFactory,
    QuizFactory,
    StaffFactory,
)
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db


def course_with_quiz(**course_fields):
    """A published course: a module of two lessons and a quiz of one question."""
    course = CourseFactory(
        title="Migration et développement local",
        title_en="Migration and local development",
        **course_fields,
    )
    module = ModuleFactory(course=course)
    lessons = LessonFactory.create_batch(2, module=module)
    quiz = QuizFactory(module=module, pass_mark=100)
    question = QuestionFactory(quiz=quiz, kind=QuestionKind.SINGLE)
    right = ChoiceFactory(question=question, correct=True)
    ChoiceFactory(question=question, correct=False)
    return course, lessons, quiz, question, right


def complete(member, course, lessons, quiz, question, right):
    for lesson in lessons:
        mark_lesson_done(member=member, lesson=lesson)
    grade(member=member, quiz=quiz, submitted={answer_field(question.pk): [str(right.pk)]})
    return Certificate.objects.filter(member=member, course=course).first()


@pytest.fixture
def finished():
    """A member who finished a course, and their certificate."""
    course, lessons, quiz, question, right = course_with_quiz()
    member = MemberFactory(name="Fatou Sow", email="fatou@example.org")
    certificate = complete(member, course, lessons, quiz, question, right)
    assert certificate is not None
    return member, course, certificate


def verify_url(code: str) -> str:
    return reverse("learning:verify", kwargs={"code": code})


def certificate_url(course) -> str:
    return reverse("learning:certificate", kwargs={"course": course.slug})


# --- Giving it ---------------------------------------------------------------------------------


def test_nothing_until_every_lesson_is_done_and_every_quiz_passed():
    course, lessons, quiz, question, right = course_with_quiz()
    member = MemberFactory(name="Fatou Sow")

    mark_lesson_done(member=member, lesson=lessons[0])
    assert issue_if_complete(member=member, course=course) is None
    grade(member=member, quiz=quiz, submitted={answer_field(question.pk): [str(right.pk)]})
    assert issue_if_complete(member=member, course=course) is None  # a lesson left
    mark_lesson_done(member=member, lesson=lessons[1])  # gives it

    certificate = Certificate.objects.get()
    assert (certificate.member, certificate.course, certificate.name) == (
        member,
        course,
        "Fatou Sow",
    )
    assert re.fullmatch(r"[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{12}", certificate.code)
    assert issue_if_complete(member=member, course=course) == certificate  # once


def test_a_failed_quiz_gives_no_certificate():
    course, lessons, quiz, question, right = course_with_quiz()
    member = MemberFactory()
    for lesson in lessons:
        mark_lesson_done(member=member, lesson=lesson)
    wrong = question.choices.exclude(pk=right.pk).get()

    grade(member=member, quiz=quiz, submitted={answer_field(question.pk): [str(wrong.pk)]})

    assert not Certificate.objects.exists()


def test_an_unpublished_course_gives_none():
    course, lessons, quiz, question, right = course_with_quiz(published=False)
    member = StaffFactory()  # staff may try an unpublished course, before publishing it

    assert complete(member, course, lessons, quiz, question, right) is None
    assert course_progress(member, course).complete


def test_the_name_is_the_one_at_issue(finished):
    member, course, certificate = finished
    member.name = "Fatou Sow Diop"
    member.save()

    assert issue_if_complete(member=member, course=course).name == "Fatou Sow"
    assert verify(certificate.code).name == "Fatou Sow"


def test_a_lesson_added_later_keeps_the_certificate_and_reopens_the_progress(client, finished):
    member, course, certificate = finished
    module = course.modules.get()

    new_lesson = LessonFactory(module=module)

    progress = course_progress(member, course)
    assert (progress.lessons_done, progress.lessons_total, progress.complete) == (2, 3, False)
    assert progress.next_lesson == new_lesson
    assert issue_if_complete(member=member, course=course) == certificate
    assert verify(certificate.code) == certificate
    response = client.get(verify_url(certificate.code))
    assert response.status_code == 200
    assert "Fatou Sow" in text(find(parse(response), "dd", "learner-name"))
    client.force_login(member)
    assert client.get(certificate_url(course)).status_code == 200

    mark_lesson_done(member=member, lesson=new_lesson)  # done again: still the one certificate
    assert list(Certificate.objects.all()) == [certificate]


def test_a_code_already_taken_is_drawn_again(monkeypatch):
    course, lessons, quiz, question, right = course_with_quiz()
    first = complete(MemberFactory(), course, lessons, quiz, question, right)
    drawn = iter([first.code, "ABCDEFGHJKMN"])
    # The field's default, as Django reads it (the function drawing a random code).
    monkeypatch.setattr(Certificate._meta.get_field("code"), "_get_default", lambda: next(drawn))

    second = complete(MemberFactory(), course, lessons, quiz, question, right)

    assert second.code == "ABCDEFGHJKMN"


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_give_one_certificate():
    course, lessons, quiz, _question, _right = course_with_quiz()
    member = MemberFactory()
    for lesson in lessons:
        mark_lesson_done(member=member, lesson=lesson)
    # The quiz passed, written without asking for the certificate: two requests then ask.
    QuizAttempt.objects.create(member=member, quiz=quiz, answers={}, score=100, passed=True)
    start = threading.Barrier(2)
    given, errors = [], []

    def issue():
        try:
            start.wait()
            given.append(issue_if_complete(member=member, course=course))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Certificate.objects.count() == 1
    assert {c.pk for c in given} == {Certificate.objects.get().pk}


# --- Checking a code ---------------------------------------------------------------------------


def test_anyone_checks_a_valid_code_and_sees_name_course_date_only(client, finished):
    member, course, certificate = finished

    response = client.get(verify_url(certificate.code))

    assert response.status_code == 200
    page = parse(response)
    facts = find(page, "dl", "facts")
    assert text(find(facts, "dd", "learner-name")) == "Fatou Sow"
    assert text(find(facts, "dd", "course-title")) == "Migration et développement local"
    assert text(find(facts, "dd", "issued"))
    assert len(find_all(facts, "dt")) == 4  # name, course, date, code
    html = response.content.decode()
    assert "fatou@example.org" not in html
    assert member.get_absolute_url() not in html
    assert tr("This certificate is genuine.") in text(page)


def test_the_check_is_in_the_visitors_language(client, finished):
    _member, _course, certificate = finished
    with translation.override("en"):
        url = verify_url(certificate.code)

    page = parse(client.get(url))

    assert text(find(page, "dd", "course-title")) == "Migration and local development"


@pytest.mark.parametrize("typed", ["lower", "dashes", "spaces"])
def test_a_code_typed_loosely_leads_to_its_page(client, finished, typed):
    _member, _course, certificate = finished
    code = certificate.code
    loose = {
        "lower": code.lower(),
        "dashes": certificates.display_code(code),
        "spaces": certificates.display_code(code).replace("-", " "),
    }[typed]

    assert verify(loose) == certificate
    response = client.get(reverse("learning:verify_form"), {"code": loose})
    assert response.status_code == 302
    assert response["Location"] == verify_url(code)
    if typed != "spaces":
        response = client.get(verify_url(loose))
        assert response.status_code == 301
        assert response["Location"] == verify_url(code)


def tampered(code: str) -> str:
    """The code with its last character changed for another of the alphabet."""
    last = "A" if code[-1] != "A" else "B"
    return code[:-1] + last


def test_an_unknown_or_tampered_code_is_a_clear_404(client, finished):
    _member, _course, certificate = finished
    for code in (tampered(certificate.code), "ABCDEFGHJKMN"):
        response = client.get(verify_url(code))
        assert response.status_code == 404
        notice = text(find(parse(response), "p", "notice"))
        assert notice == tr(
            "No certificate has this code. Check that it is typed as it is printed."
        )
        assert "Fatou" not in response.content.decode()
        assert verify(code) is None


@pytest.mark.parametrize(
    "code",
    [
        "x",
        "0O1IL0O1IL0O",
        "ABCDEFGHJKMN" * 10,
        "<img src=x onerror=alert(1)>",
        "ÉÉÉÉÉÉÉÉÉÉÉÉ",
        "%00",
    ],
)
def test_a_malformed_code_is_a_404_or_400_never_a_500(client, finished, code):
    assert verify(code) is None
    assert client.get(verify_url(code)).status_code == 404
    response = client.get(reverse("learning:verify_form"), {"code": code})
    assert response.status_code == 400
    assert "<img src=x" not in response.content.decode()


def test_a_malformed_code_costs_no_query():
    with CaptureQueriesContext(connection) as queries:
        assert verify("not a code") is None
    assert len(queries) == 0


def test_the_form_to_type_a_code(client, finished):
    response = client.get(reverse("learning:verify_form"))

    assert response.status_code == 200
    form = find(parse(response), "form", "verify-form")
    assert form.attrs["method"] == "get"
    field = find(form, "input", name="code")
    assert find_all(form, "label", **{"for": field.attrs["id"]})

    unknown = client.get(reverse("learning:verify_form"), {"code": "ABCD-EFGH-JKMN"})
    assert unknown.status_code == 404
    assert find(parse(unknown), "input", name="code").attrs["aria-invalid"] == "true"


# --- The owner's page --------------------------------------------------------------------------


def test_the_owner_sees_a_printable_certificate_with_its_code_and_check_address(client, finished):
    member, course, certificate = finished
    client.force_login(member)

    response = client.get(certificate_url(course))

    assert response.status_code == 200
    page = parse(response)
    article = find(page, "article", "certificate")
    assert text(find(article, "strong", "learner-name")) == "Fatou Sow"
    assert text(find(article, "strong", "course-title")) == "Migration et développement local"
    assert text(find(article, "code")) == certificates.display_code(certificate.code)
    assert text(find(article, "dd", "verify-url")) == "http://testserver" + verify_url(
        certificate.code
    )
    stylesheets = [link.attrs["href"] for link in find_all(page, "link", rel="stylesheet")]
    assert any(href.endswith("css/certificate.css") for href in stylesheets)
    # The print button appears only where its script may run (the page's nonce).
    assert "hidden" in find(page, "button", id="print-certificate").attrs
    script = find(page, "script")
    assert script.attrs["nonce"] and script.attrs["nonce"] in response["Content-Security-Policy"]


def test_a_certificate_page_is_its_owners_only(client, finished):
    member, course, _certificate = finished

    response = client.get(certificate_url(course))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))

    client.force_login(MemberFactory())
    response = client.get(certificate_url(course))
    assert response.status_code == 404
    assert "Fatou" not in response.content.decode()
    assert find(parse(response), "p", "notice")

    client.force_login(member)
    other = CourseFactory()
    assert client.get(certificate_url(other)).status_code == 404


def test_the_owner_sees_their_certificates_on_their_profile_others_do_not(client, finished):
    member, course, _certificate = finished
    client.force_login(member)

    page = parse(client.get(member.get_absolute_url()))

    section = find(page, "section", "own-certificates")
    assert find(section, "a", href=certificate_url(course))

    viewer = MemberFactory()
    client.force_login(viewer)
    assert not find_all(parse(client.get(member.get_absolute_url())), "section", "own-certificates")
    page = parse(client.get(viewer.get_absolute_url()))
    assert not find_all(page, "section", "own-certificates")


def test_the_profile_lists_certificates_in_one_query_whatever_their_number(client):
    member = MemberFactory()
    client.force_login(member)
    counts = []
    for size in (1, 6):
        while Certificate.objects.filter(member=member).count() < size:
            course = CourseFactory()
            Certificate.objects.create(member=member, course=course, name=member.name)
        client.get(member.get_absolute_url())
        with CaptureQueriesContext(connection) as queries:
            page = parse(client.get(member.get_absolute_url()))
        assert len(find_all(find(page, "section", "own-certificates"), "li")) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
