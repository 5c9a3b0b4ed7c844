"""``{% follow_state target as follow %}``: what the Follow/Unfollow button needs."""

from django import template

from forums.models import Forum, Subscription, Topic
from network.models import Member

register = template.Library()

KIND_OF = {Topic: "topic", Forum: "forum", Member: "blog_author"}


@register.simple_tag(takes_context=True)
def follow_state(context, target):
    """{"kind", "pk", "following", "can_follow"} for the logged-in person, or None when
    there is no button to show (anonymous visitors get a login link instead; nobody follows
    their own blog or a closed account)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    kind = KIND_OF.get(type(target))
    if kind is None or user is None or not user.is_authenticated:
        return None
    if kind == "blog_author" and (target.pk == user.pk or target.deleted_at):
        return None
    following = Subscription.objects.filter(member=user, **{kind: target}).exists()
    return {"kind": kind, "pk": target.pk, "following": following}
