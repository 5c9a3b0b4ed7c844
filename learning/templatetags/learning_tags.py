"""What the member's learning shows on other pages: "Continue where I left off" on their
profile and on the home page (``{% continue_learning %}``)."""

from django import template

from learning.progress import continue_link

register = template.Library()


@register.inclusion_tag("learning/continue_learning.html", takes_context=True)
def continue_learning(context):
    """For a logged-in member, a link back to the lesson they last opened in their most
    recent course not completed (nothing when there is none, or for a visitor): one query,
    two when that lesson has gone."""
    request = context.get("request")
    user = getattr(request, "user", None)
    found = continue_link(user) if user is not None else None
    course, lesson = found if found else (None, None)
    return {"course": course, "lesson": lesson}
