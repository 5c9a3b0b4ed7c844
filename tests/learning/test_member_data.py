"""What the e-learning holds about a member in their data export (the courses they take and
in which cohort, lessons done, quiz attempts with their answers, certificates, cohorts they
lead), and what goes with their account: all of it, but the cohorts they led, which stay
for their learners, closed to new ones until staff name another facilitator (and staff are
told)."""

import datetime
import json

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from learning.models import (
    Certificate,
    Cohort,
    Enrolment,
    LessonCompletion,
    Quiz,
    QuizAttempt,
)
from learning.progress import mark_lesson_done, update_completion
from network.accounts import delete_account
from tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    StaffFactory,
    verified_member,
)
from tests.html import parse, text, tr

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(count: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=count)


@pytest.fixture
def learning():
    """Awa takes a course in a cohort (a lesson done, two attempts at its quiz, a
    certificate) and leads two cohorts of another course, one running, one over. Binta
    takes the same course in the same cohort."""
    course = CourseFactory(title="Migration et développement local", slug="migration")
    module = ModuleFactory(course=course, title="Pourquoi les autorités locales")
    lesson = LessonFactory(module=module, title="Le rôle des communes")
    quiz = Quiz.objects.create(module=module)
    awa, binta = verified_member(name="Awa Sow"), verified_member(name="Binta Ba")
    cohort = Cohort.objects.create(
        course=course,
        name="Printemps",
        starts_on=days(-10),
        ends_on=days(20),
        facilitator=verified_member(name="Fatou Facilitatrice"),
    )
    for learner in (awa, binta):
        Enrolment.objects.create(member=learner, course=course, cohort=cohort)
        mark_lesson_done(member=learner, lesson=lesson)
        QuizAttempt.objects.create(
            member=learner, quiz=quiz, answers={"1": [2]}, score=0, passed=False
        )
        QuizAttempt.objects.create(
            member=learner, quiz=quiz, answers={"1": [3]}, score=100, passed=True
        )
        update_completion(member=learner, course=course)  # as passing the quiz does
    other = CourseFactory(title="Partenariats Sud-Sud")
    led = Cohort.objects.create(
        course=other, name="Cohorte de Dakar", starts_on=days(5), ends_on=days(60), facilitator=awa
    )
    Enrolment.objects.create(member=binta, course=other, cohort=led)
    over = Cohort.objects.create(
        course=other, name="Cohorte passée", starts_on=days(-90), ends_on=days(-30), facilitator=awa
    )
    return {
        "awa": awa,
        "binta": binta,
        "course": course,
        "cohort": cohort,
        "led": led,
        "over": over,
    }


def export_of(member) -> dict:
    client = Client()
    client.force_login(member)
    response = client.get("/fr/network/me/export/")
    assert response.status_code == 200
    return json.loads(response.content)["learning"]


def test_the_export_holds_the_members_learning(learning):
    data = export_of(learning["awa"])

    assert [(c["course"], c["cohort"], c["last_lesson"]) for c in data["courses"]] == [
        ("Migration et développement local", "Printemps", "Le rôle des communes")
    ]
    assert data["courses"][0]["address"] == "/fr/learning/migration/"
    assert data["courses"][0]["completed"]  # the lesson and the quiz: all of the course
    assert [(done["lesson"], done["course"]) for done in data["lessons_done"]] == [
        ("Le rôle des communes", "Migration et développement local")
    ]
    assert [(a["quiz"], a["answers"], a["score"], a["passed"]) for a in data["quiz_attempts"]] == [
        ("Pourquoi les autorités locales", {"1": [2]}, 0, False),
        ("Pourquoi les autorités locales", {"1": [3]}, 100, True),
    ]
    certificate = Certificate.objects.get(member=learning["awa"])
    assert data["certificates"] == [
        {
            "course": "Migration et développement local",
            "name": "Awa Sow",
            "code": certificate.code,
            "issued": data["certificates"][0]["issued"],
            "verification_address": f"/fr/learning/certificates/{certificate.code}/",
        }
    ]
    assert [(c["cohort"], c["course"]) for c in data["facilitated_cohorts"]] == [
        ("Cohorte passée", "Partenariats Sud-Sud"),
        ("Cohorte de Dakar", "Partenariats Sud-Sud"),
    ]


def test_a_member_who_never_learned_has_empty_lists(db):
    assert export_of(verified_member()) == {
        "courses": [],
        "lessons_done": [],
        "quiz_attempts": [],
        "certificates": [],
        "facilitated_cohorts": [],
    }


def test_the_members_learning_goes_with_their_account(learning, client, run_tasks):
    awa, binta = learning["awa"], learning["binta"]
    code = Certificate.objects.get(member=awa).code
    assert client.get(f"/fr/learning/certificates/{code}/").status_code == 200

    delete_account(awa)

    for model in (Enrolment, LessonCompletion, QuizAttempt, Certificate):
        assert not model.objects.filter(member=awa).exists(), model
    # The certificate's code now answers as unknown.
    assert client.get(f"/fr/learning/certificates/{code}/").status_code == 404
    # Binta's learning, in the same cohort, is untouched.
    assert Enrolment.objects.filter(member=binta, cohort=learning["cohort"]).exists()
    assert LessonCompletion.objects.filter(member=binta).count() == 1
    assert QuizAttempt.objects.filter(member=binta).count() == 2
    assert Certificate.objects.filter(member=binta).exists()
    assert export_of(binta)["courses"][0]["cohort"] == "Printemps"


def test_the_cohorts_a_leaver_led_stay_closed_until_staff_name_another(learning, run_tasks):
    manager = StaffFactory(name="Sara Staff", language="en")
    verified_member(is_staff=True)  # staff without the permission to change cohorts
    led, over = learning["led"], learning["over"]

    delete_account(learning["awa"])
    run_tasks()

    led.refresh_from_db()
    over.refresh_from_db()
    # The cohort stays, with its learner, closed to new ones; the one over is left as it was.
    assert not led.open_for_enrolment
    assert over.open_for_enrolment
    assert Enrolment.objects.filter(cohort=led, member=learning["binta"]).exists()
    assert led.facilitator.display_name == tr("Former member")
    # The staff who manage cohorts are told, in their language, with a link to change it.
    assert [email.to for email in mail.outbox] == [[manager.email]]
    email = mail.outbox[0]
    assert email.extra_headers["Content-Language"] == "en"
    assert "Cohorte de Dakar" in email.body
    assert f"/admin/learning/cohort/{led.pk}/change/" in email.body
    assert "Cohorte passée" not in email.body
    # The admin's filter finds it; saving it needs another facilitator to open it again.
    client = Client()
    client.force_login(manager)
    listing = client.get("/admin/learning/cohort/?facilitator_account=closed")
    assert "Cohorte de Dakar" in listing.content.decode()
    assert "Printemps" not in listing.content.decode()
    new_facilitator = verified_member(name="Nouvelle Facilitatrice")
    form = {
        "course": led.course_id,
        "name": led.name,
        "starts_on": led.starts_on.isoformat(),
        "ends_on": led.ends_on.isoformat(),
        "facilitator": led.facilitator_id,
        "open_for_enrolment": "on",
    }
    refused = client.post(f"/admin/learning/cohort/{led.pk}/change/", form)
    assert refused.status_code == 200
    assert tr("This account is closed: choose another facilitator.") in text(parse(refused))
    closed = {key: value for key, value in form.items() if key != "open_for_enrolment"}
    closed["name"] = "Cohorte de Dakar (à reprendre)"
    assert client.post(f"/admin/learning/cohort/{led.pk}/change/", closed).status_code == 302
    saved = client.post(
        f"/admin/learning/cohort/{led.pk}/change/", {**form, "facilitator": new_facilitator.pk}
    )
    assert saved.status_code == 302
    led.refresh_from_db()
    assert (led.facilitator, led.open_for_enrolment) == (new_facilitator, True)
