"""Blogs ("M&D goes local") and news, their feeds, following, and leaving from an email."""

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from blogs import services
from blogs.forms import BlogPostForm, FollowForm
from blogs.models import BlogPost, BlogPostKind, BlogPostStatus, Subscription
from blogs.notifications import read_unsubscribe_token
from common.idempotency import once
from common.pagination import paginate
from common.text import without_control_characters
from forums.models import Forum, Topic
from forums.services import EditConflict, ForumError, can_post
from forums.views.topics import TooFast, refusal_status, show_refusal, within_rate_limit
from network.models import Member

BLOG_POSTS_PER_PAGE = 10
FEED_LENGTH = 20
# Writing a post and publishing a draft count against this rate (ACCOUNT_RATE_LIMITS): a
# published post emails the author's followers.
WRITING_RATE_LIMIT = "blog_post"


def too_many_posts() -> str:
    return _(
        "You have written many posts in a short while: this one was not saved. Please try "
        "again later (your text is still below)."
    )


def _refused(request, reason, status=HTTPStatus.FORBIDDEN):
    return render(request, "blogs/refused.html", {"reason": reason}, status=status)


# --- Reading blogs and news ----------------------------------------------------------------

KINDS = {
    BlogPostKind.BLOG: {
        "kind": "blog",
        "heading": gettext_lazy("M&D goes local: blogs"),
        "index_url": "blogs:blog",
        "rss_url": "blogs:blog_rss",
        "atom_url": "blogs:blog_atom",
    },
    BlogPostKind.NEWS: {
        "kind": "news",
        "heading": gettext_lazy("News"),
        "index_url": "blogs:news",
        "rss_url": "blogs:news_rss",
        "atom_url": "blogs:news_atom",
    },
}


def _listing(kind):
    return (
        BlogPost.objects.published()
        .filter(kind=kind)
        .select_related("author", "project")
        .order_by("-published_at", "-pk")
    )


def _render_index(request, kind, posts, extra=None):
    page, notice = paginate(request, posts, BLOG_POSTS_PER_PAGE)
    context = {**KINDS[kind], "page": page, "notice": notice, **(extra or {})}
    return render(request, "blogs/index.html", context)


def blog_index(request):
    extra = {}
    if request.user.is_authenticated:
        extra["my_drafts"] = BlogPost.objects.filter(
            author=request.user, kind=BlogPostKind.BLOG, status=BlogPostStatus.DRAFT
        ).order_by("-created")
        extra["can_write"] = can_post(request.user)
    return _render_index(request, BlogPostKind.BLOG, _listing(BlogPostKind.BLOG), extra)


def news_index(request):
    return _render_index(request, BlogPostKind.NEWS, _listing(BlogPostKind.NEWS))


def blog_author(request, slug):
    """One member's blog: their published posts, and the button to follow it. It exists
    from before the first post for whoever may know the member as a blog author (and so
    follow them: ``blog_authors_visible_to``), and for the author; for anyone else, a
    member with nothing published has no page (404), as one who does not exist."""
    author = get_object_or_404(Member, slug=slug)
    posts = _listing(BlogPostKind.BLOG).filter(author=author)
    is_self = request.user.is_authenticated and request.user.pk == author.pk
    if not (
        is_self
        or posts.exists()
        or services.blog_authors_visible_to(request.user).filter(pk=author.pk).exists()
    ):
        raise Http404
    return _render_index(request, BlogPostKind.BLOG, posts, {"author": author})


def _readable(request, kind, slug) -> BlogPost:
    """A published post of ``kind``, or the author's own draft; 404 for anything else."""
    blog_post = get_object_or_404(
        BlogPost.objects.filter(kind=kind).select_related("author", "project"), slug=slug
    )
    is_author = request.user.is_authenticated and request.user.pk == blog_post.author_id
    if not is_author and not BlogPost.objects.published().filter(pk=blog_post.pk).exists():
        raise Http404
    return blog_post


def _render_post(request, blog_post):
    context = {
        **KINDS[blog_post.kind],
        "blog_post": blog_post,
        "is_author": request.user.is_authenticated and request.user.pk == blog_post.author_id,
    }
    return render(request, "blogs/post.html", context)


def blog_post(request, slug):
    return _render_post(request, _readable(request, BlogPostKind.BLOG, slug))


def news_post(request, slug):
    return _render_post(request, _readable(request, BlogPostKind.NEWS, slug))


# --- Writing -------------------------------------------------------------------------------


def _render_form(request, form, blog_post=None, status=HTTPStatus.OK, conflict=None):
    context = {
        "form": form,
        "blog_post": blog_post,
        "conflict": conflict,
        **KINDS[BlogPostKind.BLOG],
    }
    return render(request, "blogs/form.html", context, status=status)


def _saved_message(request, blog_post):
    if blog_post.status == BlogPostStatus.PUBLISHED:
        messages.success(request, _("Your post is published."))
    else:
        messages.success(
            request, _("Your draft is saved. Only you can see it until you publish it.")
        )


@login_required
@require_http_methods(["GET", "POST"])
def write_blog_post(request):
    refusal = services.writing_refusal(member=request.user)
    if refusal:
        return _refused(request, refusal)
    if request.method == "GET":
        return _render_form(request, BlogPostForm())
    form = BlogPostForm(request.POST)
    if not form.is_valid():
        return _render_form(request, form, status=HTTPStatus.BAD_REQUEST)
    try:
        with once(form.cleaned_data["submission"], member=request.user) as submission:
            if submission.result_url:  # the same form, sent again: nothing new
                return redirect(submission.result_url)
            if not within_rate_limit(request, WRITING_RATE_LIMIT):
                raise TooFast
            blog_post = services.write_blog_post(
                author=request.user,
                publish=request.POST.get("action") == "publish",
                **form.written_text(),
            )
            submission.result_url = blog_post.get_absolute_url()
    except TooFast:
        form.add_error(None, too_many_posts())
        return _render_form(request, form, status=HTTPStatus.TOO_MANY_REQUESTS)
    except ForumError as error:
        show_refusal(form, error)
        return _render_form(request, form, status=refusal_status(error))
    _saved_message(request, blog_post)
    return redirect(submission.result_url)


@login_required
@require_http_methods(["GET", "POST"])
def edit_blog_post(request, slug):
    blog_post = _readable(request, BlogPostKind.BLOG, slug)  # 404 for others' drafts
    refusal = services.edit_refusal(editor=request.user, blog_post=blog_post)
    if refusal:
        return _refused(request, refusal)
    if request.method == "GET":
        return _render_form(request, BlogPostForm(instance=blog_post), blog_post)
    form = BlogPostForm(request.POST, instance=blog_post)
    if not form.is_valid():
        return _render_form(request, form, blog_post, status=HTTPStatus.BAD_REQUEST)
    publish = request.POST.get("action") == "publish"
    if (
        publish
        and blog_post.status != BlogPostStatus.PUBLISHED
        and not within_rate_limit(request, WRITING_RATE_LIMIT)
    ):
        form.add_error(None, too_many_posts())
        return _render_form(request, form, blog_post, status=HTTPStatus.TOO_MANY_REQUESTS)
    try:
        blog_post = services.update_blog_post(
            editor=request.user,
            blog_post=blog_post,
            version=form.cleaned_data["version"],
            publish=publish,
            **form.written_text(),
        )
    except EditConflict as conflict:
        # Both texts on the page: what is saved now, and the person's own, still in the
        # form (now based on the saved version, so that sending it again replaces it).
        current = conflict.current
        return _render_form(
            request,
            form.starting_again_from(current),
            current,
            status=HTTPStatus.CONFLICT,
            conflict=conflict,
        )
    except ForumError as error:
        show_refusal(form, error)
        return _render_form(request, form, blog_post, status=refusal_status(error))
    _saved_message(request, blog_post)
    return redirect(blog_post)


# --- Feeds ---------------------------------------------------------------------------------


class BlogRssFeed(Feed):
    kind = BlogPostKind.BLOG
    title = gettext_lazy("M&D goes local: blogs of the JMDI network")
    link = reverse_lazy("blogs:blog")
    description = gettext_lazy("Members of M4D Net write about migration and local development.")

    def items(self):
        return _listing(self.kind)[:FEED_LENGTH]

    # Texts saved before control characters were stripped on input would make the whole
    # feed invalid XML (a 500 for every reader): stripped here too.
    def item_title(self, item):
        return without_control_characters(item.title, one_line=True)

    def item_description(self, item):
        # Rendered from Markdown and sanitised on save.
        return without_control_characters(item.body_html)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated

    def item_author_name(self, item):
        return without_control_characters(item.author.display_name, one_line=True)


class BlogAtomFeed(BlogRssFeed):
    feed_type = Atom1Feed
    subtitle = BlogRssFeed.description


class NewsRssFeed(BlogRssFeed):
    kind = BlogPostKind.NEWS
    title = gettext_lazy("News of the Joint Migration and Development Initiative")
    link = reverse_lazy("blogs:news")
    description = gettext_lazy("News from the JMDI team.")


class NewsAtomFeed(NewsRssFeed):
    feed_type = Atom1Feed
    subtitle = NewsRssFeed.description


# --- Following -----------------------------------------------------------------------------


def _follow_target(request, kind, pk):
    if kind == "topic":
        return get_object_or_404(Topic.objects.visible_to(request.user), pk=pk)
    if kind == "forum":
        return get_object_or_404(Forum, pk=pk)
    authors = services.blog_authors_visible_to(request.user)
    if request.POST.get("action") == "unfollow":  # someone followed before may be left
        authors = Member.objects.distinct().filter(
            Q(pk__in=authors.values("pk")) | Q(blog_followers__member=request.user)
        )
    return get_object_or_404(authors, pk=pk)


def _target_url(kind, target):
    if kind == "blog_author":
        return reverse("blogs:blog_author", kwargs={"slug": target.slug})
    return target.get_absolute_url()


@login_required
@require_POST
def follow(request):
    form = FollowForm(request.POST)
    if not form.is_valid():
        return _refused(request, _("This button is out of date: reload the page."), 400)
    kind, action = form.cleaned_data["kind"], form.cleaned_data["action"]
    target = _follow_target(request, kind, form.cleaned_data["target"])
    next_url = form.cleaned_data["next"]
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = _target_url(kind, target)
    if action == "unfollow":
        services.unfollow(member=request.user, **{kind: target})
        messages.success(request, _unfollowed_message(kind, target))
        return redirect(next_url)
    try:
        services.follow(member=request.user, **{kind: target})
    except ForumError as error:
        return _refused(request, str(error), refusal_status(error))
    messages.success(request, _followed_message(kind, target))
    return redirect(next_url)


def _followed_message(kind, target) -> str:
    """What following ``target`` means, in the words of what it is."""
    if kind == "topic":
        return _("You follow the topic “%(title)s”: its new posts will be emailed to you.") % {
            "title": target.title
        }
    if kind == "forum":
        return _(
            "You follow the forum “%(name)s”: its new topics and posts will be emailed to you."
        ) % {"name": target.name}
    return _("You follow %(name)s's blog: their new blog posts will be emailed to you.") % {
        "name": target.display_name
    }


def _unfollowed_message(kind, target) -> str:
    if kind == "topic":
        return _("You no longer follow the topic “%(title)s”.") % {"title": target.title}
    if kind == "forum":
        return _("You no longer follow the forum “%(name)s”.") % {"name": target.name}
    return _("You no longer follow %(name)s's blog.") % {"name": target.display_name}


@login_required
def my_subscriptions(request):
    subscriptions = (
        Subscription.objects.filter(member=request.user)
        .select_related("topic", "forum", "blog_author")
        .order_by("-created", "-pk")
    )
    return render(request, "blogs/subscriptions.html", {"subscriptions": subscriptions})


@csrf_exempt  # the signed token is the proof; mail clients POST here (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET: a page with one "Unsubscribe" button (email scanners follow links, so a GET
    changes nothing). POST, from that button or a mail client's one-click unsubscribe
    (List-Unsubscribe-Post): the subscription is deleted at once."""
    ids = read_unsubscribe_token(token)
    if ids is None:
        return render(request, "blogs/unsubscribe_invalid.html", status=HTTPStatus.BAD_REQUEST)
    subscription_id, member_id = ids
    subscriptions = Subscription.objects.filter(pk=subscription_id, member_id=member_id)
    if request.method == "POST":
        subscriptions.delete()
        return render(request, "blogs/unsubscribe.html", {"done": True})
    subscription = subscriptions.select_related("topic", "forum", "blog_author").first()
    return render(request, "blogs/unsubscribe.html", {"subscription": subscription})
