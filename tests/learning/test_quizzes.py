"""A module's quiz: taken by members, graded on the server (what the browser sends is never
trusted: extra, foreign or malformed answers are ignored and cannot make anyone pass),
stored per attempt, retried at will, and its result shown to its owner only."""

import uuid
from types import SimpleNamespace

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from learning import quizzes
from learning.models import Certificate, QuestionKind, QuizAttempt
from learning.progress import mark_lesson_done
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


def build_quiz(module=None, pass_mark=70):
    """A quiz of four questions: two with one answer to choose, two with several.

    q1 (one):      a ✓, b
    q2 (several):  c ✓, d ✓, e
    q3 (one):      f, g ✓
    q4 (several):  h ✓, i
    """
    quiz = QuizFactory(module=module or ModuleFactory(), pass_mark=pass_mark)
    single, multiple = QuestionKind.SINGLE, QuestionKind.MULTIPLE
    q = [
        QuestionFactory(quiz=quiz, kind=kind, order=order, text=f"Question {order}")
        for order, kind in enumerate([single, multiple, single, multiple], start=1)
    ]

    def choice(question, name, correct=False):
        return ChoiceFactory(
            question=question,
            text=f"Réponse {name}",
            text_en=f"Answer {name}",
            correct=correct,
            feedback=f"Explication {name}",
            feedback_en=f"Feedback {name}",
        )

    c = SimpleNamespace(
        a=choice(q[0], "a", True),
        b=choice(q[0], "b"),
        c=choice(q[1], "c", True),
        d=choice(q[1], "d", True),
        e=choice(q[1], "e"),
        f=choice(q[2], "f"),
        g=choice(q[2], "g", True),
        h=choice(q[3], "h", True),
        i=choice(q[3], "i"),
    )
    return SimpleNamespace(quiz=quiz, q=q, c=c, module=quiz.module, course=quiz.module.course)


def field(question) -> str:
    return quizzes.answer_field(question.pk)


def all_right(world) -> dict:
    q, c = world.q, world.c
    return {
        field(q[0]): [c.a.pk],
        field(q[1]): [c.c.pk, c.d.pk],
        field(q[2]): [c.g.pk],
        field(q[3]): [c.h.pk],
    }


def as_querydict(data: dict) -> QueryDict:
    sent = QueryDict(mutable=True)
    for name, values in data.items():
        sent.setlist(name, [str(value) for value in values])
    return sent


def grade(world, member, data: dict):
    world.quiz.refresh_from_db()
    return quizzes.grade(member=member, quiz=world.quiz, submitted=as_querydict(data))


def quiz_url(world) -> str:
    return reverse("learning:quiz", kwargs={"course": world.course.slug, "module": world.module.pk})


def result_url(attempt) -> str:
    return reverse("learning:quiz_result", kwargs={"pk": attempt.pk})


@pytest.fixture
def world(db):
    return build_quiz()


# --- Grading on the server --------------------------------------------------------------------


def test_every_question_right_passes_with_100(world):
    member = MemberFactory()

    attempt = grade(world, member, all_right(world))

    assert (attempt.score, attempt.passed) == (100, True)
    q, c = world.q, world.c
    assert attempt.answers == {
        str(q[0].pk): [c.a.pk],
        str(q[1].pk): sorted([c.c.pk, c.d.pk]),
        str(q[2].pk): [c.g.pk],
        str(q[3].pk): [c.h.pk],
    }
    assert QuizAttempt.objects.get() == attempt


def test_a_missing_answer_is_wrong_and_the_score_is_rounded_down():
    world = build_quiz(pass_mark=67)
    QuestionFactory(quiz=world.quiz)  # a fifth question, with no answer at all
    data = all_right(world)
    del data[field(world.q[3])]  # q4 left unanswered
    del data[field(world.q[2])]  # q3 too

    attempt = grade(world, MemberFactory(), data)

    # Two right out of five is 40 %; a question nobody can answer (no choices) is right when
    # left unanswered: three out of five.
    assert attempt.score == 60
    assert not attempt.passed
    assert attempt.answers[str(world.q[3].pk)] == []


def test_two_out_of_three_is_66_not_67():
    world = build_quiz(pass_mark=67)
    world.q[3].delete()
    data = all_right(world)
    data[field(world.q[0])] = [world.c.b.pk]

    attempt = grade(world, MemberFactory(), data)

    assert (attempt.score, attempt.passed) == (66, False)


def test_the_pass_mark_itself_passes():
    world = build_quiz(pass_mark=75)
    data = all_right(world)
    data[field(world.q[1])] = [world.c.c.pk]  # one of the two right answers only: wrong

    attempt = grade(world, MemberFactory(), data)

    assert (attempt.score, attempt.passed) == (75, True)


def test_two_answers_to_a_one_answer_question_are_wrong_even_with_the_right_one(world):
    data = all_right(world)
    data[field(world.q[0])] = [world.c.a.pk, world.c.b.pk]

    attempt = grade(world, MemberFactory(), data)

    assert attempt.score == 75
    assert sorted(attempt.answers[str(world.q[0].pk)]) == sorted([world.c.a.pk, world.c.b.pk])


def test_a_one_answer_question_with_two_correct_answers_cannot_be_passed_by_sending_both():
    world = build_quiz(pass_mark=100)
    world.c.b.correct = True  # an authoring slip: both answers marked right
    world.c.b.save()
    data = all_right(world)
    data[field(world.q[0])] = [world.c.a.pk, world.c.b.pk]

    assert not grade(world, MemberFactory(), data).passed


def test_choosing_every_answer_of_every_question_fails(world):
    everything = {field(question): [c.pk for c in question.choices.all()] for question in world.q}

    attempt = grade(world, MemberFactory(), everything)

    assert (attempt.score, attempt.passed) == (0, False)


def test_answers_of_another_question_or_quiz_are_ignored_and_not_stored(world):
    other = build_quiz()
    data = all_right(world)
    # q1 answered with its right answer, plus the right answer of q2 and of another quiz.
    data[field(world.q[0])] = [world.c.a.pk, world.c.c.pk, other.c.a.pk]
    # q3 answered only with answers that are not its own: unanswered, so wrong.
    data[field(world.q[2])] = [world.c.a.pk, other.c.g.pk]
    # Fields of another quiz's questions, and of no question at all.
    data[field(other.q[0])] = [other.c.a.pk]
    data["question-999999999"] = [world.c.a.pk]

    attempt = grade(world, MemberFactory(), data)

    assert attempt.score == 75
    assert attempt.answers[str(world.q[0].pk)] == [world.c.a.pk]
    assert attempt.answers[str(world.q[2].pk)] == []
    assert set(attempt.answers) == {str(question.pk) for question in world.q}


@pytest.mark.parametrize(
    "junk", ["abc", "1.5", "-3", "²", "٣", " ", "", "9" * 40, "0x10", "1e3", "null"]
)
def test_values_that_are_not_ids_are_ignored(world, junk):
    data = all_right(world)
    data[field(world.q[0])] = [junk]
    data[field(world.q[1])] = [world.c.c.pk, world.c.d.pk, junk]

    attempt = grade(world, MemberFactory(), data)

    assert attempt.score == 75  # q1 unanswered; q2 right
    assert attempt.answers[str(world.q[0].pk)] == []


def test_a_visitor_cannot_be_graded(world):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(quizzes.QuizError):
        quizzes.grade(member=AnonymousUser(), quiz=world.quiz, submitted=QueryDict())
    assert not QuizAttempt.objects.exists()


# --- The quiz page ----------------------------------------------------------------------------


def test_a_visitor_is_invited_to_log_in_and_cannot_post(client, world):
    response = client.get(quiz_url(world))

    assert response.status_code == 200
    page = parse(response)
    assert not find_all(find(page, "main"), "form", method="post")
    login = reverse("account_login")
    assert any(a.attrs["href"].startswith(login) for a in find_all(page, "a"))

    response = client.post(quiz_url(world), all_right(world))
    assert response.status_code == 403
    assert not QuizAttempt.objects.exists()


def test_a_member_sees_the_questions_without_the_answers(client, world):
    client.force_login(MemberFactory())

    response = client.get(quiz_url(world))

    assert response.status_code == 200
    html = response.content.decode()
    page = parse(response)
    form = find(page, "form", id="quiz-form")
    questions = find_all(form, "fieldset")
    assert len(questions) == 4
    assert {i.attrs["type"] for i in find_all(questions[0], "input")} == {"radio"}
    assert {i.attrs["type"] for i in find_all(questions[1], "input")} == {"checkbox"}
    assert [i.attrs["value"] for i in find_all(questions[1], "input")] == [
        str(world.c.c.pk),
        str(world.c.d.pk),
        str(world.c.e.pk),
    ]
    assert "Réponse a" in text(questions[0])
    # Nothing tells the right answers: no feedback, no mark on the inputs.
    assert "Explication" not in html and "correct" not in html.lower()
    for control in find_all(form, "input"):
        assert control.attrs["type"] == "hidden" or control.attrs["id"]
        if control.attrs["type"] != "hidden":
            assert find_all(form, "label", **{"for": control.attrs["id"]})
    assert find(form, "input", name="submission")


def test_the_quiz_page_is_in_english_with_english_texts(client, world):
    client.force_login(MemberFactory())
    world.q[0].text_en = "First question"
    world.q[0].save()

    page = parse(client.get(quiz_url(world).replace("/fr/", "/en/", 1)))

    assert "First question" in text(find(page, "fieldset"))
    assert "Answer a" in text(find(page, "fieldset"))


def test_posting_answers_stores_an_attempt_and_shows_its_result(client, world):
    member = MemberFactory()
    client.force_login(member)
    data = all_right(world)
    data[field(world.q[3])] = [world.c.i.pk]  # q4 wrong

    response = client.post(quiz_url(world), {**data, "submission": str(uuid.uuid4())})

    attempt = QuizAttempt.objects.get()
    assert (attempt.member, attempt.quiz, attempt.score, attempt.passed) == (
        member,
        world.quiz,
        75,
        True,
    )
    assert response.status_code == 302
    assert response["Location"] == result_url(attempt)

    page = parse(client.get(result_url(attempt)))
    assert find(page, "section", "quiz-score").attrs["class"].split()[-1] == "passed"
    items = find_all(page, "li", "answered")
    assert [item.attrs["class"].split()[-1] for item in items] == ["right"] * 3 + ["wrong"]
    # The feedback of the answers chosen, not of the others.
    assert "Explication i" in text(items[3])
    assert "Explication h" not in text(items[3])
    assert "Explication b" not in text(page)


def test_the_same_form_sent_twice_is_one_attempt(client, world):
    client.force_login(MemberFactory())
    data = {**all_right(world), "submission": str(uuid.uuid4())}

    first = client.post(quiz_url(world), data)
    second = client.post(quiz_url(world), data)

    assert first["Location"] == second["Location"]
    assert QuizAttempt.objects.count() == 1


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 500])
def test_a_malformed_form_token_is_still_graded(client, world, token):
    client.force_login(MemberFactory())

    response = client.post(quiz_url(world), {**all_right(world), "submission": token})

    assert response.status_code == 302
    assert QuizAttempt.objects.get().score == 100


def test_crafted_posts_never_pass_and_never_fail_with_500(client, world):
    client.force_login(MemberFactory())
    other = build_quiz()
    crafted = [
        {field(q): [c.pk for c in q.choices.all()] for q in world.q},  # everything ticked
        {field(world.q[0]): ["abc", "-1", "9" * 50], "score": "100", "passed": "true"},
        {field(other.q[0]): [other.c.a.pk], field(other.q[1]): [other.c.c.pk, other.c.d.pk]},
        {field(world.q[0]): [world.c.c.pk, world.c.d.pk], field(world.q[1]): [world.c.a.pk]},
        {},
    ]
    for data in crafted:
        response = client.post(quiz_url(world), data)
        assert response.status_code == 302, data
    assert QuizAttempt.objects.count() == len(crafted)
    assert not QuizAttempt.objects.filter(passed=True).exists()
    assert max(QuizAttempt.objects.values_list("score", flat=True)) == 0


def test_retries_are_unlimited_and_each_is_stored(client, world):
    client.force_login(MemberFactory())
    wrong = {field(world.q[0]): [world.c.b.pk]}

    for _try in range(3):
        client.post(quiz_url(world), wrong)
    client.post(quiz_url(world), all_right(world))

    assert list(QuizAttempt.objects.order_by("pk").values_list("passed", flat=True)) == [
        False,
        False,
        False,
        True,
    ]
    page = parse(client.get(quiz_url(world)))
    assert "100" in text(find(page, "p", "quiz-status"))
    assert find(page, "form", id="quiz-form")  # still offered, for another try


def test_too_many_tries_in_a_minute_are_refused_with_429(client, world, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "quiz_attempt": "2/m/user"}
    client.force_login(MemberFactory())

    statuses = [client.post(quiz_url(world), all_right(world)).status_code for _ in range(3)]

    assert statuses == [302, 302, 429]
    assert QuizAttempt.objects.count() == 2


def test_a_quiz_without_questions_says_so_and_grades_nothing(client):
    quiz = QuizFactory()
    client.force_login(MemberFactory())
    url = reverse(
        "learning:quiz", kwargs={"course": quiz.module.course.slug, "module": quiz.module.pk}
    )

    page = parse(client.get(url))
    assert not find_all(page, "form", id="quiz-form")
    response = client.post(url, {})

    assert response.status_code == 400
    assert tr("This quiz has no questions yet.") in text(find(parse(response), "p", "form-errors"))
    assert not QuizAttempt.objects.exists()


def test_no_quiz_wrong_course_and_unknown_module_are_404(client, world):
    client.force_login(MemberFactory())
    other_course = CourseFactory()
    module_without_quiz = ModuleFactory(course=world.course)
    for course, module in [
        (other_course.slug, world.module.pk),
        (world.course.slug, module_without_quiz.pk),
        (world.course.slug, 999999999),
        ("no-such-course", world.module.pk),
    ]:
        url = reverse("learning:quiz", kwargs={"course": course, "module": module})
        assert client.get(url).status_code == 404
        assert client.post(url, all_right(world)).status_code == 404
    assert not QuizAttempt.objects.exists()


def test_an_unpublished_course_quiz_is_for_staff_only(client):
    world = build_quiz(module=ModuleFactory(course=CourseFactory(published=False)))

    assert client.get(quiz_url(world)).status_code == 404
    client.force_login(MemberFactory())
    assert client.get(quiz_url(world)).status_code == 404
    assert client.post(quiz_url(world), all_right(world)).status_code == 404
    client.force_login(StaffFactory())
    assert client.get(quiz_url(world)).status_code == 200
    assert client.post(quiz_url(world), all_right(world)).status_code == 302
    # Staff trying a quiz before publishing get no certificate for it.
    assert not Certificate.objects.exists()


# --- The result page --------------------------------------------------------------------------


def test_a_result_is_its_owners_only(client, world):
    owner = MemberFactory()
    attempt = grade(world, owner, all_right(world))

    response = client.get(result_url(attempt))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(MemberFactory())
    assert client.get(result_url(attempt)).status_code == 404
    client.force_login(StaffFactory())
    assert client.get(result_url(attempt)).status_code == 404
    client.force_login(owner)
    assert client.get(result_url(attempt)).status_code == 200
    assert client.get(reverse("learning:quiz_result", kwargs={"pk": 999999999})).status_code == 404


def test_a_failed_result_says_so_and_offers_to_try_again(client, world):
    member = MemberFactory()
    attempt = grade(world, member, {field(world.q[0]): [world.c.a.pk]})
    client.force_login(member)

    page = parse(client.get(result_url(attempt)))

    score = find(page, "section", "quiz-score")
    assert "not-passed" in score.attrs["class"]
    assert tr("Not passed yet") in text(score)
    assert find(score, "a", href=quiz_url(world))
    unanswered = find_all(page, "li", "answered")[1]
    assert tr("You gave no answer.") in text(unanswered)


def test_passing_the_last_quiz_completes_the_course_and_gives_the_certificate(client, world):
    member = MemberFactory(name="Awa Ndiaye")
    lesson = LessonFactory(module=world.module)
    mark_lesson_done(member=member, lesson=lesson)
    assert not Certificate.objects.exists()
    client.force_login(member)

    response = client.post(quiz_url(world), all_right(world), follow=True)

    certificate = Certificate.objects.get(member=member, course=world.course)
    assert certificate.name == "Awa Ndiaye"
    page = parse(response)
    link = reverse("learning:certificate", kwargs={"course": world.course.slug})
    assert find(find(page, "p", "course-complete"), "a", href=link)


def test_passing_before_the_lessons_gives_no_certificate_and_shows_progress(client, world):
    member = MemberFactory()
    lesson = LessonFactory(module=world.module)
    client.force_login(member)

    response = client.post(quiz_url(world), all_right(world), follow=True)

    assert not Certificate.objects.exists()
    progress = find(parse(response), "p", "course-progress")
    assert "50" in text(progress)  # one quiz passed out of one lesson and one quiz
    assert find(progress, "a", href=lesson.get_absolute_url())


# --- Queries ----------------------------------------------------------------------------------


def add_questions(world, count: int) -> None:
    for _n in range(count):
        question = QuestionFactory(quiz=world.quiz, kind=QuestionKind.MULTIPLE)
        ChoiceFactory.create_batch(3, question=question, correct=True)


def add_attempts(world, member, count: int) -> None:
    QuizAttempt.objects.bulk_create(
        QuizAttempt(member=member, quiz=world.quiz, answers={}, score=10, passed=False)
        for _n in range(count)
    )


def count_queries(client, url) -> int:
    client.get(url)  # warm up: session, content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["quiz", "result"])
def test_quiz_pages_run_the_same_queries_for_many_questions_and_attempts(client, page):
    counts = []
    for size in (2, 25):
        world = build_quiz()
        member = MemberFactory()
        client.force_login(member)
        add_questions(world, size)
        add_attempts(world, member, size)
        LessonFactory.create_batch(size, module=world.module)
        attempt = grade(world, member, all_right(world))
        url = quiz_url(world) if page == "quiz" else result_url(attempt)
        counts.append(count_queries(client, url))
    assert counts[0] == counts[1], counts
    # Session and member; the quiz, its questions, their answers; then the page's own: the
    # member's best try (quiz) or their progress in two and their certificate (result).
    assert counts[0] <= {"quiz": 6, "result": 8}[page], counts
