"""The images staff upload for a course's lessons, and lesson text that shows them.

An image is checked by its content with the library's checks (``library.uploads``): PNG and
JPEG only (no SVG, which may hold a script), ``IMAGE_MAX_BYTES`` at most, stored through
Django's storage under a random name. A stored image never changes: its address
(``learning:image``) is cached by browsers for a year, so a new picture is a new image. An
image a lesson shows cannot be deleted until no lesson shows it.

A lesson refers to an image by its address in Markdown, ``![What it shows](/fr/learning/
images/12/)``; the admin shows the snippet to copy. ``render_lesson`` turns a lesson's
Markdown into safe HTML like a forum post's (``common.text``), keeping images whose address
is one of these and no other (no request leaves the site).
"""

import re
import secrets

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from markdown_it import MarkdownIt

from common.text import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from learning.models import LessonImage
from library.uploads import JPEG, PNG, CheckedUpload, check_upload, display_name

# A lesson is read on slow phone connections: an image of a lesson stays small.
DEFAULT_IMAGE_MAX_BYTES = 1024 * 1024
IMAGE_TYPES = {PNG: "png", JPEG: "jpg"}
ACCEPT = ".png,.jpg,.jpeg,image/png,image/jpeg"

# Markdown read as a forum post's is (common.text).
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

# An image's address in any of the site's languages: /fr/learning/images/12/
IMAGE_PATH = re.compile(r"^/(?P<language>[a-z]{2})/learning/images/(?P<pk>[0-9]{1,18})/$")


def image_max_bytes() -> int:
    return getattr(settings, "LEARNING_IMAGE_MAX_BYTES", DEFAULT_IMAGE_MAX_BYTES)


def check_image(uploaded) -> CheckedUpload:
    """What ``uploaded`` is, decided from its content: a PNG or JPEG image of
    ``image_max_bytes()`` at most; a ``ValidationError`` saying what is wrong otherwise."""
    name = display_name(uploaded)
    size = uploaded.size or 0
    if size > image_max_bytes():
        raise ValidationError(
            _(
                "“%(name)s” is %(size)s: a lesson image takes %(limit)s at most (lessons are "
                "read on slow connections). Make it smaller, or save it as JPEG."
            ),
            code="too_large",
            params={
                "name": name,
                "size": filesizeformat(size),
                "limit": filesizeformat(image_max_bytes()),
            },
        )
    try:
        checked = check_upload(uploaded)
    except ValidationError as error:
        if error.code == "empty":
            raise
        checked = None
    if checked is None or checked.content_type not in IMAGE_TYPES:
        raise ValidationError(
            _("“%(name)s” is not a PNG or JPEG image: lessons show only these."),
            code="not_an_image",
            params={"name": name},
        )
    if checked.content_type == PNG and not _png_header_valid(uploaded):
        raise ValidationError(
            _("“%(name)s” is damaged: it starts like a PNG image but is not one."),
            code="broken_image",
            params={"name": name},
        )
    return checked


def _png_header_valid(uploaded) -> bool:
    """A PNG image starts with its IHDR chunk, of a width and a height above zero."""
    uploaded.seek(0)
    head = uploaded.read(24)
    uploaded.seek(0)
    if len(head) < 24 or head[12:16] != b"IHDR":
        return False
    width, height = int.from_bytes(head[16:20]), int.from_bytes(head[20:24])
    return width > 0 and height > 0


def store_image(image: LessonImage, uploaded, checked: CheckedUpload) -> None:
    """Store ``uploaded`` (checked by ``check_image``) as ``image``'s file under a random
    name, with its type and size, before ``image`` is saved."""
    image.content_type = checked.content_type
    image.size = checked.size
    image.storage_name = f"{secrets.token_urlsafe(18)}.{IMAGE_TYPES[checked.content_type]}"
    uploaded.seek(0)
    image.file.save(image.storage_name, uploaded, save=False)


def delete_files_on_commit(images) -> None:
    """Once the transaction under way commits, delete the files of ``images`` (rows being
    deleted: an image staff delete, a course deleted). Read now, deleted only if the
    deletion commits."""
    names = [name for name in images.values_list("file", flat=True) if name]
    if not names:
        return
    storage = LessonImage._meta.get_field("file").storage

    def delete():
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete, robust=True)


def image_url(image, language: str | None = None) -> str:
    """The address lessons show ``image`` at, in ``language``'s pages."""
    with translation.override(language or translation.get_language()):
        return reverse("learning:image", kwargs={"pk": image.pk})


def markdown_snippet(image: LessonImage, language: str) -> str:
    """What to paste in a lesson written in ``language`` to show ``image`` there."""
    alt = getattr(image, f"alt_{language}", "") or image.alt
    alt = alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace("\n", " ")
    return f"![{alt}]({image_url(image, language)})"


def image_ids(text: str) -> list[int]:
    """The ids of the lesson images ``text`` (Markdown) shows, in order, once each."""
    ids = []
    for match in re.finditer(r"/[a-z]{2}/learning/images/([0-9]{1,18})/", text or ""):
        pk = int(match.group(1))
        if pk not in ids:
            ids.append(pk)
    return ids


def _keep_own_images(tag: str, attribute: str, value: str):
    if tag == "img" and attribute == "src":
        return value if IMAGE_PATH.match(value) else None
    return value


LESSON_TAGS = ALLOWED_TAGS | {"img"}
LESSON_ATTRIBUTES = {**ALLOWED_ATTRIBUTES, "img": {"src", "alt"}}


def render_lesson(text: str) -> str:
    """A lesson's Markdown as safe HTML: sanitised like a forum post (``common.text``), with
    the course's images (``/<lang>/learning/images/<id>/``) and no other; images load
    lazily, below the fold."""
    html = _markdown.render(text or "")
    html = nh3.clean(
        html,
        tags=LESSON_TAGS,
        attributes=LESSON_ATTRIBUTES,
        attribute_filter=_keep_own_images,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
        set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}},
    )
    # An image whose address was not one of ours is left without one: drop it.
    return re.sub(r"<img(?![^>]*\ssrc=)[^>]*>", "", html)
