"""A module as one self-contained HTML file, for reading without a connection.

The file holds the module's lessons (their Markdown rendered and sanitised as on the site,
``common.text``), the downloads and projects each lesson names (as links to the site), and
its quiz's questions with their possible answers (never which are right, nor the
feedback: the quiz is taken online). Everything it shows is inside it:

- its stylesheet (``templates/learning/offline/module.css``, readable on a phone and in
  print) is in a ``<style>`` element;
- the images a lesson shows (``LessonImage``, read through the storage) are ``data:``
  addresses; an image from anywhere else is replaced by its text alternative;
- no script, no ``<link>``, no frame; links to the site are absolute (they need a
  connection only when followed), and a Content-Security-Policy in the file itself lets
  it load nothing but its own style and images, whatever a browser would try.

``module_file(module, language=…)`` gives the file's text and its name; a fixed number of
queries, whatever the number of lessons, images and questions.
"""

import base64
import hashlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import nh3
from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from markdown_it import MarkdownIt
from markdown_it.token import Token

from common.text import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from common.translation import localized_fields, site_language, text_in_language
from learning.images import IMAGE_PATH
from learning.models import Choice, Lesson, LessonImage, Module, Question, Quiz
from library.models import Resource
from projects.models import Project

# The same Markdown as the site's (common.text); images are handled here.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
# The types of image embedded (those the admin accepts for lessons).
EMBEDDED_TYPES = {"image/png", "image/jpeg"}
# An image file larger than this stays out of the file (its text alternative stands
# instead): the file must stay small enough to send by email or keep on a phone.
EMBEDDED_IMAGE_MAX_BYTES = 5 * 1024 * 1024
# The file's name: the course's address and the module's title, cut to about this long.
FILE_NAME_MAX_LENGTH = 80


@dataclass(frozen=True)
class OfflineFile:
    name: str  # for Content-Disposition
    content: str  # the HTML document


def site_url(path: str) -> str:
    """``path`` (an address on the site) as an absolute address."""
    return urljoin(settings.SITE_URL + "/", path)


def _image_key(src: str) -> int | None:
    """The primary key of the lesson image at ``src``, an address of ``learning:image``
    in any language (the only images the site's lessons show, ``learning.images``), else
    None."""
    match = IMAGE_PATH.match(src or "")
    return int(match["pk"]) if match else None


def _image_tokens(tokens: list[Token]):
    """Every image token of a parsed Markdown text (with the inline token holding it)."""
    for token in tokens:
        if token.type == "inline" and token.children:
            for index, child in enumerate(token.children):
                if child.type == "image":
                    yield token, index, child


def referenced_images(bodies) -> set[int]:
    """The keys of the lesson images the Markdown texts ``bodies`` show."""
    keys = set()
    for body in bodies:
        for _inline, _index, image in _image_tokens(_markdown.parse(body or "")):
            key = _image_key(image.attrs.get("src", ""))
            if key is not None:
                keys.add(key)
    return keys


def data_uri(image: LessonImage) -> str:
    """The image's file as a ``data:`` address; "" when it cannot be embedded (a type not
    accepted, too large, or its file missing from the storage)."""
    if image.content_type not in EMBEDDED_TYPES or image.size > EMBEDDED_IMAGE_MAX_BYTES:
        return ""
    try:
        with image.file.open("rb") as file:
            data = file.read(EMBEDDED_IMAGE_MAX_BYTES + 1)
    except (OSError, ValueError):
        return ""
    if not data or len(data) > EMBEDDED_IMAGE_MAX_BYTES:
        return ""
    return f"data:{image.content_type};base64,{base64.b64encode(data).decode('ascii')}"


def _plain_text(image: Token) -> str:
    return "".join(child.content for child in image.children or [] if child.content)


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3's last word on each attribute: images only as the ``data:`` addresses made
    here, links absolute and never to ``data:``."""
    if tag == "img" and attribute == "src":
        embedded = any(value.startswith(f"data:{kind};base64,") for kind in EMBEDDED_TYPES)
        return value if embedded else None
    if tag == "a" and attribute == "href":
        if value.startswith("#"):
            return value
        absolute = site_url(value)
        return absolute if urlsplit(absolute).scheme in {"http", "https", "mailto"} else None
    return value


def render_lesson_body(body: str, images: dict[int, tuple[str, str]]) -> str:
    """A lesson's Markdown as sanitised HTML (the site's rules, ``common.text``), its
    images embedded: ``images`` maps a lesson image's key to its ``data:`` address and
    text alternative. Any other image becomes its text alternative."""
    tokens = _markdown.parse(body or "")
    for inline, index, image in list(_image_tokens(tokens)):
        key = _image_key(image.attrs.get("src", ""))
        found = images.get(key) if key is not None else None
        if found and found[0]:
            uri, alt = found
            image.attrs["src"] = uri
            image.attrs.pop("title", None)
            if not _plain_text(image).strip():
                image.children = [Token("text", "", 0, content=alt)]
        else:
            inline.children[index] = Token("text", "", 0, content=_plain_text(image))
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS | {"img"},
        attributes={**ALLOWED_ATTRIBUTES, "img": {"src", "alt"}},
        url_schemes={"http", "https", "mailto", "data"},
        link_rel="nofollow ugc noopener",
        attribute_filter=_keep_attribute,
    )


# --- The module's file ------------------------------------------------------------------------


def _lessons(module: Module) -> list[Lesson]:
    return list(
        module.lessons.order_by("order", "id").prefetch_related(
            Prefetch(
                "resources",
                queryset=Resource.objects.published().order_by("pk"),
                to_attr="published_resources",
            ),
            Prefetch(
                "projects",
                queryset=Project.objects.published().order_by("pk"),
                to_attr="published_projects",
            ),
        )
    )


def _quiz(module: Module) -> Quiz | None:
    questions = Question.objects.order_by("order", "id").prefetch_related(
        # Never which answers are right, nor their feedback: the quiz is taken online.
        Prefetch(
            "choices",
            queryset=Choice.objects.only(
                "id", "question_id", "order", "text", *localized_fields("text")
            ).order_by("order", "id"),
        )
    )
    return (
        Quiz.objects.filter(module=module)
        .prefetch_related(Prefetch("questions", queryset=questions))
        .first()
    )


def _translated(obj, field: str) -> dict:
    found = text_in_language(obj, field)
    return {"text": found.text, "lang": found.language, "fallback": found.is_fallback}


def stylesheet() -> tuple[str, str]:
    """The file's stylesheet and its SHA-256 source for the Content-Security-Policy."""
    css = render_to_string("learning/offline/module.css")
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode("ascii")
    return css, f"'sha256-{digest}'"


def quiz_url(module: Module) -> str:
    """Where the module's quiz is taken online."""
    return site_url(
        reverse("learning:quiz", kwargs={"course": module.course.slug, "module": module.pk})
    )


def module_file(module: Module, *, language: str | None = None) -> OfflineFile:
    """The self-contained HTML file of ``module`` in ``language`` (default: the active
    one); its lessons in the course's order, each in that language or, where missing,
    in the first one that exists (marked, with its ``lang``)."""
    language = site_language(language or translation.get_language())
    with translation.override(language):
        course = module.course
        lessons = _lessons(module)
        quiz = _quiz(module)
        bodies = {lesson.pk: text_in_language(lesson, "body") for lesson in lessons}
        keys = referenced_images(found.text for found in bodies.values())
        images = {}
        if keys:
            for image in LessonImage.objects.filter(course=course, pk__in=keys):
                images[image.pk] = (data_uri(image), text_in_language(image, "alt").text)
        rendered_lessons = [
            {
                "anchor": f"lesson-{lesson.slug}",
                "title": _translated(lesson, "title"),
                "body": render_lesson_body(bodies[lesson.pk].text, images),
                "body_lang": bodies[lesson.pk].language,
                "body_fallback": bodies[lesson.pk].is_fallback,
                "url": site_url(
                    reverse("learning:lesson", kwargs={"course": course.slug, "slug": lesson.slug})
                ),
                "resources": [
                    {
                        "title": _translated(resource, "title"),
                        "url": site_url(resource.get_absolute_url()),
                    }
                    for resource in lesson.published_resources
                ],
                "projects": [
                    {
                        "title": _translated(project, "title"),
                        "url": site_url(project.get_absolute_url()),
                    }
                    for project in lesson.published_projects
                ],
            }
            for lesson in lessons
        ]
        questions = []
        if quiz is not None:
            questions = [
                {
                    "text": _translated(question, "text"),
                    "multiple": question.kind == "multiple",
                    "choices": [_translated(choice, "text") for choice in question.choices.all()],
                }
                for question in quiz.questions.all()
            ]
        css, css_source = stylesheet()
        content = render_to_string(
            "learning/offline/module.html",
            {
                "language": language,
                "course": course,
                "course_title": _translated(course, "title"),
                "course_url": site_url(course.get_absolute_url()),
                "module": module,
                "module_title": _translated(module, "title"),
                "module_summary": _translated(module, "summary"),
                "lessons": rendered_lessons,
                "quiz": quiz,
                "quiz_introduction": _translated(quiz, "introduction") if quiz else None,
                "questions": questions,
                "quiz_url": quiz_url(module) if quiz else "",
                "site_url": settings.SITE_URL,
                "saved_at": timezone.now(),
                "css": css,
                "csp": (
                    f"default-src 'none'; img-src data:; style-src {css_source}; "
                    "form-action 'none'; base-uri 'none'"
                ),
            },
        )
    name = slugify(f"{course.slug} {text_in_language(module, 'title').text}")
    if len(name) > FILE_NAME_MAX_LENGTH:  # cut between two words
        name = name[: FILE_NAME_MAX_LENGTH + 1].rsplit("-", 1)[0]
    return OfflineFile(name=f"{name or course.slug}-{language}.html", content=content)
