"""Reading and writing in the forums: categories, topics, posts, replies, edits, previews.

Views stay thin: what a person may see comes from ``visible_to`` querysets, what they may
write is decided by ``forums.services`` (whose ``ForumError`` messages are shown as they are).
"""

from http import HTTPStatus

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.pagination import paginate
from common.text import render_markdown
from forums import services
from forums.forms import POST_MAX_LENGTH, PostEditForm, PreviewForm, ReplyForm, TopicForm
from forums.models import Forum, Post, ReadMark, Topic, is_moderator
from network.models import Member

TOPICS_PER_PAGE = 25
POSTS_PER_PAGE = 20
POSTING_RATE_LIMIT = "forum_post"


# --- who is looking ------------------------------------------------------------------------


def viewer_is_moderator(request) -> bool:
    """``is_moderator`` for the person making the request, asked once per request."""
    if not hasattr(request, "_forum_moderator"):
        request._forum_moderator = is_moderator(request.user)
    return request._forum_moderator


def visible_topics(request):
    return Topic.objects.visible_to(request.user if viewer_is_moderator(request) else None)


def posting_refusal(request, topic: Topic | None = None) -> str:
    """Why this person cannot write here now ("" when they can)."""
    user = request.user
    if not user.is_authenticated:
        return _("Log in to write in the forums.")
    if not services.can_post(user):
        return _("Confirm your email address before you write.")
    if topic is not None:
        if topic.is_locked:
            return _("This topic is locked: it takes no more replies.")
        if topic.is_ediscussion and not topic.is_open():
            if timezone.now() < topic.starts_at:
                return _("This e-discussion opens on %(date)s.") % {
                    "date": formats.date_format(topic.starts_at, "DATETIME_FORMAT")
                }
            return _("This e-discussion closed on %(date)s.") % {
                "date": formats.date_format(topic.ends_at, "DATETIME_FORMAT")
            }
    return ""


def refused(request, message: str, back_url: str, status=HTTPStatus.FORBIDDEN):
    return render(
        request, "forums/refused.html", {"reason": message, "back_url": back_url}, status=status
    )


# --- where a post is -----------------------------------------------------------------------


def posts_before(post: Post):
    """Posts of the same topic shown above ``post`` (every post has its place in the
    thread; hidden ones show as a placeholder to those who may not read them)."""
    return Post.objects.filter(topic_id=post.topic_id).filter(
        Q(created__lt=post.created) | Q(created=post.created, id__lt=post.id)
    )


def post_location(post: Post) -> str:
    page = posts_before(post).count() // POSTS_PER_PAGE + 1
    url = reverse("forums:topic", kwargs={"slug": post.topic.slug})
    return f"{url}?page={page}#post-{post.pk}"


def mark_read(member, topic: Topic, post: Post) -> None:
    """Move the member's read mark in ``topic`` forward to ``post`` (never back), in one
    query."""
    table = ReadMark._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (member_id, topic_id, last_read_post_id, updated)
            VALUES (%s, %s, %s, now())
            ON CONFLICT (member_id, topic_id) DO UPDATE
            SET last_read_post_id = GREATEST({table}.last_read_post_id, EXCLUDED.last_read_post_id),
                updated = EXCLUDED.updated
            """,  # noqa: S608 - the table name is ours, the values are parameters
            [member.pk, topic.pk, post.pk],
        )


def with_author_links(request, posts) -> None:
    """Give each post ``author_url``: its author's profile when the viewer may open it."""
    author_ids = {post.author_id for post in posts}
    viewer = request.user
    visible = set(
        Member.objects.visible_to(viewer).filter(pk__in=author_ids).values_list("pk", flat=True)
    )
    for post in posts:
        shown = post.author_id in visible or (
            viewer.is_authenticated and viewer.pk == post.author_id and not post.author.deleted_at
        )
        post.author_url = post.author.get_absolute_url() if shown else ""


def quoted_text(request, topic: Topic) -> str:
    """The reply's opening when ``?quote=<post>`` names a post of this topic."""
    raw = request.GET.get("quote", "")
    if not raw.isdigit():
        return ""
    posts = Post.objects.visible_to(request.user if viewer_is_moderator(request) else None)
    post = posts.select_related("author").filter(topic=topic, pk=int(raw)).first()
    if post is None:
        return ""
    lines = post.body.strip().splitlines() or [""]
    quote = "\n".join(f"> {line}" if line.strip() else ">" for line in lines)
    heading = _("%(name)s wrote:") % {"name": post.author.display_name}
    return f"> {heading}\n>\n{quote}\n\n"[:POST_MAX_LENGTH]


def preview_of(request) -> str | None:
    """The rendered text when the form was sent with its "Preview" button."""
    if request.method != "POST" or "preview" not in request.POST:
        return None
    return render_markdown(request.POST.get("body", "")[:POST_MAX_LENGTH])


def over_posting_limit(request) -> bool:
    return not ratelimit.consume(
        request, action=POSTING_RATE_LIMIT, user=request.user, dry_run=True
    )


def count_posting(request) -> None:
    ratelimit.consume(request, action=POSTING_RATE_LIMIT, user=request.user)


def too_fast() -> str:
    return _(
        "You have written a lot in a short while: this message was not published. "
        "Please try again in a few minutes (your text is still below)."
    )


# --- reading -------------------------------------------------------------------------------


@require_GET
def forum_index(request):
    """The categories, with their topics, posts and last activity."""
    moderator = viewer_is_moderator(request)
    shown = Q() if moderator else Q(topics__is_hidden=False)
    last_topic = Topic.objects.filter(forum=OuterRef("pk"))
    if not moderator:
        last_topic = last_topic.filter(is_hidden=False)
    forums = list(
        Forum.objects.annotate(
            topic_count=Count("topics", filter=shown),
            post_count=Sum("topics__post_count", filter=shown, default=0),
            last_topic_id=Subquery(last_topic.order_by("-last_activity", "-id").values("pk")[:1]),
        ).order_by("order", "name")
    )
    last_topics = Topic.objects.select_related("last_post__author").in_bulk(
        [forum.last_topic_id for forum in forums if forum.last_topic_id]
    )
    for forum in forums:
        forum.last_topic = last_topics.get(forum.last_topic_id)
    return render(request, "forums/index.html", {"forums": forums})


@require_GET
def forum_detail(request, slug):
    forum = get_object_or_404(Forum, slug=slug)
    topics = (
        visible_topics(request)
        .filter(forum=forum)
        .select_related("author", "last_post__author")
        .annotate(reply_count=F("post_count") - 1)
        .order_by("-is_pinned", "-last_activity", "-id")
    )
    page, notice = paginate(request, topics, TOPICS_PER_PAGE)
    if request.user.is_authenticated:
        marks = dict(
            ReadMark.objects.filter(
                member=request.user, topic__in=[topic.pk for topic in page]
            ).values_list("topic_id", "last_read_post_id")
        )
        for topic in page:
            read_up_to = marks.get(topic.pk)
            topic.has_unread = bool(topic.last_post_id) and (
                read_up_to is None or read_up_to < topic.last_post_id
            )
    return render(
        request,
        "forums/forum.html",
        {
            "forum": forum,
            "page": page,
            "page_notice": notice,
            "can_start_topic": services.can_post(request.user),
        },
    )


def topic_page_context(request, topic: Topic, reply_form=None, preview_html=None) -> dict:
    posts = Post.objects.filter(topic=topic).select_related("author", "hidden_by")
    page, notice = paginate(request, posts, POSTS_PER_PAGE)
    page_posts = list(page.object_list)
    with_author_links(request, page_posts)
    refusal = posting_refusal(request, topic)
    if reply_form is None and not refusal:
        reply_form = ReplyForm(initial={"body": quoted_text(request, topic)})
    return {
        "topic": topic,
        "page": page,
        "posts": page_posts,
        "page_notice": notice,
        "viewer_is_moderator": viewer_is_moderator(request),
        "can_reply": not refusal,
        "posting_refusal": refusal,
        "reply_form": reply_form,
        "preview_html": preview_html,
    }


@require_GET
def topic_detail(request, slug):
    topic = get_object_or_404(
        visible_topics(request).select_related("forum", "project", "theme", "moderator"),
        slug=slug,
    )
    context = topic_page_context(request, topic)
    if request.user.is_authenticated and context["posts"]:
        mark_read(request.user, topic, max(context["posts"], key=lambda post: post.pk))
    return render(request, "forums/topic.html", context)


@require_GET
def topic_unread(request, slug):
    """To the first post after where the member stopped reading, else to the newest post."""
    topic = get_object_or_404(visible_topics(request), slug=slug)
    posts = Post.objects.visible_to(request.user if viewer_is_moderator(request) else None)
    posts = posts.filter(topic=topic).select_related("topic")
    target = None
    if request.user.is_authenticated:
        mark = (
            ReadMark.objects.filter(member=request.user, topic=topic)
            .select_related("last_read_post")
            .first()
        )
        last_read = mark.last_read_post if mark else None
        if last_read is not None:
            target = (
                posts.filter(
                    Q(created__gt=last_read.created)
                    | Q(created=last_read.created, id__gt=last_read.id)
                )
                .order_by("created", "id")
                .first()
            )
    target = target or posts.order_by("-created", "-id").first()
    if target is None:
        return redirect(topic)
    return redirect(post_location(target))


@require_GET
def post_redirect(request, pk):
    """A post's permanent address: to its page of the topic."""
    post = get_object_or_404(
        Post.objects.select_related("topic").filter(topic__in=visible_topics(request)), pk=pk
    )
    return redirect(post_location(post))


# --- writing -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def new_topic(request, slug):
    forum = get_object_or_404(Forum, slug=slug)
    refusal = posting_refusal(request)
    if refusal:
        return refused(request, refusal, forum.get_absolute_url())
    form = TopicForm(request.POST or None)
    context = {"forum": forum, "form": form, "preview_html": preview_of(request)}
    if request.method == "GET" or context["preview_html"] is not None:
        return render(request, "forums/new_topic.html", context)
    if not form.is_valid():
        return render(request, "forums/new_topic.html", context, status=HTTPStatus.BAD_REQUEST)
    if over_posting_limit(request):
        form.add_error(None, too_fast())
        return render(
            request, "forums/new_topic.html", context, status=HTTPStatus.TOO_MANY_REQUESTS
        )
    try:
        topic = services.start_topic(
            request.user,
            forum,
            form.cleaned_data["title"],
            form.cleaned_data["body"],
            language=form.cleaned_data["language"],
            **form.links(),
        )
    except services.ForumError as error:
        form.add_error(None, str(error))
        return render(request, "forums/new_topic.html", context, status=HTTPStatus.BAD_REQUEST)
    count_posting(request)
    messages.success(request, _("Your topic is published."))
    return redirect(topic)


@login_required
@require_http_methods(["GET", "POST"])
def reply(request, slug):
    topic = get_object_or_404(visible_topics(request).select_related("forum"), slug=slug)
    refusal = posting_refusal(request, topic)
    if refusal:
        return refused(request, refusal, topic.get_absolute_url())
    if request.method == "GET":
        form = ReplyForm(initial={"body": quoted_text(request, topic)})
        return render(request, "forums/reply.html", {"topic": topic, "form": form})
    form = ReplyForm(request.POST)
    context = {"topic": topic, "form": form, "preview_html": preview_of(request)}
    if context["preview_html"] is not None:
        return render(request, "forums/reply.html", context)
    if not form.is_valid():
        return render(request, "forums/reply.html", context, status=HTTPStatus.BAD_REQUEST)
    if over_posting_limit(request):
        form.add_error(None, too_fast())
        return render(request, "forums/reply.html", context, status=HTTPStatus.TOO_MANY_REQUESTS)
    try:
        post = services.reply(
            request.user, topic, form.cleaned_data["body"], form.cleaned_data["language"]
        )
    except services.ForumError as error:
        form.add_error(None, str(error))
        return render(request, "forums/reply.html", context, status=HTTPStatus.BAD_REQUEST)
    count_posting(request)
    messages.success(request, _("Your reply is published."))
    return redirect(post_location(post))


@login_required
@require_http_methods(["GET", "POST"])
def edit_post(request, pk):
    post = get_object_or_404(
        Post.objects.select_related("topic__forum", "author").filter(
            topic__in=visible_topics(request)
        ),
        pk=pk,
    )
    moderator = viewer_is_moderator(request)
    if post.author_id != request.user.pk and not moderator:
        return refused(request, _("You can only edit your own posts."), post_location(post))
    if post.is_hidden and not moderator:
        return refused(
            request, _("A moderator hid this post: it cannot be edited."), post_location(post)
        )
    form = PostEditForm(
        request.POST or None, initial={"body": post.body, "language": post.language}
    )
    context = {"post": post, "topic": post.topic, "form": form}
    context["preview_html"] = (
        preview_of(request) if request.method == "POST" else render_markdown(post.body)
    )
    if request.method == "GET" or "preview" in request.POST:
        return render(request, "forums/edit_post.html", context)
    if not form.is_valid():
        return render(request, "forums/edit_post.html", context, status=HTTPStatus.BAD_REQUEST)
    try:
        services.edit_post(
            request.user, post, form.cleaned_data["body"], form.cleaned_data["language"]
        )
    except services.ForumError as error:
        form.add_error(None, str(error))
        return render(request, "forums/edit_post.html", context, status=HTTPStatus.FORBIDDEN)
    messages.success(request, _("Your changes are saved."))
    return redirect(post_location(post))


@login_required
@require_POST
def preview(request):
    """The text as it will show, rendered and sanitised: an HTML fragment."""
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            "".join(f"<p>{error}</p>" for error in form.errors.get("body", [])),
            status=HTTPStatus.BAD_REQUEST,
            content_type="text/html; charset=utf-8",
        )
    return HttpResponse(
        render_markdown(form.cleaned_data["body"]), content_type="text/html; charset=utf-8"
    )
