"""Blog pieces shown on other apps' pages (the catalogue and the forums do not import
blogs): ``{% follow_state %}`` for the Follow/Unfollow button of topics, forums and blogs,
and ``{% project_blog_posts %}`` on a project's page."""

from django import template

from blogs.models import BlogPost, Subscription
from forums.models import Forum, Topic
from network.models import Member

register = template.Library()

KIND_OF = {Topic: "topic", Forum: "forum", Member: "blog_author"}
PROJECT_BLOG_POSTS_SHOWN = 5


@register.simple_tag(takes_context=True)
def follow_state(context, target):
    """``{% follow_state target as follow %}``: {"kind", "pk", "following"} for the
    logged-in person, or None when there is no button to show (anonymous visitors get a
    login link instead; nobody follows their own blog or a closed account)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    kind = KIND_OF.get(type(target))
    if kind is None or user is None or not user.is_authenticated:
        return None
    if kind == "blog_author" and (target.pk == user.pk or target.deleted_at):
        return None
    following = Subscription.objects.filter(member=user, **{kind: target}).exists()
    return {"kind": kind, "pk": target.pk, "following": following}


@register.inclusion_tag("blogs/partials/project_blog_posts.html")
def project_blog_posts(project):
    """``{% project_blog_posts project %}``: the newest published blog posts about
    ``project``, with their authors (one query); nothing when there is none."""
    blog_posts = (
        BlogPost.objects.published()
        .blogs()
        .filter(project=project)
        .select_related("author")
        .order_by("-published_at", "-pk")[:PROJECT_BLOG_POSTS_SHOWN]
    )
    return {"blog_posts": list(blog_posts), "project": project}
