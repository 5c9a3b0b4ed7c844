"""The seed course, "Migration and local development: the JMDI approach": published whole in
French, English and Spanish, written from the source document and the catalogue (every
figure in its lessons is one of the catalogue's), each quiz answerable, its cases real
projects; loaded by ``load_seed`` without creating anything twice or bringing back what
staff removed."""

import json
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command

from common.translation import LANGUAGE_CODES
from forums.models import Forum
from learning.models import Choice, Course, Lesson, Module, Question, QuestionKind, Quiz
from learning.seed import read_courses
from learning.services import publishing_problems
from projects.models import Project
from tests.factories import CourseFactory, LessonFactory
from tests.html import find, find_all, parse, text

pytestmark = pytest.mark.django_db

FIXTURES = settings.BASE_DIR / "fixtures"
COURSE_FOLDER = FIXTURES / "learning" / "migration-local-development"
SLUG = "migration-local-development"
FORUM = "cours-migration-developpement-local"


def load_seed(*args) -> str:
    out = StringIO()
    call_command("load_seed", *args, stdout=out)
    return out.getvalue()


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def course_file() -> dict:
    return json.loads((COURSE_FOLDER / "course.json").read_text(encoding="utf-8"))


def learning_and_forum_rows() -> dict[str, int]:
    """Rows in every table of the courses (history included) and of the forums."""
    models = [
        *apps.get_app_config("learning").get_models(include_auto_created=True),
        *apps.get_app_config("forums").get_models(include_auto_created=True),
    ]
    return {model._meta.db_table: model._default_manager.count() for model in models}


def words(text: str) -> int:
    return len(re.findall(r"\w+", text))


# --- what the seed holds ----------------------------------------------------------------------


def test_the_course_is_published_in_three_languages_with_its_forum(seed_copy):
    course = Course.objects.get(slug=SLUG)

    assert course.published and course.published_at
    assert (course.title_fr, course.title_en, course.title_es) == (
        "Migration et développement local : l’approche de l’ICMD",
        "Migration and local development: the JMDI approach",
        "Migración y desarrollo local: el enfoque de la ICMD",
    )
    assert all(getattr(course, f"summary_{code}") for code in LANGUAGE_CODES)
    assert course.languages == ["fr", "en", "es"]
    assert (course.audience, course.level, course.estimated_hours) == (
        "all",
        "introductory",
        Decimal("2.0"),
    )
    assert {theme.slug for theme in course.themes.all()} == {"local-governance", "diaspora"}
    assert course.forum.slug == FORUM
    assert all(getattr(course.forum, f"name_{code}") for code in LANGUAGE_CODES)
    assert all(getattr(course.forum, f"description_{code}") for code in LANGUAGE_CODES)
    assert publishing_problems(course) == []


def test_five_modules_of_two_or_three_short_lessons_each_ending_with_a_quiz(seed_copy):
    modules = list(Module.objects.filter(course__slug=SLUG).order_by("order"))

    assert [module.order for module in modules] == [1, 2, 3, 4, 5]
    assert [module.title_en for module in modules] == [
        "Why local authorities matter",
        "The expected results",
        "Partnerships between local authorities and civil society",
        "The selection criteria as a checklist",
        "Case studies: the 16 supported projects",
    ]
    for module in modules:
        for code in LANGUAGE_CODES:
            assert getattr(module, f"title_{code}") and getattr(module, f"summary_{code}")
        lessons = list(module.lessons.order_by("order"))
        assert 2 <= len(lessons) <= 3, module.title_en
        assert [lesson.order for lesson in lessons] == list(range(1, len(lessons) + 1))
        assert 3 <= module.quiz.questions.count() <= 5, module.title_en
        assert all(getattr(module.quiz, f"introduction_{code}") for code in LANGUAGE_CODES)


def test_every_lesson_in_french_english_and_spanish_translated_not_copied(seed_copy):
    lessons = Lesson.objects.filter(module__course__slug=SLUG)

    assert lessons.count() == 11
    for lesson in lessons:
        titles = [getattr(lesson, f"title_{code}") for code in LANGUAGE_CODES]
        bodies = [getattr(lesson, f"body_{code}") for code in LANGUAGE_CODES]
        assert all(titles) and all(bodies), lesson.slug
        assert len(set(titles)) == 3 and len(set(bodies)) == 3, lesson.slug
        for body in bodies:
            assert 300 <= words(body) <= 600, (lesson.slug, words(body))
            assert not body.startswith("---") and "\n# " not in body  # no front matter, no h1
    assert "ICMD" in lessons.get(slug="jmdi-at-a-glance").body_fr
    assert "JMDI" in lessons.get(slug="jmdi-at-a-glance").body_en
    assert "ICMD" in lessons.get(slug="jmdi-at-a-glance").body_es
    assert "ICMD" not in " ".join(lessons.values_list("body_en", flat=True))


def test_every_question_can_be_answered_and_every_answer_explained(seed_copy):
    questions = Question.objects.filter(quiz__module__course__slug=SLUG).prefetch_related("choices")

    assert questions.count() == 22
    for question in questions:
        assert all(getattr(question, f"text_{code}") for code in LANGUAGE_CODES)
        choices = list(question.choices.all())
        right = [choice for choice in choices if choice.correct]
        if question.kind == QuestionKind.SINGLE:
            assert len(right) == 1, question.text_en
        else:
            assert question.kind == QuestionKind.MULTIPLE
            assert 2 <= len(right) < len(choices), question.text_en
        assert len(choices) - len(right) >= 1, question.text_en
        for choice in choices:
            for code in LANGUAGE_CODES:
                assert getattr(choice, f"text_{code}"), (question.text_en, code)
                assert getattr(choice, f"feedback_{code}"), (choice.text_en, code)
    # Three right out of four, four out of five: the pass mark lets one mistake through.
    for quiz in Quiz.objects.filter(module__course__slug=SLUG):
        total = quiz.questions.count()
        assert 100 * (total - 1) // total >= quiz.pass_mark > 100 * (total - 2) // total


def test_the_cases_are_the_catalogue_s_projects_and_every_project_is_a_case(seed_copy):
    catalogue = {row["slug"] for row in fixture("catalogue.json")["projects"]}
    library = {row["slug"] for row in fixture("library.json")["resources"]}
    cases, downloads = set(), set()
    for module in course_file()["modules"]:
        for row in module["lessons"]:
            lesson = Lesson.objects.get(slug=row["slug"])
            assert set(lesson.projects.values_list("slug", flat=True)) == set(row["cases"])
            assert set(lesson.resources.values_list("slug", flat=True)) == set(row["downloads"])
            cases |= set(row["cases"])
            downloads |= set(row["downloads"])

    assert cases == catalogue  # the case studies cover the 16 projects
    assert downloads <= library
    figuig = Project.objects.get(slug="figuig-palm-grove")
    assert "Figuig" in figuig.lessons.get(slug="cases-diaspora-local-economy").body_en


def strings(data) -> list[str]:
    """Every string in ``data`` (a JSON document), keys left out."""
    if isinstance(data, str):
        return [data]
    values = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    return [text for value in values for text in strings(value)]


def _numbers(text: str) -> set[int]:
    """The numbers written in ``text``, their thousands separators ("230 000", "230,000")
    and decimals (".00") read."""
    found = set()
    for match in re.findall(r"\d{1,3}(?:[ ,\u00a0\u202f]\d{3})+|\d+", text):
        found.add(int(re.sub(r"\D", "", match)))
    return found


def test_every_figure_in_the_course_is_one_of_the_catalogue_s():
    """No invented figures: every number in the lessons, quizzes and summaries is one the
    catalogue holds (from the source document: years, 51 projects in 16 countries, the
    projects' durations, funding, the 7 municipalities of Morazán, region 4A), the total of
    the projects' funding, or a small ordinal (a list's numbering, "module 5")."""
    catalogue = fixture("catalogue.json")
    allowed = _numbers(
        re.sub(r"(\d+)\.00\b", r"\1", (FIXTURES / "catalogue.json").read_text(encoding="utf-8"))
    )
    total = sum(Decimal(row["funding_amount"]) for row in catalogue["projects"])
    assert total == Decimal("3448000")
    allowed |= {int(total), *range(1, 11)}
    texts = [path.read_text(encoding="utf-8") for path in COURSE_FOLDER.glob("*/**/*.md")]
    quizzes = json.loads((COURSE_FOLDER / "quizzes.json").read_text(encoding="utf-8"))
    texts.extend(strings(quizzes))  # what learners read, not the pass marks

    for written in texts:
        assert _numbers(written) <= allowed, _numbers(written) - allowed


def test_the_files_hold_each_language_of_each_text_and_nothing_else():
    (course,) = read_courses(FIXTURES / "learning")
    expected = {"course.md"}
    for module in course.modules:
        expected.add(f"{module['folder']}/module.md")
        for lesson in module["lessons"]:
            expected.add(f"{module['folder']}/{lesson['order']:02d}-{lesson['slug']}.md")
    for code in LANGUAGE_CODES:
        folder = COURSE_FOLDER / code
        assert {str(path.relative_to(folder)) for path in folder.rglob("*.md")} == expected
    quizzes = json.loads((COURSE_FOLDER / "quizzes.json").read_text(encoding="utf-8"))
    assert set(quizzes["quizzes"]) == {module["folder"] for module in course.modules}


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_every_lesson_page_is_light_and_whole_in_each_language(member_client, seed_copy, language):
    """What a learner gets: each lesson's page under 50 KB, with its text, cases and
    downloads in the page's language, nothing falling back to another one."""
    lessons = Lesson.objects.filter(module__course__slug=SLUG).select_related("module__course")
    for lesson in lessons:
        response = member_client.get(f"/{language}{lesson.get_absolute_url()[3:]}")
        assert response.status_code == 200, lesson.slug
        assert len(response.content) < 50_000, (lesson.slug, len(response.content))
        main = find(parse(response), "main")
        assert text(find(main, "h1")) == getattr(lesson, f"title_{language}")
        assert not find_all(main, "small", "untranslated"), (lesson.slug, language)
        other = [
            node.attrs["lang"]
            for node in find_all(find(main, "article"), "*")
            if node.attrs.get("lang", language) != language
        ]
        assert not other, (lesson.slug, language, other)


# --- loading again ----------------------------------------------------------------------------


def test_loading_again_creates_nothing_and_changes_nothing(seed):
    before = learning_and_forum_rows()
    assert before["learning_course"] == 1
    assert before["learning_lesson"] == 11
    titles = dict(Lesson.objects.values_list("slug", "title_es"))

    output = load_seed()

    assert learning_and_forum_rows() == before
    assert dict(Lesson.objects.values_list("slug", "title_es")) == titles
    assert "0 courses" in output
    assert "filled 0 missing translations" in output


def test_staff_edits_survive_and_missing_translations_are_filled(seed):
    lesson = Lesson.objects.get(slug="why-the-local-level")
    lesson.title_fr = "Pourquoi le local ? (revu)"
    lesson.body_es = ""
    lesson.save()
    module = lesson.module
    module.title_en = ""
    module.save()
    question = Question.objects.filter(quiz__module=module).order_by("order").first()
    Question.objects.filter(pk=question.pk).update(text_en=None)
    choice = question.choices.order_by("order").last()
    Choice.objects.filter(pk=choice.pk).update(feedback_es="")
    rewritten = question.choices.order_by("order").first()
    Choice.objects.filter(pk=rewritten.pk).update(text_fr="Réponse revue", text_en="")

    output = load_seed()

    lesson.refresh_from_db()
    assert lesson.title_fr == "Pourquoi le local ? (revu)"
    assert lesson.body_es.startswith("¿Por qué pone la ICMD el acento en las autoridades")
    module.refresh_from_db()
    assert module.title_en == "Why local authorities matter"
    question.refresh_from_db()
    assert question.text_en == "Who implements the JMDI programme?"
    choice.refresh_from_db()
    assert choice.feedback_es.startswith("No: la Comisión Europea")
    rewritten.refresh_from_db()
    assert (rewritten.text_fr, rewritten.text_en) == (
        "Réponse revue",
        "",
    )  # not the seed's any more
    assert "filled 4 missing translations" in output


def test_a_course_staff_deleted_is_not_brought_back_unless_asked_for(seed):
    CourseFactory(slug="another-course")  # staff keep the courses now
    Course.objects.get(slug=SLUG).delete()

    output = load_seed()

    assert not Course.objects.filter(slug=SLUG).exists()
    assert SLUG in output and "--course <slug>" in output

    output = load_seed("--course", SLUG)

    course = Course.objects.get(slug=SLUG)
    assert "1 courses" in output
    assert course.forum.slug == FORUM
    assert Lesson.objects.filter(module__course=course).count() == 11
    assert Forum.objects.filter(slug=FORUM).count() == 1
    assert "Already there, left as they are: " + SLUG in load_seed("--course", SLUG)
    with pytest.raises(CommandError, match="The seed has no course nowhere; its courses are: "):
        load_seed("--course", "nowhere")


def test_the_course_s_forum_comes_with_it_when_staff_already_keep_the_forums(db):
    Forum.objects.create(name="Débats", slug="debats")

    load_seed()

    course = Course.objects.get(slug=SLUG)
    assert course.forum.slug == FORUM
    assert sorted(Forum.objects.values_list("slug", flat=True)) == sorted(["debats", FORUM])


def test_a_lesson_slug_another_course_took_stops_the_course_with_a_clear_message(db):
    LessonFactory(slug="criteria-checklist")

    with pytest.raises(CommandError, match="other lessons already have the slugs criteria-check"):
        load_seed("--course", SLUG)
    assert not Course.objects.filter(slug=SLUG).exists()
