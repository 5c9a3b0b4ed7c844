"""The images of lessons: /<lang>/learning/images/<id>/

Every image goes through this view, never from a public folder: shown inline with the type
decided from its content when it was uploaded (``X-Content-Type-Options: nosniff``, and a
policy allowing nothing should a browser open it as a page). An image of a published
course is for anyone and cached for a year (a stored image never changes, see
``learning/images.py``); one of a course not published is for staff only, and not cached.
"""

import logging

from django.http import FileResponse, Http404
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from learning.models import LessonImage

logger = logging.getLogger("learning.images")

CACHE_SECONDS = 365 * 24 * 3600


def may_see(user, course) -> bool:
    """Anyone the images of a published course; staff those of the others (preview)."""
    return course.published or (user.is_authenticated and user.is_staff)


@require_safe
def image(request, pk: int):
    lesson_image = (
        LessonImage.objects.select_related("course")
        .only("pk", "file", "content_type", "uploaded", "course__published")
        .filter(pk=pk)
        .first()
    )
    if lesson_image is None or not may_see(request.user, lesson_image.course):
        raise Http404(_("No such image."))
    try:
        source = lesson_image.file.open("rb")
    except OSError:
        logger.error("Lesson image %s is missing from the storage (%s).", pk, lesson_image.file)
        raise Http404(_("No such image.")) from None
    response = FileResponse(source, content_type=lesson_image.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser show it as a page: no script, no form, nothing loaded.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Last-Modified"] = http_date(lesson_image.uploaded.timestamp())
    if lesson_image.course.published:
        response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}, immutable"
    else:
        response["Cache-Control"] = "private, no-store"
    return response
