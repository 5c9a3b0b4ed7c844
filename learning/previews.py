"""A lesson previewed by staff in the admin (``learning.admin.LessonAdmin.preview_view``):
its page as a learner reads it, whether its course is published or not, with a note saying
it is a preview. Nothing is recorded of the visit."""

from django.contrib import messages
from django.http import HttpResponse
from django.utils.translation import gettext as _

from learning import views
from learning.models import Lesson


def render_preview(request, lesson: Lesson) -> HttpResponse:
    lesson = Lesson.objects.select_related("module__course__forum").get(pk=lesson.pk)
    if lesson.module.course.published:
        note = _("Preview: this is how learners read this lesson.")
    else:
        note = _(
            "Preview: this is how learners will read this lesson once the course is "
            "published. It is not published yet: only staff see it."
        )
    messages.info(request, note)
    return views.lesson_page(request, lesson, record=False)
