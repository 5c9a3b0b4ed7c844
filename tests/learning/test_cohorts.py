"""Cohorts: a course's open cohorts on its page, joining and leaving them, the facilitator's
page of their learners' progress (per actor, in a fixed number of queries) and their email
to the learners (in each one's language, sent once, rate-limited), and staff opening
cohorts in the admin.

Interface strings are compared with what gettext gives for the page's language."""

import datetime
from urllib.parse import urlsplit

import pytest
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from django.utils import timezone

from common.models import OutgoingEmail
from learning import cohort_views, cohorts
from learning.models import Cohort, Enrolment, LessonCompletion, Quiz, QuizAttempt
from learning.progress import (
    course_progress,
    mark_lesson_done,
    record_visit,
    update_completion,
)
from tests.factories import (
    CourseFactory,
    LessonFactory,
    MemberFactory,
    ModuleFactory,
    StaffFactory,
    verified_member,
)
from tests.html import find, find_all, parse, text, tr, tr_count

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Rate limits are counted in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def days(count: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=count)


def client_of(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def goes_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.url).path.endswith("/accounts/login/")


def make_cohort(course, *, name="Printemps", facilitator=None, starts=-5, ends=30, **fields):
    return Cohort.objects.create(
        course=course,
        name=name,
        starts_on=days(starts),
        ends_on=days(ends),
        facilitator=facilitator or verified_member(name="Fatou Facilitatrice"),
        **fields,
    )


@pytest.fixture
def course():
    """A published course of two modules: three lessons, and a quiz ending the first
    module."""
    course = CourseFactory(title="Migration et développement local")
    first, second = ModuleFactory(course=course, order=1), ModuleFactory(course=course, order=2)
    LessonFactory(module=first, order=1, title="Pourquoi les autorités locales")
    LessonFactory(module=first, order=2, title="Les résultats attendus")
    LessonFactory(module=second, order=1, title="Les partenariats")
    Quiz.objects.create(module=first, pass_mark=60)
    return course


def lessons_of(course):
    return list(course.modules.order_by("order").first().lessons.order_by("order")) + list(
        course.modules.order_by("order").last().lessons.order_by("order")
    )


def enrol_url(cohort) -> str:
    return f"/fr/learning/cohorts/{cohort.pk}/enrol/"


def leave_url(cohort) -> str:
    return f"/fr/learning/cohorts/{cohort.pk}/leave/"


def cohort_url(cohort) -> str:
    return f"/fr/learning/cohorts/{cohort.pk}/"


def email_url(cohort) -> str:
    return f"/fr/learning/cohorts/{cohort.pk}/email/"


def flashed(client) -> list[str]:
    """The messages waiting for the next page the client opens."""
    return [str(message) for message in client.get("/fr/").context["messages"]]


def refusal(response) -> str:
    return text(find(parse(response), "p", "notice"))


# --- Joining and leaving --------------------------------------------------------------------


def test_a_member_joins_a_cohort_keeping_the_progress_made_before(course):
    cohort = make_cohort(course)
    amina = verified_member(name="Amina Diallo")
    first = lessons_of(course)[0]
    mark_lesson_done(member=amina, lesson=first)
    client = client_of(amina)

    for _click in range(2):  # a double click: the same
        response = client.post(enrol_url(cohort))
        assert response.status_code == 302
        assert response.url == f"{course.get_absolute_url()}#cohorts"

    enrolment = Enrolment.objects.get(member=amina, course=course)
    assert enrolment.cohort == cohort
    assert enrolment.last_lesson == first
    assert course_progress(amina, course).lessons_done == 1
    assert flashed(client) == [
        tr(
            "You joined the cohort “%(name)s”. Its facilitator, %(facilitator)s, sees your "
            "progress in the course and may write to you."
        )
        % {"name": "Printemps", "facilitator": "Fatou Facilitatrice"}
    ]


def test_joining_enrols_a_member_who_had_not_started_the_course(course):
    cohort = make_cohort(course)
    jose = verified_member()
    assert client_of(jose).post(enrol_url(cohort)).status_code == 302
    assert Enrolment.objects.get(member=jose).cohort == cohort
    # Opening a lesson afterwards keeps them in their cohort.
    record_visit(member=jose, lesson=lessons_of(course)[1])
    enrolment = Enrolment.objects.get(member=jose)
    assert (enrolment.cohort, enrolment.last_lesson) == (cohort, lessons_of(course)[1])


def test_leaving_keeps_the_enrolment_and_the_progress(course):
    cohort = make_cohort(course)
    amina = verified_member()
    cohorts.enrol(member=amina, cohort=cohort)
    mark_lesson_done(member=amina, lesson=lessons_of(course)[0])
    client = client_of(amina)

    response = client.post(leave_url(cohort))

    assert response.status_code == 302 and response.url.endswith("#cohorts")
    enrolment = Enrolment.objects.get(member=amina)
    assert enrolment.cohort is None
    assert LessonCompletion.objects.filter(member=amina).count() == 1
    # Leaving again says they were not in it.
    client.post(leave_url(cohort))
    assert flashed(client) == [
        tr("You left the cohort “%(name)s”. Your progress in the course is kept.")
        % {"name": cohort.name},
        tr("You were not in the cohort “%(name)s”.") % {"name": cohort.name},
    ]


@pytest.mark.parametrize(
    "case, message",
    [
        (
            "unconfirmed address",
            "Confirm your email address before joining a cohort: open the link we sent you, "
            "or ask for a new one on your email addresses page.",
        ),
        ("closed", "This cohort is closed to new learners."),
        ("over", "This cohort is over."),
        ("own cohort", "You lead this cohort: its learners' progress is on the cohort's page."),
        ("in another cohort", "You are in the cohort “%(name)s” of this course: leave it first."),
    ],
)
def test_joining_is_refused_with_the_reason(course, case, message):
    member = MemberFactory() if case == "unconfirmed address" else verified_member()
    cohort = make_cohort(
        course,
        open_for_enrolment=case != "closed",
        starts=-40 if case == "over" else -5,
        ends=-1 if case == "over" else 30,
        facilitator=member if case == "own cohort" else None,
    )
    if case == "in another cohort":
        cohorts.enrol(member=member, cohort=make_cohort(course, name="Automne"))
        message = tr(message) % {"name": "Automne"}
    else:
        message = tr(message)

    response = client_of(member).post(enrol_url(cohort))

    assert response.status_code == 403
    assert refusal(response) == message
    assert not Enrolment.objects.filter(member=member, cohort=cohort).exists()


def test_a_learner_moves_on_from_a_cohort_that_is_over(course):
    member = verified_member()
    over = make_cohort(course, name="Hiver", starts=-60, ends=-30)
    Enrolment.objects.create(member=member, course=course, cohort=over)
    now_running = make_cohort(course, name="Printemps")
    assert client_of(member).post(enrol_url(now_running)).status_code == 302
    assert Enrolment.objects.get(member=member).cohort == now_running


def test_joining_and_leaving_are_post_only_and_for_members(course):
    cohort = make_cohort(course)
    assert goes_to_login(Client().post(enrol_url(cohort)))
    assert goes_to_login(Client().post(leave_url(cohort)))
    member_client = client_of(verified_member())
    assert member_client.get(enrol_url(cohort)).status_code == 405
    assert member_client.get(leave_url(cohort)).status_code == 405
    assert member_client.post("/fr/learning/cohorts/999999/enrol/").status_code == 404
    assert not Enrolment.objects.exists()


def test_the_cohorts_of_an_unpublished_course_are_not_found(course):
    course.published = False
    course.save()
    cohort = make_cohort(course)
    assert client_of(verified_member()).post(enrol_url(cohort)).status_code == 404
    assert client_of(verified_member()).get(cohort_url(cohort)).status_code == 404


# --- The course page's block ----------------------------------------------------------------


def render_block(course, user=None) -> str:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get(course.get_absolute_url())
    request.user = user or AnonymousUser()
    return Template("{% load cohort_tags %}{% course_cohorts course %}").render(
        RequestContext(request, {"course": course})
    )


def block_items(html: str) -> list[str]:
    class Response:
        content = html.encode()

    return [text(find(item, "strong")) for item in find_all(parse(Response), "li")]


def test_the_course_page_block_lists_the_open_cohorts_soonest_first(course):
    make_cohort(course, name="Été", starts=20, ends=50)
    make_cohort(course, name="Printemps", starts=-5, ends=30)
    make_cohort(course, name="Fermée", open_for_enrolment=False)
    make_cohort(course, name="Finie", starts=-60, ends=-1)
    make_cohort(CourseFactory(), name="D'un autre cours")

    html = render_block(course)

    assert block_items(html) == ["Printemps", "Été"]
    assert tr("Log in to join a cohort") in html
    assert "<form" not in html  # no form (and no CSRF token) on a page kept for visitors


def test_the_block_offers_join_to_a_member_and_leave_to_a_learner_in_it(course):
    spring = make_cohort(course, name="Printemps")
    make_cohort(course, name="Été", starts=20, ends=50)
    member = verified_member()

    html = render_block(course, member)
    assert html.count(f'action="{enrol_url(spring)}"') == 1
    assert tr("Log in to join a cohort") not in html

    cohorts.enrol(member=member, cohort=spring)
    html = render_block(course, member)
    assert f'action="{leave_url(spring)}"' in html
    assert "/enrol/" not in html  # in one cohort at a time: leave it first


def test_the_block_links_the_facilitator_and_staff_to_the_cohorts_page(course):
    facilitator = verified_member()
    spring = make_cohort(course, facilitator=facilitator)
    assert f'href="{cohort_url(spring)}"' in render_block(course, facilitator)
    assert f'href="{cohort_url(spring)}"' in render_block(course, StaffFactory())
    assert f'href="{cohort_url(spring)}"' not in render_block(course, verified_member())
    assert f'action="{enrol_url(spring)}"' not in render_block(course, facilitator)


def test_a_course_without_cohorts_shows_no_block(course):
    assert render_block(course, verified_member()).strip() == ""


@pytest.mark.parametrize("size", [1, 12])
def test_the_block_takes_three_queries_whatever_the_cohorts(
    course, size, django_assert_num_queries
):
    member = verified_member()
    for number in range(size):
        cohort = make_cohort(course, name=f"Cohorte {number}")
        for _learner in range(2):
            Enrolment.objects.create(member=MemberFactory(), course=course, cohort=cohort)
        if number == 0:
            cohorts.enrol(member=member, cohort=cohort)
    with django_assert_num_queries(3):  # open cohorts, the member's enrolment, those they lead
        html = render_block(course, member)
    assert f'action="{leave_url(Cohort.objects.order_by("pk").first())}"' in html
    assert len(block_items(html)) == min(size, 10) - 1  # theirs is shown apart


# --- The facilitator's page -----------------------------------------------------------------


@pytest.fixture
def running(course):
    """A cohort with three learners: one who did everything, one who did a lesson, one who
    has not started."""
    facilitator = verified_member(name="Fatou Facilitatrice")
    cohort = make_cohort(course, facilitator=facilitator)
    lessons = lessons_of(course)
    quiz = Quiz.objects.get()
    learners = {
        "Amina Diallo": verified_member(name="Amina Diallo", language="fr"),
        "José Pérez": verified_member(name="José Pérez", language="es"),
        "Sans Adresse": MemberFactory(name="Sans Adresse"),
    }
    for learner in learners.values():
        Enrolment.objects.create(member=learner, course=course, cohort=cohort)
    for lesson in lessons:
        mark_lesson_done(member=learners["Amina Diallo"], lesson=lesson)
    QuizAttempt.objects.create(
        member=learners["Amina Diallo"], quiz=quiz, answers={}, score=50, passed=False
    )
    for _try in range(2):
        QuizAttempt.objects.create(
            member=learners["Amina Diallo"], quiz=quiz, answers={}, score=100, passed=True
        )
    update_completion(member=learners["Amina Diallo"], course=course)
    mark_lesson_done(member=learners["José Pérez"], lesson=lessons[0])
    # Someone else's progress in the same course, outside the cohort: not counted.
    mark_lesson_done(member=verified_member(), lesson=lessons[1])
    return {"cohort": cohort, "facilitator": facilitator, "learners": learners}


def rows(response) -> list[list[str]]:
    table = find(parse(response), "table")
    return [
        [text(cell) for cell in find_all(row, "*") if cell.tag in {"th", "td"}]
        for row in find_all(find(table, "tbody"), "tr")
    ]


@pytest.mark.parametrize(
    "actor, expected",
    [
        ("anonymous", "login"),
        ("member", 403),
        ("learner", 403),
        ("facilitator of another cohort", 403),
        ("facilitator", 200),
        ("staff", 200),
    ],
)
def test_the_cohort_page_per_actor(running, actor, expected):
    cohort = running["cohort"]
    clients = {
        "anonymous": Client,
        "member": lambda: client_of(verified_member()),
        "learner": lambda: client_of(running["learners"]["Amina Diallo"]),
        "facilitator of another cohort": lambda: client_of(
            make_cohort(cohort.course, name="Autre").facilitator
        ),
        "facilitator": lambda: client_of(running["facilitator"]),
        "staff": lambda: client_of(StaffFactory()),
    }
    client = clients[actor]()
    for url in (cohort_url(cohort), email_url(cohort)):
        response = client.get(url)
        if expected == "login":
            assert goes_to_login(response)
        else:
            assert response.status_code == expected
            if expected == 403:
                assert refusal(response) == tr(
                    "A cohort's page is for its facilitator and the JMDI team."
                )


def test_the_facilitator_sees_each_learners_progress_as_the_learner_does(running):
    cohort = running["cohort"]
    response = client_of(running["facilitator"]).get(cohort_url(cohort))

    assert response.status_code == 200
    shown = rows(response)
    assert [row[0] for row in shown] == ["Amina Diallo", "José Pérez", "Sans Adresse"]
    course = cohort.course
    for row in shown:
        learner = running["learners"][row[0]]
        progress = course_progress(learner, course)
        assert row[1].startswith(f"{progress.percent} %")
        assert row[2] == f"{progress.lessons_done} / 3"
        assert row[3] == f"{progress.quizzes_passed} / 1"
    assert shown[0][1] == f"100 % {tr('Completed')}"
    assert shown[1][1] == "25 %"  # one lesson of three, and one quiz: 1/4
    assert "@" not in text(find(parse(response), "table"))  # no email address shown
    totals = text(find(parse(response), "p", "totals"))
    assert totals.startswith("3 ")
    assert "42 %" in totals  # (100 + 25 + 0) / 3, rounded


def test_a_lesson_added_later_lowers_everyones_percent(running):
    cohort = running["cohort"]
    LessonFactory(module=cohort.course.modules.order_by("order").last(), order=2)
    shown = rows(client_of(running["facilitator"]).get(cohort_url(cohort)))
    assert shown[0][1].startswith("80 %")  # 3 lessons of 4 and the quiz
    assert shown[0][2] == "3 / 4"


def test_the_learners_come_a_page_at_a_time(running, monkeypatch):
    monkeypatch.setattr(cohort_views, "LEARNERS_PER_PAGE", 2)
    client = client_of(running["facilitator"])
    assert [row[0] for row in rows(client.get(cohort_url(running["cohort"])))] == [
        "Amina Diallo",
        "José Pérez",
    ]
    second = client.get(cohort_url(running["cohort"]) + "?page=2")
    assert [row[0] for row in rows(second)] == ["Sans Adresse"]
    odd = client.get(cohort_url(running["cohort"]) + "?page=x")
    assert odd.status_code == 200
    assert text(find(parse(odd), "p", "notice")) == tr(
        "“%(page)s” is not a page number: showing the first page."
    ) % {"page": "x"}


def test_an_empty_cohort_says_so(course):
    cohort = make_cohort(course)
    response = client_of(cohort.facilitator).get(cohort_url(cohort))
    assert text(find(parse(response), "p", "empty")) == tr("Nobody has joined this cohort yet.")


@pytest.mark.parametrize("size", [1, 6])
def test_the_cohort_page_takes_the_same_queries_whatever_its_size(size, django_assert_num_queries):
    course = CourseFactory()
    facilitator = verified_member()
    cohort = make_cohort(course, facilitator=facilitator)
    lessons = []
    for number in range(size):
        module = ModuleFactory(course=course, order=number)
        Quiz.objects.create(module=module)
        lessons += [LessonFactory(module=module) for _lesson in range(size)]
    for _learner in range(size * 2):
        learner = MemberFactory()
        Enrolment.objects.create(member=learner, course=course, cohort=cohort)
        for lesson in lessons:
            LessonCompletion.objects.create(member=learner, lesson=lesson)
        for quiz in Quiz.objects.filter(module__course=course):
            for passed in (False, True):
                QuizAttempt.objects.create(
                    member=learner, quiz=quiz, answers={}, score=100, passed=passed
                )
    client = client_of(facilitator)
    # Session, member; the cohort; the course's lessons and quizzes; the summary; the page.
    with django_assert_num_queries(7):
        response = client.get(cohort_url(cohort))
    assert len(rows(response)) == size * 2
    assert all(row[1].startswith("100 %") for row in rows(response))


# --- The facilitator's email ------------------------------------------------------------------


def message(subject="Séance de jeudi", body="Nous parlerons du module 2.", token=None):
    data = {"subject": subject, "message": body}
    if token:
        data["submission"] = token
    return data


def test_the_facilitator_writes_to_the_learners_each_in_their_language(running, run_tasks):
    cohort, facilitator = running["cohort"], running["facilitator"]
    client = client_of(facilitator)
    page = parse(client.get(email_url(cohort)))
    assert tr_count(  # the learners with a confirmed address
        "Your message goes to %(counter)s learner of the cohort, by email, in one copy each.",
        "Your message goes to %(counter)s learners of the cohort, by email, in one copy each.",
        2,
    ) in text(find(page, "main"))
    token = "8a3e3c52-6f8c-4f0e-9a55-0a8f7a4e2d11"
    for _click in range(2):  # a double click: sent once
        response = client.post(email_url(cohort), message(token=token))
        assert response.status_code == 302 and response.url == cohort_url(cohort)
    run_tasks()
    by_address = {email.to[0]: email for email in mail.outbox}
    amina, jose = running["learners"]["Amina Diallo"], running["learners"]["José Pérez"]
    assert set(by_address) == {amina.email, jose.email}  # a confirmed address only
    assert by_address[amina.email].subject == "Séance de jeudi (Printemps)"
    assert by_address[jose.email].extra_headers["Content-Language"] == "es"
    assert by_address[amina.email].extra_headers["Content-Language"] == "fr"
    assert "Nous parlerons du module 2." in by_address[jose.email].body
    assert tr("Hello %(name)s,") % {"name": "Amina Diallo"} in by_address[amina.email].body
    assert by_address[jose.email].reply_to == [facilitator.email]
    assert cohort.course.get_absolute_url().replace("/fr/", "/es/") in by_address[jose.email].body


@pytest.mark.parametrize("data", [message(subject=""), message(body="   "), {}])
def test_an_empty_message_is_400_and_nothing_is_sent(running, data):
    response = client_of(running["facilitator"]).post(email_url(running["cohort"]), data)
    assert response.status_code == 400
    assert not OutgoingEmail.objects.exists()


def test_emails_to_the_cohort_are_rate_limited(running):
    rates = parse_rates(settings.ACCOUNT_RATE_LIMITS["learning_cohort_email"])
    limit = min(rate.amount for rate in rates)
    client = client_of(running["facilitator"])
    for number in range(limit):
        assert client.post(email_url(running["cohort"]), message(f"N° {number}")).status_code == 302
    response = client.post(email_url(running["cohort"]), message("Un de trop"))
    assert response.status_code == 429
    assert tr(
        "You have sent many messages in a short while: this one was not sent. "
        "Please try again later (it is still below)."
    ) in text(find(parse(response), "div", "form-errors"))
    assert find(parse(response), "input", name="subject").attrs["value"] == "Un de trop"
    assert OutgoingEmail.objects.count() == 2 * limit


def test_someone_else_cannot_write_to_the_cohort(running):
    intruder = verified_member()
    assert client_of(intruder).post(email_url(running["cohort"]), message()).status_code == 403
    with pytest.raises(cohorts.CohortError):
        cohorts.email_cohort(
            facilitator=intruder, cohort=running["cohort"], subject="x", message="y"
        )
    assert not OutgoingEmail.objects.exists()


# --- Staff open cohorts in the admin ----------------------------------------------------------


def admin_form(course, facilitator, **fields):
    return {
        "course": course.pk,
        "name": "Cohorte de Dakar",
        "starts_on": days(3).isoformat(),
        "ends_on": days(40).isoformat(),
        "facilitator": facilitator.pk,
        "open_for_enrolment": "on",
        **fields,
    }


def test_staff_open_a_cohort_in_the_admin(course):
    client = client_of(StaffFactory())
    facilitator = verified_member(name="Fatou Facilitatrice")
    response = client.post("/admin/learning/cohort/add/", admin_form(course, facilitator))
    assert response.status_code == 302
    cohort = Cohort.objects.get()
    assert (cohort.name, cohort.facilitator, cohort.course) == (
        "Cohorte de Dakar",
        facilitator,
        course,
    )
    listing = client.get("/admin/learning/cohort/")
    assert listing.status_code == 200
    assert "Cohorte de Dakar" in listing.content.decode()
    change = client.get(f"/admin/learning/cohort/{cohort.pk}/change/")
    assert cohort_url(cohort) in change.content.decode()


@pytest.mark.parametrize("problem", ["unconfirmed facilitator", "ends before it starts"])
def test_the_admin_refuses_a_cohort_that_could_not_run(course, problem):
    client = client_of(StaffFactory())
    if problem == "unconfirmed facilitator":
        data = admin_form(course, MemberFactory())
        expected = tr(
            "The facilitator has not confirmed their email address yet: learners could not "
            "reach them. Choose another facilitator, or ask them to confirm it first."
        )
    else:
        data = admin_form(course, verified_member(), ends_on=days(1).isoformat())
        expected = tr("A cohort cannot end before it starts.")
    response = client.post("/admin/learning/cohort/add/", data)
    assert response.status_code == 200
    assert expected in response.content.decode().replace("&#x27;", "'")
    assert not Cohort.objects.exists()


def test_the_course_page_shows_its_cohorts_and_the_modules_to_read_offline(course):
    spring = make_cohort(course, name="Printemps")
    member = verified_member()
    page = parse(client_of(member).get(course.get_absolute_url()))
    block = find(page, "section", id="cohorts")
    assert text(find(block, "strong")) == "Printemps"
    assert find(block, "form").attrs["action"] == enrol_url(spring)
    offline = find(page, "section", id="offline")
    assert [node.attrs["href"] for node in find_all(offline, "a")] == [
        f"/fr/learning/{course.slug}/modules/{module.pk}/offline/"
        for module in course.modules.order_by("order")
    ]
    visitor = parse(Client().get(course.get_absolute_url()))
    assert not find_all(find(visitor, "section", id="cohorts"), "form")
