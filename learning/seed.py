"""Loading the seed courses from ``fixtures/learning/<course slug>/``, in French, English and
Spanish: the first is "Migration and local development: the JMDI approach", written from
the initiative's own presentation (the source document of the portal).

A course's folder holds, so that each text can be read and translated where it lies:

- ``course.json``: what no language changes: the slug, audience, level, estimated hours,
  languages, themes (slugs of the catalogue), the discussion forum (slug of a forum of
  ``fixtures/forums.json``) and the modules in order, each with the folder of its texts and
  its lessons in order (slug, the catalogue's projects as cases, the library's resources
  as downloads);
- ``<language>/course.md``, ``<language>/<NN-module>/module.md`` and
  ``<language>/<NN-module>/<NN>-<lesson slug>.md``: a front matter (``title: …`` between
  two ``---`` lines), then the Markdown text: the course's or module's summary, the
  lesson's body;
- ``quizzes.json``: the quiz ending each module (by module folder): pass mark,
  introduction, questions (one answer or several) with their answers, each right or not
  and with the feedback the learner who chose it reads, the languages side by side.

Like the other seed files (common/seed.py): courses are created when there is no course at
all, or one at a time when asked for by slug (``load_seed --course <slug>``); a seed course
staff deleted stays deleted, and one whose slug they changed is not created again. A
course created comes whole and published (its lessons all have text, its quizzes a right
answer to each question), with its discussion forum (created from ``fixtures/forums.json``
if there is none with that slug), its themes, cases and downloads (those the catalogue and
the library still have). A course already there keeps what staff made of it, its modules,
lessons and quizzes included; only the translations it lacks are filled in from the files:
lessons found by slug, modules by the lessons they hold, questions and answers by their
French text (one staff rewrote is left alone).
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from common.seed import (
    SeedReport,
    UnknownSeedRow,
    check_requested,
    fill_missing_translations,
    load_row,
    with_translations,
)
from common.translation import LANGUAGE_CODES
from forums.models import Forum
from forums.seed import load_forums
from learning.models import Choice, Course, Lesson, Module, Question, Quiz
from library.models import Resource
from projects.models import Project, Theme

COURSE_FIELDS = [
    "title",
    "summary",
    "audience",
    "level",
    "estimated_hours",
    "languages",
    "published",
    "published_at",
]


class LessonSlugsTaken(UnknownSeedRow):
    """A seed course that cannot be created: lessons of another course have the slugs of
    some of its lessons (a lesson's slug is unique across courses)."""

    def __init__(self, course: str, slugs: Iterable[str]):
        self.course, self.slugs = course, sorted(slugs)
        ValueError.__init__(
            self,
            f"The seed course {course} cannot be created: other lessons already have the "
            f"slugs {', '.join(self.slugs)}. Rename those lessons first.",
        )


class SeedFileError(ValueError):
    """A course folder that does not hold what ``course.json`` says (a missing language
    file, a front matter without a title)."""


def read_text(path: Path) -> tuple[dict[str, str], str]:
    """The front matter (``key: value`` lines between two ``---`` lines) and the Markdown
    text of ``path``."""
    if not path.is_file():
        raise SeedFileError(f"{path} is missing.")
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n") or "\n---\n" not in text[3:]:
        raise SeedFileError(f"{path} does not start with a front matter between two ---.")
    head, _, body = text[4:].partition("\n---\n")
    meta = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        meta[key.strip()] = value.strip()
    if not meta.get("title"):
        raise SeedFileError(f"{path} has no title in its front matter.")
    return meta, body.strip()


def _texts(folder: Path, relative: Path, title: str, text: str) -> dict[str, str]:
    """``{title_fr: …, <text>_fr: …, title_en: …}`` from ``folder/<language>/relative`` for
    each language."""
    row = {}
    for language in LANGUAGE_CODES:
        meta, body = read_text(folder / language / relative)
        row[f"{title}_{language}"] = meta["title"]
        row[f"{text}_{language}"] = body
    return row


@dataclass
class SeedCourse:
    """A course folder read whole: the course's row and its modules, each with its lessons
    and its quiz (``None`` when it has none)."""

    row: dict
    themes: list[str]
    forum: str
    modules: list[dict] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.row["slug"]

    def lessons(self) -> list[dict]:
        return [lesson for module in self.modules for lesson in module["lessons"]]


def read_course(folder: Path) -> SeedCourse:
    """The course of ``folder`` (see the module's docstring), every language read."""
    folder = Path(folder)
    data = json.loads((folder / "course.json").read_text(encoding="utf-8"))
    quizzes = json.loads((folder / "quizzes.json").read_text(encoding="utf-8"))["quizzes"]
    row = {
        "slug": data["slug"],
        "audience": data["audience"],
        "level": data["level"],
        "estimated_hours": data["estimated_hours"],
        "languages": data["languages"],
        **_texts(folder, Path("course.md"), "title", "summary"),
    }
    course = SeedCourse(row=row, themes=data.get("themes", []), forum=data.get("forum", ""))
    unknown = set(quizzes) - {module["folder"] for module in data["modules"]}
    if unknown:
        raise SeedFileError(f"{folder}/quizzes.json names no module of the course: {unknown}.")
    for order, module in enumerate(data["modules"], start=1):
        name = module["folder"]
        lessons = []
        for lesson_order, lesson in enumerate(module["lessons"], start=1):
            file_name = f"{lesson_order:02d}-{lesson['slug']}.md"
            lessons.append(
                {
                    "slug": lesson["slug"],
                    "order": lesson_order,
                    "cases": lesson.get("cases", []),
                    "downloads": lesson.get("downloads", []),
                    **_texts(folder, Path(name, file_name), "title", "body"),
                }
            )
        course.modules.append(
            {
                "folder": name,
                "order": order,
                **_texts(folder, Path(name, "module.md"), "title", "summary"),
                "lessons": lessons,
                "quiz": quizzes.get(name),
            }
        )
    return course


def read_courses(folder: Path) -> list[SeedCourse]:
    """Every course of ``folder`` (one sub-folder holding a ``course.json`` each)."""
    return [read_course(path.parent) for path in sorted(Path(folder).glob("*/course.json"))]


@transaction.atomic
def load_learning(folder: Path, *, forums: Path, courses: Iterable[str] = ()) -> SeedReport:
    """Load the courses of ``folder``: all of them when there is no course yet, else the
    ``courses`` asked for (slugs of the folder; UnknownSeedRow otherwise), and the missing
    translations of those already there. ``forums``: the forums file a course's forum comes
    from when the database lacks it."""
    seed = read_courses(folder)
    requested = check_requested("course", courses, [course.row for course in seed])
    empty = not Course.objects.exists()
    fields = with_translations(Course, COURSE_FIELDS)
    now = timezone.now()
    report = SeedReport(created={"courses": 0})
    for course in seed:
        row = {**course.row, "published": True, "published_at": now}
        create = empty or course.slug in requested
        obj, created = load_row(Course, row, fields, kind="courses", report=report, create=create)
        if created:
            _fill_new_course(obj, course, forums=forums)
        elif obj is not None:
            report.translations_filled += _fill_missing_translations(obj, course)
    return report


def _fill_new_course(obj: Course, course: SeedCourse, *, forums: Path) -> None:
    """Give the course just created its forum, themes, modules, lessons and quizzes."""
    obj.forum = _forum(course.forum, forums)
    if obj.forum is not None:
        obj.save(update_fields=["forum"])
    obj.themes.set(Theme.objects.filter(slug__in=course.themes))
    lessons = course.lessons()
    taken = set(
        Lesson.objects.filter(slug__in=[lesson["slug"] for lesson in lessons]).values_list(
            "slug", flat=True
        )
    )
    if taken:
        raise LessonSlugsTaken(course.slug, taken)
    projects = Project.objects.in_bulk(
        {slug for lesson in lessons for slug in lesson["cases"]}, field_name="slug"
    )
    resources = Resource.objects.in_bulk(
        {slug for lesson in lessons for slug in lesson["downloads"]}, field_name="slug"
    )
    module_fields = with_translations(Module, ["title", "summary", "order"])
    lesson_fields = with_translations(Lesson, ["title", "slug", "body", "order"])
    for module_row in course.modules:
        module = Module.objects.create(
            course=obj, **{name: module_row[name] for name in module_fields}
        )
        for lesson_row in module_row["lessons"]:
            lesson = Lesson.objects.create(
                module=module, **{name: lesson_row[name] for name in lesson_fields}
            )
            lesson.projects.set([projects[s] for s in lesson_row["cases"] if s in projects])
            lesson.resources.set([resources[s] for s in lesson_row["downloads"] if s in resources])
        if module_row["quiz"]:
            _create_quiz(module, module_row["quiz"])


def _forum(slug: str, forums: Path) -> Forum | None:
    """The forum with ``slug``, created from the forums file if the database lacks it."""
    if not slug:
        return None
    forum = Forum.objects.filter(slug=slug).first()
    if forum is None:
        load_forums(forums, forums=[slug])
        forum = Forum.objects.get(slug=slug)
    return forum


def _create_quiz(module: Module, row: dict) -> Quiz:
    quiz = Quiz.objects.create(
        module=module,
        pass_mark=row["pass_mark"],
        **{name: row[name] for name in with_translations(Quiz, ["introduction"])},
    )
    question_fields = with_translations(Question, ["text", "kind"])
    choice_fields = with_translations(Choice, ["text", "feedback", "correct"])
    for order, question_row in enumerate(row["questions"], start=1):
        question = Question.objects.create(
            quiz=quiz, order=order, **{name: question_row[name] for name in question_fields}
        )
        for choice_order, choice_row in enumerate(question_row["choices"], start=1):
            Choice.objects.create(
                question=question,
                order=choice_order,
                **{name: choice_row[name] for name in choice_fields},
            )
    return quiz


def _fill_missing_translations(obj: Course, course: SeedCourse) -> int:
    """Fill in the translations the course's rows lack from the files (common/seed.py),
    for the rows that can be told apart whatever staff did: lessons by slug, modules by a
    lesson they hold, questions and answers by their French text."""
    lessons = {
        lesson.slug: lesson
        for lesson in Lesson.objects.filter(module__course=obj).select_related("module")
    }
    quizzes = {quiz.module_id: quiz for quiz in Quiz.objects.filter(module__course=obj)}
    questions = {}
    for question in Question.objects.filter(quiz__module__course=obj).prefetch_related("choices"):
        questions.setdefault(question.quiz_id, []).append(question)
    filled = 0
    for module_row in course.modules:
        there = [lessons[row["slug"]] for row in module_row["lessons"] if row["slug"] in lessons]
        for row in module_row["lessons"]:
            if row["slug"] in lessons:
                filled += fill_missing_translations(lessons[row["slug"]], row)
        if not there:
            continue  # staff removed or renamed every lesson of the module: leave it
        module = there[0].module
        filled += fill_missing_translations(module, module_row)
        quiz = quizzes.get(module.pk)
        if quiz is None or not module_row["quiz"]:
            continue
        filled += fill_missing_translations(quiz, module_row["quiz"])
        by_text = {question.text_fr: question for question in questions.get(quiz.pk, [])}
        for question_row in module_row["quiz"]["questions"]:
            question = by_text.get(question_row["text_fr"])
            if question is None:
                continue
            filled += fill_missing_translations(question, question_row)
            choices = {choice.text_fr: choice for choice in question.choices.all()}
            for choice_row in question_row["choices"]:
                choice = choices.get(choice_row["text_fr"])
                if choice is not None:
                    filled += fill_missing_translations(choice, choice_row)
    return filled
