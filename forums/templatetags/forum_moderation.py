"""Moderation in templates: whether the reader moderates (asked once per page), and where an
e-discussion stands."""

from django import template
from django.utils import timezone

from forums import services
from forums.models import is_moderator
from forums.services import may_write_summary, summary_refusal

register = template.Library()


@register.simple_tag(takes_context=True)
def reader_moderates(context) -> bool:
    """``{% reader_moderates as moderates %}``: is the person reading a moderator? Cached on
    the request, so that a page listing many posts asks the database once."""
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    if request is None:
        return is_moderator(user)
    if not hasattr(request, "_reader_moderates"):
        request._reader_moderates = is_moderator(user)
    return request._reader_moderates


@register.simple_tag
def ediscussion_status(topic, now=None) -> str:
    """ "upcoming", "open" or "closed", by the e-discussion's dates."""
    now = now or timezone.now()
    if topic.starts_at and now < topic.starts_at:
        return "upcoming"
    if topic.ends_at and now >= topic.ends_at:
        return "closed"
    return "open"


@register.filter
def local_time(value) -> str:
    """``{{ topic.ends_at|local_time }}``: an e-discussion's time in the site's time zone,
    with the zone's name, as everywhere e-discussions' times show."""
    return services.local_time(value) if value else ""


@register.simple_tag(takes_context=True)
def reader_writes_summary(context, topic) -> bool:
    """The e-discussion's named moderator, or staff, once it has closed."""
    user = context.get("user")
    return may_write_summary(member=user, topic=topic) and not summary_refusal(topic=topic)
