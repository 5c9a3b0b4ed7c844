"""Staff write courses in the real Django admin: the three languages side by side, modules,
lessons, quizzes and answers in order (Up / Down without JavaScript), a lesson previewed
as a learner reads it, and courses published only when they can be taken to the end."""

import html

import pytest

from learning.models import Choice, Course, Lesson, Question, Quiz
from tests.factories import (
    CourseFactory,
    LessonFactory,
    MemberFactory,
    ModuleFactory,
    ProjectFactory,
)
from tests.forms import form_values
from tests.html import tr

pytestmark = pytest.mark.django_db


def url(model: str, obj=None, action: str = "change") -> str:
    if obj is None:
        return f"/admin/learning/{model}/{action}/" if action != "change" else ""
    return f"/admin/learning/{model}/{obj.pk}/{action}/"


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def course(db):
    """An unpublished course: two modules, the first with three lessons and a quiz."""
    course = CourseFactory(
        title="Migration et développement local",
        title_en="Migration and local development",
        slug="migration-local",
        published=False,
        published_at=None,
    )
    first = ModuleFactory(course=course, title="Pourquoi les autorités locales", order=1)
    ModuleFactory(course=course, title="Les résultats attendus", order=2)
    for number in range(1, 4):
        LessonFactory(module=first, title=f"Leçon {number}", slug=f"lecon-{number}", order=number)
    quiz = Quiz.objects.create(module=first, introduction="Vérifiez vos acquis.")
    question = Question.objects.create(quiz=quiz, text="Qui agit au plus près des migrants ?")
    Choice.objects.create(question=question, text="Les autorités locales", correct=True, order=1)
    Choice.objects.create(question=question, text="Personne", order=2)
    return course


class TestPages:
    def test_every_page_opens_for_staff(self, staff_client, course):
        module = course.modules.get(order=1)
        lesson = module.lessons.first()
        question = Question.objects.get()
        for address in [
            "/admin/learning/course/",
            "/admin/learning/course/add/",
            url("course", course),
            url("course", course, "history"),
            "/admin/learning/module/",
            url("module", module),
            "/admin/learning/lesson/",
            url("lesson", lesson),
            "/admin/learning/quiz/",
            url("quiz", module.quiz),
            url("question", question),
        ]:
            assert staff_client.get(address).status_code == 200, address

    def test_a_course_cannot_take_the_address_of_a_learning_page(self, staff_client, course):
        page = staff_client.get(url("course", course))
        data = form_values(page, "course_form") | {"slug": "mine"}

        response = staff_client.post(url("course", course), data)

        assert response.status_code == 200  # the form again, with the error
        assert tr(
            "“%(slug)s” is the address of a page of the learning section: choose another."
        ) % {"slug": "mine"} in html.unescape(page_text(response))
        course.refresh_from_db()
        assert course.slug != "mine"

    def test_members_are_sent_to_the_login(self, client, course):
        client.force_login(MemberFactory())

        response = client.get(url("course", course))

        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]

    def test_languages_side_by_side(self, staff_client, course):
        text = page_text(staff_client.get(url("course", course)))

        for code in ["fr", "en", "es"]:
            assert f'name="title_{code}"' in text
            assert f'name="modules-0-title_{code}"' in text

    def test_lesson_page_has_its_text_in_each_language(self, staff_client, course):
        lesson = Lesson.objects.get(slug="lecon-1")

        text = page_text(staff_client.get(url("lesson", lesson)))

        for code in ["fr", "en", "es"]:
            assert f'name="body_{code}"' in text

    def test_whether_published_is_not_a_box_to_tick(self, staff_client, course):
        data = form_values(staff_client.get(url("course", course)), "course_form")
        assert "published" not in data
        data["published"] = "on"

        response = staff_client.post(url("course", course), data)

        assert response.status_code == 302
        course.refresh_from_db()
        assert course.published is False


class TestNoListOfEveryRow:
    def test_projects_resources_and_forums_are_chosen_by_searching(self, staff_client, course):
        ProjectFactory.create_batch(25, title="Projet de la liste")
        lesson = Lesson.objects.get(slug="lecon-1")

        lesson_page = page_text(staff_client.get(url("lesson", lesson)))
        course_page = page_text(staff_client.get(url("course", course)))

        assert "Projet de la liste" not in lesson_page
        for name in ["projects", "resources", "module"]:
            assert f'name="{name}"' in lesson_page
            assert "admin-autocomplete" in lesson_page
        assert 'name="forum"' in course_page
        assert lesson_page.count("<option") <= 12  # the few choices of fixed lists


class TestPublishing:
    def test_the_course_page_says_what_is_missing(self, staff_client, course):
        LessonFactory(module=course.modules.get(order=2), title="Sans texte", body="")

        text = page_text(staff_client.get(url("course", course)))

        assert "Sans texte" in text
        assert 'name="_publish"' not in text

    def test_save_and_publish(self, staff_client, course):
        LessonFactory(module=course.modules.get(order=2))
        data = form_values(staff_client.get(url("course", course)), "course_form")
        data["summary_en"] = "For local authorities."
        data["_publish"] = ""

        response = staff_client.post(url("course", course), data, follow=True)

        course.refresh_from_db()
        assert course.published is True
        assert course.summary_en == "For local authorities."
        assert tr("%(count)d course published.") % {"count": 1} in messages_of(response)
        assert 'name="_unpublish"' in page_text(response)

    def test_save_and_unpublish(self, staff_client, course):
        Course.objects.filter(pk=course.pk).update(published=True)
        data = form_values(staff_client.get(url("course", course)), "course_form")
        data["_unpublish"] = ""

        response = staff_client.post(url("course", course), data)

        assert response.status_code == 302
        course.refresh_from_db()
        assert course.published is False

    def test_the_action_publishes_those_it_can_and_says_why_not_the_others(
        self, staff_client, course
    ):
        LessonFactory(module=course.modules.get(order=2))
        incomplete = CourseFactory(title="Cours incomplet", published=False, published_at=None)
        LessonFactory(
            module=ModuleFactory(course=incomplete), title="Leçon vide", body="", body_en=""
        )

        response = staff_client.post(
            "/admin/learning/course/",
            {"action": "publish_courses", "_selected_action": [course.pk, incomplete.pk]},
            follow=True,
        )

        course.refresh_from_db()
        incomplete.refresh_from_db()
        assert course.published is True
        assert incomplete.published is False
        shown = " ".join(messages_of(response))
        assert "Leçon vide" in shown and "Cours incomplet" in shown
        assert tr("%(count)d course published.") % {"count": 1} in shown

    def test_the_unpublish_action(self, staff_client):
        courses = CourseFactory.create_batch(2)

        staff_client.post(
            "/admin/learning/course/",
            {"action": "unpublish_courses", "_selected_action": [c.pk for c in courses]},
        )

        assert not Course.objects.filter(published=True).exists()

    def test_the_history_shows_the_publication(self, staff_client, course):
        LessonFactory(module=course.modules.get(order=2))
        data = form_values(staff_client.get(url("course", course)), "course_form")
        data["_publish"] = ""
        staff_client.post(url("course", course), data)

        text = page_text(staff_client.get(url("course", course, "history")))

        assert tr("Published") in text

    def test_a_lesson_of_a_published_course_keeps_some_text(self, staff_client, course):
        Course.objects.filter(pk=course.pk).update(published=True)
        lesson = Lesson.objects.get(slug="lecon-1")
        data = form_values(staff_client.get(url("lesson", lesson)), "lesson_form")
        data.update(body_fr="", body_en="", body_es="")

        response = staff_client.post(url("lesson", lesson), data)

        assert response.status_code == 200
        refusal = tr(
            "“%(course)s” is published: its lessons need their text in at least one language. "
            "Write it, or unpublish the course first."
        ) % {"course": course.title}
        assert refusal in html.unescape(str(response.context["adminform"].form.non_field_errors()))
        lesson.refresh_from_db()
        assert lesson.body_fr

    def test_a_lesson_without_text_is_fine_while_the_course_is_a_draft(self, staff_client, course):
        lesson = Lesson.objects.get(slug="lecon-1")
        data = form_values(staff_client.get(url("lesson", lesson)), "lesson_form")
        data.update(body_fr="", body_en="", body_es="")

        response = staff_client.post(url("lesson", lesson), data)

        assert response.status_code == 302
        lesson.refresh_from_db()
        assert not lesson.body_fr


class TestLessons:
    def test_a_lesson_added_in_its_module_gets_an_address_from_its_title(
        self, staff_client, course
    ):
        module = course.modules.get(order=2)
        data = form_values(staff_client.get(url("module", module)), "module_form")
        data.update(
            {
                "lessons-TOTAL_FORMS": "1",
                "lessons-0-title_fr": "Les résultats attendus",
                "lessons-0-title_en": "Expected results",
                "lessons-0-order": "1",
                "lessons-0-body_fr": "Quatre résultats sont attendus.",
            }
        )

        response = staff_client.post(url("module", module), data)

        assert response.status_code == 302, response.context["errors"]
        lesson = module.lessons.get()
        assert lesson.slug == "les-resultats-attendus"
        assert lesson.title_en == "Expected results"

    def test_a_taken_address_gets_another(self, staff_client, course):
        module = course.modules.get(order=2)
        LessonFactory(slug="introduction")
        data = form_values(staff_client.get("/admin/learning/lesson/add/"), "lesson_form")
        data.update(module=str(module.pk), title_fr="Introduction", order="1", body_fr="Texte")

        response = staff_client.post("/admin/learning/lesson/add/", data)

        assert response.status_code == 302, response.context["errors"]
        lesson = module.lessons.get()
        assert lesson.slug.startswith("introduction-")

    def test_projects_as_cases_and_downloads_are_saved(self, staff_client, course):
        figuig = ProjectFactory(title="La palmeraie de Figuig")
        lesson = Lesson.objects.get(slug="lecon-1")
        data = form_values(staff_client.get(url("lesson", lesson)), "lesson_form")
        data["projects"] = [str(figuig.pk)]

        response = staff_client.post(url("lesson", lesson), data)

        assert response.status_code == 302
        assert list(lesson.projects.all()) == [figuig]

    def test_lesson_changes_keep_a_history(self, staff_client, course, staff):
        lesson = Lesson.objects.get(slug="lecon-1")
        data = form_values(staff_client.get(url("lesson", lesson)), "lesson_form")
        data["body_en"] = "Local authorities are close to migrants."
        staff_client.post(url("lesson", lesson), data)

        latest = Lesson.history.filter(id=lesson.pk).first()

        assert latest.body_en == "Local authorities are close to migrants."
        assert latest.history_user == staff


class TestUpDown:
    def titles(self, module):
        return list(module.lessons.order_by("order", "id").values_list("title", flat=True))

    def test_up_saves_the_page_then_moves_the_lesson(self, staff_client, course):
        module = course.modules.get(order=1)
        third = module.lessons.get(title="Leçon 3")
        page = page_text(staff_client.get(url("module", module)))
        assert f'value="lesson:{third.pk}:up"' in page
        data = form_values(staff_client.get(url("module", module)), "module_form")
        data["summary_fr"] = "Le rôle des autorités locales."
        data["_move"] = f"lesson:{third.pk}:up"

        response = staff_client.post(url("module", module), data)

        assert response.status_code == 302
        assert response["Location"] == url("module", module)
        assert self.titles(module) == ["Leçon 1", "Leçon 3", "Leçon 2"]
        module.refresh_from_db()
        assert module.summary_fr == "Le rôle des autorités locales."

    def test_modules_move_on_the_course_page(self, staff_client, course):
        second = course.modules.get(order=2)
        data = form_values(staff_client.get(url("course", course)), "course_form")
        data["_move"] = f"module:{second.pk}:up"

        staff_client.post(url("course", course), data)

        assert list(course.modules.order_by("order").values_list("title", flat=True)) == [
            "Les résultats attendus",
            "Pourquoi les autorités locales",
        ]

    def test_the_first_stays_first(self, staff_client, course):
        module = course.modules.get(order=1)
        first = module.lessons.get(title="Leçon 1")
        data = form_values(staff_client.get(url("module", module)), "module_form")
        data["_move"] = f"lesson:{first.pk}:up"

        response = staff_client.post(url("module", module), data, follow=True)

        assert self.titles(module) == ["Leçon 1", "Leçon 2", "Leçon 3"]
        assert tr("“%(item)s” is already first.") % {"item": "Leçon 1"} in messages_of(response)

    @pytest.mark.parametrize(
        "value", ["lesson:999999:up", "lesson:abc:up", "lesson:{other}:up", "quiz:1:up", "x"]
    )
    def test_a_crafted_move_moves_nothing(self, staff_client, course, value):
        module = course.modules.get(order=1)
        other = LessonFactory(title="Ailleurs", order=5)
        data = form_values(staff_client.get(url("module", module)), "module_form")
        data["_move"] = value.format(other=other.pk)

        response = staff_client.post(url("module", module), data, follow=True)

        assert response.status_code == 200
        refusals = {
            tr("Nothing was moved: unknown row."),
            tr("Nothing was moved: this row is no longer here."),
        }
        assert refusals & set(messages_of(response))
        assert self.titles(module) == ["Leçon 1", "Leçon 2", "Leçon 3"]
        other.refresh_from_db()
        assert other.order == 5

    def test_the_first_button_of_the_form_is_save(self, staff_client, course):
        """Enter in a text box presses the form's first button: "Save", not a move."""
        text = page_text(staff_client.get(url("module", course.modules.get(order=1))))
        form = text[text.index('id="module_form"') :]

        first_button = form[form.index('type="submit"') - 80 : form.index('type="submit"') + 80]
        assert 'name="_save"' in first_button

    def test_answers_move_on_the_question_page(self, staff_client, course):
        question = Question.objects.get()
        no = question.choices.get(text="Personne")
        data = form_values(staff_client.get(url("question", question)), "question_form")
        data["_move"] = f"choice:{no.pk}:up"

        staff_client.post(url("question", question), data)

        assert question.choices.order_by("order").first() == no


class TestQuizzes:
    def test_a_question_added_on_the_quiz_page(self, staff_client, course):
        quiz = Quiz.objects.get()
        data = form_values(staff_client.get(url("quiz", quiz)), "quiz_form")
        total = int(data["questions-TOTAL_FORMS"])
        prefix = f"questions-{total}"
        data.update(
            {
                "questions-TOTAL_FORMS": str(total + 1),
                f"{prefix}-text_fr": "Combien de pays ?",
                f"{prefix}-text_en": "How many countries?",
                f"{prefix}-kind": "single",
                f"{prefix}-order": "2",
            }
        )

        response = staff_client.post(url("quiz", quiz), data)

        assert response.status_code == 302, response.context["errors"]
        assert quiz.questions.filter(text_en="How many countries?").exists()

    def answers_form(self, staff_client, question, rows):
        data = form_values(staff_client.get(url("question", question)), "question_form")
        existing = int(data["choices-INITIAL_FORMS"])
        for index, (text, correct) in enumerate(rows):
            data[f"choices-{existing + index}-text_fr"] = text
            data[f"choices-{existing + index}-order"] = str(10 + index)
            if correct:
                data[f"choices-{existing + index}-correct"] = "on"
        return data

    def test_one_answer_question_with_two_correct_is_refused(self, staff_client, course):
        question = Question.objects.get()
        data = self.answers_form(staff_client, question, [("Les ONG", True)])

        response = staff_client.post(url("question", question), data)

        assert response.status_code == 200
        refusal = tr(
            "This question takes one answer, and %(count)d are marked correct: mark one, or "
            "make it a several-answer question."
        ) % {"count": 2}
        errors = response.context["inline_admin_formsets"][0].formset.non_form_errors()
        assert refusal in html.unescape(str(errors))
        assert question.choices.count() == 2

    def test_several_answer_question_may_have_two_correct(self, staff_client, course):
        question = Question.objects.get()
        data = self.answers_form(staff_client, question, [("Les ONG", True)])
        data["kind"] = "multiple"

        response = staff_client.post(url("question", question), data)

        assert response.status_code == 302
        assert question.choices.filter(correct=True).count() == 2

    def test_answers_with_none_correct_are_refused(self, staff_client, course):
        question = Question.objects.get()
        data = form_values(staff_client.get(url("question", question)), "question_form")
        data.pop("choices-0-correct")

        response = staff_client.post(url("question", question), data)

        assert response.status_code == 200
        assert question.choices.filter(correct=True).count() == 1


class TestPreview:
    def test_staff_preview_a_lesson_of_an_unpublished_course(self, staff_client, course):
        lesson = Lesson.objects.get(slug="lecon-2")
        assert tr("Preview as a learner") in page_text(staff_client.get(url("lesson", lesson)))

        response = staff_client.get(url("lesson", lesson, "preview"))

        text = page_text(response)
        assert "Leçon 2" in text
        assert "Les autorités locales sont au cœur des" in text
        assert (
            tr(
                "Preview: this is how learners will read this lesson once the course is "
                "published. It is not published yet: only staff see it."
            )
            in text
        )
        assert "no-store" in response["Cache-Control"]  # never kept by a cache

    def test_the_preview_records_nothing(self, staff_client, course, staff):
        lesson = Lesson.objects.get(slug="lecon-2")

        staff_client.get(url("lesson", lesson, "preview"))

        assert not staff.enrolments.exists()

    def test_members_cannot_preview(self, client, course):
        client.force_login(MemberFactory())
        lesson = Lesson.objects.get(slug="lecon-2")

        response = client.get(url("lesson", lesson, "preview"))

        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]

    def test_an_unknown_lesson_is_not_found(self, staff_client, course):
        assert staff_client.get("/admin/learning/lesson/999999/preview/").status_code == 404


class TestQueries:
    """The admin's pages of a course, a module and a quiz read a fixed number of queries,
    however many modules, lessons, questions and images they show."""

    def count(self, staff_client, address) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        staff_client.get(address)  # the session, the permissions: read once
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(address).status_code == 200
        return len(captured)

    def build(self, size: int):
        course = CourseFactory(published=False, published_at=None)
        for number in range(size):
            module = ModuleFactory(course=course, order=number)
            for order in range(size):
                LessonFactory(module=module, order=order)
        module = course.modules.first()
        quiz = Quiz.objects.create(module=module)
        for number in range(size):
            question = Question.objects.create(quiz=quiz, text=f"Q{number}", order=number)
            Choice.objects.create(question=question, text="Oui", correct=True)
        return course, module, quiz

    def test_fixed_in_the_size_of_the_course(self, staff_client):
        pages = []
        for size in (2, 8):
            course, module, quiz = self.build(size)
            lesson = module.lessons.first()
            pages.append(
                [
                    self.count(staff_client, url("course", course)),
                    self.count(staff_client, url("module", module)),
                    self.count(staff_client, url("quiz", quiz)),
                    self.count(staff_client, url("lesson", lesson)),
                    self.count(staff_client, "/admin/learning/lesson/"),
                    self.count(staff_client, "/admin/learning/quiz/"),
                ]
            )

        assert pages[0] == pages[1]
