"""Reading and writing in the forums: categories, topics, posts, replies, edits, previews.

Views stay thin: what a person may see comes from ``visible_to`` querysets, what they may
write is decided by ``forums.services`` (whose ``ForumError`` messages are shown as they are).
"""

import logging
from http import HTTPStatus

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.idempotency import once
from common.pagination import paginate
from common.text import render_markdown
from forums import services
from forums.forms import (
    POST_MAX_LENGTH,
    ModeratorTopicForm,
    PostEditForm,
    PreviewForm,
    ReplyForm,
    TopicForm,
)
from forums.models import Forum, Post, ReadMark, Topic, TopicKind, is_moderator
from network.models import Member

TOPICS_PER_PAGE = 25
POSTS_PER_PAGE = 20
POSTING_RATE_LIMIT = "forum_post"

logger = logging.getLogger(__name__)


# --- who is looking ------------------------------------------------------------------------


def viewer_is_moderator(request) -> bool:
    """``is_moderator`` for the person making the request, asked once per request."""
    if not hasattr(request, "_forum_moderator"):
        request._forum_moderator = is_moderator(request.user)
    return request._forum_moderator


def visible_topics(request):
    return Topic.objects.visible_to(request.user if viewer_is_moderator(request) else None)


def refused(request, message: str, back_url: str, status=HTTPStatus.FORBIDDEN):
    return render(
        request, "forums/refused.html", {"reason": message, "back_url": back_url}, status=status
    )


def refusal_status(error: services.ForumError) -> HTTPStatus:
    """The answer to a refusal of ``forums.services``: not allowed (403), a conflict with
    what someone saved meanwhile (409), or something to correct in the form (400)."""
    if isinstance(error, services.EditConflict):
        return HTTPStatus.CONFLICT
    if isinstance(error, services.NotPermitted):
        return HTTPStatus.FORBIDDEN
    return HTTPStatus.BAD_REQUEST


def show_refusal(form, error: services.ForumError) -> None:
    """The refusal's message on the form: by its field when the form has it."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error))


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


def author_listed(request):
    """On posts: ``author_listed``, whether the viewer may open their author's profile (as
    ``Member.objects.visible_to`` says), read with the post."""
    return Exists(Member.objects.visible_to(request.user).filter(pk=OuterRef("author_id")))


def with_author_links(request, posts) -> None:
    """Give each post (read with ``author_listed``) ``author_url``: its author's profile
    when the viewer may open it."""
    viewer = request.user
    for post in posts:
        shown = post.author_listed or (
            viewer.is_authenticated and viewer.pk == post.author_id and not post.author.deleted_at
        )
        post.author_url = post.author.get_absolute_url() if shown else ""


def quoted_text(request, topic: Topic) -> str:
    """The reply's opening when ``?quote=<post>`` names a post of this topic."""
    raw = request.GET.get("quote", "")
    # Digits in ASCII only ("²" and "①" are digits to Python, not to int()), and no more
    # than an id can have.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
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


def within_rate_limit(request, action: str) -> bool:
    """Count this request against the person's rate ``action`` and say whether it is
    within it. Done before anything is written, so that nothing runs after the commit that
    could turn a saved message into an error page. In a savepoint: with the cache in the
    database, the count is kept only if the message is (a refused message is not counted),
    and a failure there cannot spoil the transaction. A cache that cannot be reached lets
    the message through (and is logged): it must not lose what someone wrote."""
    try:
        with transaction.atomic():
            return ratelimit.consume(request, action=action, user=request.user)
    except Exception:  # any cache backend's failure (database, Redis, memcached)
        logger.exception("Rate limit %s not counted: the cache failed.", action)
        return True


class TooFast(Exception):
    """Over the posting rate: nothing is written."""


def create_once(request, form, create) -> tuple[str, bool]:
    """Run ``create()`` (which writes and returns the address of what it wrote) once for
    the form's submission token, counting it against the posting rate; returns that
    address and whether the form had been sent already (then nothing is written, and the
    address is the first one's)."""
    with once(form.cleaned_data.get("submission"), member=request.user) as submission:
        if submission.result_url:
            return submission.result_url, True
        if not within_rate_limit(request, POSTING_RATE_LIMIT):
            raise TooFast
        submission.result_url = create()
    return submission.result_url, False


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


def count_of(queryset):
    """How many rows ``queryset`` (filtered on an ``OuterRef``) holds: a subquery, to read
    a page's count with the row it belongs to."""
    counted = queryset.order_by().annotate(
        counted=Func(F("pk"), function="COUNT", output_field=IntegerField())
    )
    return Subquery(counted.values("counted"))


def read_up_to(member):
    """On topics: ``read_up_to``, the post where ``member`` stopped reading (None: never
    read), read with the topic."""
    marks = ReadMark.objects.filter(member=member, topic=OuterRef("pk"))
    return Subquery(marks.values("last_read_post_id")[:1])


def forum_topics(request, keys):
    """The topics of a forum's page (``keys``), with what the page shows of them."""
    topics = (
        Topic.objects.filter(pk__in=keys)
        .order_by()  # the page puts them in order
        .select_related("author", "last_post__author")
        .annotate(reply_count=F("post_count") - 1)
    )
    if request.user.is_authenticated:
        topics = topics.annotate(read_up_to=read_up_to(request.user))
    return topics


@require_GET
def forum_detail(request, slug):
    forum = get_object_or_404(
        Forum.objects.annotate(
            topics_listed=count_of(visible_topics(request).filter(forum=OuterRef("pk")))
        ),
        slug=slug,
    )
    # The page's topics are found in the forum's index first (no join: the limit applies
    # first), then read with their authors by id.
    topics = visible_topics(request).filter(forum=forum).in_forum_order()
    page, notice = paginate(
        request,
        topics,
        TOPICS_PER_PAGE,
        count=forum.topics_listed,
        rows=lambda keys: forum_topics(request, keys),
    )
    start_refusal = services.new_topic_refusal(member=request.user, forum=forum)
    if request.user.is_authenticated:
        for topic in page:
            topic.has_unread = bool(topic.last_post_id) and (
                topic.read_up_to is None or topic.read_up_to < topic.last_post_id
            )
    return render(
        request,
        "forums/forum.html",
        {
            "forum": forum,
            "page": page,
            "page_notice": notice,
            "can_start_topic": not start_refusal,
            "ediscussions_forum": services.is_ediscussions_forum(forum),
        },
    )


def thread_posts(request, keys):
    """The posts of a topic's page (``keys``), with their authors."""
    return (
        Post.objects.filter(pk__in=keys)
        .order_by()  # the page puts them in order
        .select_related("author", "hidden_by")
        .annotate(author_listed=author_listed(request))
    )


def topic_page_context(request, topic: Topic, reply_form=None, preview_html=None) -> dict:
    """``topic`` read with ``thread_length`` (``count_of`` its posts) spares a query."""
    # The page's posts are found in the thread's index first (the last page of a long
    # topic reads as little as the first), then read with their authors by id.
    page, notice = paginate(
        request,
        Post.objects.thread(topic),
        POSTS_PER_PAGE,
        count=getattr(topic, "thread_length", None),
        rows=lambda keys: thread_posts(request, keys),
    )
    page_posts = list(page.object_list)
    # Numbered in the topic (#1 is its first post), hidden posts included so that a
    # post keeps its number.
    for number, post in enumerate(page_posts, start=page.start_index()):
        post.number = number
    with_author_links(request, page_posts)
    refusal = services.posting_refusal(member=request.user, topic=topic)
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
        "authors_may_edit": not services.topic_edit_refusal(topic=topic),
        "reply_form": reply_form,
        "preview_html": preview_html,
    }


@require_GET
def topic_detail(request, slug):
    topics = (
        visible_topics(request)
        .select_related("forum", "project", "theme", "moderator")
        .annotate(thread_length=count_of(Post.objects.filter(topic=OuterRef("pk"))))
    )
    if request.user.is_authenticated:
        topics = topics.annotate(read_up_to=read_up_to(request.user))
    topic = get_object_or_404(topics, slug=slug)
    context = topic_page_context(request, topic)
    if request.user.is_authenticated and context["posts"]:
        # Written only when this page goes further than the mark: reading a page again
        # writes nothing.
        services.mark_read(
            member=request.user,
            topic=topic,
            post_id=max(post.pk for post in context["posts"]),
            marked=topic.read_up_to,
        )
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


def new_topic_form(request, forum: Forum) -> TopicForm:
    """Moderators' form may open an e-discussion (one by default in the e-discussions
    forum), run by themselves unless they name another moderator."""
    data = request.POST or None
    if not viewer_is_moderator(request):
        return TopicForm(data)
    ediscussions = services.is_ediscussions_forum(forum)
    kind = TopicKind.EDISCUSSION if ediscussions else TopicKind.DISCUSSION
    return ModeratorTopicForm(data, initial={"kind": kind, "moderator": request.user.pk})


@login_required
@require_http_methods(["GET", "POST"])
def new_topic(request, slug):
    forum = get_object_or_404(Forum, slug=slug)
    refusal = services.new_topic_refusal(member=request.user, forum=forum)
    if request.method == "GET" and refusal:
        return refused(request, refusal, forum.get_absolute_url())
    form = new_topic_form(request, forum)
    context = {
        "forum": forum,
        "form": form,
        "preview_html": preview_of(request),
        "ediscussions_forum": services.is_ediscussions_forum(forum),
    }
    if request.method == "GET" or context["preview_html"] is not None:
        return render(request, "forums/new_topic.html", context)
    if not form.is_valid():
        return render(request, "forums/new_topic.html", context, status=HTTPStatus.BAD_REQUEST)
    if refusal:  # asked before counting the message against the rate
        form.add_error(None, refusal)
        return render(request, "forums/new_topic.html", context, status=HTTPStatus.FORBIDDEN)

    def create() -> str:
        topic = services.start_topic(
            author=request.user,
            forum=forum,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            language=form.cleaned_data["language"],
            **form.links(),
            **form.ediscussion(),
        )
        return topic.get_absolute_url()

    try:
        url, _repeated = create_once(request, form, create)
    except TooFast:
        form.add_error(None, too_fast())
        return render(
            request, "forums/new_topic.html", context, status=HTTPStatus.TOO_MANY_REQUESTS
        )
    except services.ForumError as error:
        show_refusal(form, error)
        return render(request, "forums/new_topic.html", context, status=refusal_status(error))
    messages.success(request, _("Your topic is published."))
    return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def reply(request, slug):
    topic = get_object_or_404(visible_topics(request).select_related("forum"), slug=slug)
    refusal = services.posting_refusal(member=request.user, topic=topic)
    if request.method == "GET":
        if refusal:
            return refused(request, refusal, topic.get_absolute_url())
        form = ReplyForm(initial={"body": quoted_text(request, topic)})
        return render(request, "forums/reply.html", {"topic": topic, "form": form})
    form = ReplyForm(request.POST)
    context = {"topic": topic, "form": form, "preview_html": preview_of(request)}
    if context["preview_html"] is not None:
        return render(request, "forums/reply.html", context)
    if not form.is_valid():
        return render(request, "forums/reply.html", context, status=HTTPStatus.BAD_REQUEST)
    if refusal:  # asked before counting the message against the rate; the text stays
        form.add_error(None, refusal)
        return render(request, "forums/reply.html", context, status=HTTPStatus.FORBIDDEN)

    def create() -> str:
        post = services.reply(
            author=request.user,
            topic=topic,
            body=form.cleaned_data["body"],
            language=form.cleaned_data["language"],
        )
        return post_location(post)

    try:
        url, _repeated = create_once(request, form, create)
    except TooFast:
        form.add_error(None, too_fast())
        return render(request, "forums/reply.html", context, status=HTTPStatus.TOO_MANY_REQUESTS)
    except services.ForumError as error:
        show_refusal(form, error)
        return render(request, "forums/reply.html", context, status=refusal_status(error))
    messages.success(request, _("Your reply is published."))
    return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def edit_post(request, pk):
    post = get_object_or_404(
        Post.objects.select_related("topic__forum", "author").filter(
            topic__in=visible_topics(request)
        ),
        pk=pk,
    )
    refusal = services.edit_refusal(editor=request.user, post=post)
    if refusal:
        return refused(request, refusal, post_location(post))
    form = PostEditForm.for_post(post, request.POST or None)
    context = {"post": post, "topic": post.topic, "form": form}
    context["preview_html"] = (
        preview_of(request) if request.method == "POST" else render_markdown(post.body)
    )
    if request.method == "GET" or "preview" in request.POST:
        return render(request, "forums/edit_post.html", context)
    if not form.is_valid():
        return render(request, "forums/edit_post.html", context, status=HTTPStatus.BAD_REQUEST)
    try:
        # Where to go is found before the commit: nothing after it can fail the answer.
        with transaction.atomic():
            saved = services.edit_post(
                editor=request.user,
                post=post,
                body=form.cleaned_data["body"],
                language=form.cleaned_data["language"],
                version=form.cleaned_data["version"],
            )
            url = post_location(saved)
    except services.EditConflict as conflict:
        # Both texts on the page: what is saved now, and the person's own, still in the
        # form (now based on the saved version, so that sending it again replaces it).
        context |= {
            "post": conflict.current,
            "conflict": conflict,
            "form": form.starting_again_from(conflict.current),
            "preview_html": None,
        }
        return render(request, "forums/edit_post.html", context, status=HTTPStatus.CONFLICT)
    except services.ForumError as error:
        show_refusal(form, error)
        return render(request, "forums/edit_post.html", context, status=refusal_status(error))
    messages.success(request, _("Your changes are saved."))
    return redirect(url)


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
