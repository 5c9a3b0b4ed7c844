"""Forum pieces shown on other apps' pages (the catalogue does not import forums)."""

from django import template
from django.db.models import F

from forums.models import Topic

register = template.Library()

PROJECT_TOPICS_SHOWN = 5


@register.inclusion_tag("forums/partials/project_topics.html", takes_context=True)
def project_topics(context, project):
    """``{% project_topics project %}``: the newest topics about ``project`` that the viewer
    may read, with the summary of e-discussions that have one."""
    request = context.get("request")
    viewer = getattr(request, "user", None)
    topics = (
        Topic.objects.visible_to(viewer)
        .filter(project=project)
        .annotate(reply_count=F("post_count") - 1)
        .order_by("-last_activity", "-id")[:PROJECT_TOPICS_SHOWN]
    )
    return {"topics": list(topics), "project": project}
