"""Blogs ("M&D goes local") and news, and following: what a member follows (a topic, a
forum, someone's blog) and is emailed about.

The tables were made by the forums app, where these models began: they keep their names
(``forums_blogpost``, ``forums_subscription``) and every row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.text import render_markdown
from common.translation import LANGUAGE_CODES, TranslatedModel, language_field, localized_field
from forums.models import Forum, Topic
from projects.models import Project


class BlogPostKind(models.TextChoices):
    BLOG = "blog", _("Blog post")
    NEWS = "news", _("News")


class BlogPostStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class BlogPostQuerySet(models.QuerySet):
    def published(self):
        return self.filter(
            status=BlogPostStatus.PUBLISHED, published_at__lte=timezone.now(), is_hidden=False
        )

    def blogs(self):
        return self.filter(kind=BlogPostKind.BLOG)

    def news(self):
        return self.filter(kind=BlogPostKind.NEWS)


class BlogPost(TranslatedModel):
    """A member's blog post ("M&D goes local") or a news item published by staff.

    Title, summary and text have a column per language (blogs/translation.py): staff write
    news in several languages; a member writes a blog post in one, ``language``, and its
    text lives in that language's columns only (``set_text``)."""

    kind = models.CharField(
        _("kind"), max_length=8, choices=BlogPostKind.choices, default=BlogPostKind.BLOG
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="blog_posts",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("text"), max_length=50000)
    language = language_field(_("language"), _("The language the text is written in."))
    body_html = models.TextField(editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=BlogPostStatus.choices, default=BlogPostStatus.DRAFT
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    # Counts the saved texts, as ``forums.Post.version`` does: a stale edit is a conflict.
    version = models.PositiveIntegerField(_("version"), default=1)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    project = models.ForeignKey(
        Project,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="blog_posts",
        verbose_name=_("project"),
    )
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)

    objects = BlogPostQuerySet.as_manager()

    class Meta:
        db_table = "forums_blogpost"
        verbose_name = _("blog post or news")
        verbose_name_plural = _("blog posts and news")
        ordering = ["-published_at", "-created"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        for code in LANGUAGE_CODES:
            body = getattr(self, localized_field("body", code)) or ""
            setattr(self, localized_field("body_html", code), render_markdown(body))
        super().save(*args, **kwargs)

    def set_text(self, language: str, **texts) -> None:
        """A member's post, written in ``language``: ``texts`` (title, summary, body) go in
        that language's columns, and the other languages' are emptied."""
        self.language = language
        for field, value in texts.items():
            for code in LANGUAGE_CODES:
                setattr(self, localized_field(field, code), value if code == language else "")

    @property
    def is_news(self) -> bool:
        return self.kind == BlogPostKind.NEWS

    def get_absolute_url(self):
        name = "blogs:news_post" if self.kind == BlogPostKind.NEWS else "blogs:blog_post"
        return reverse(name, kwargs={"slug": self.slug})


class Subscription(models.Model):
    """A member follows a topic, a forum or someone's blog, and is emailed new posts."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("member"),
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    forum = models.ForeignKey(
        Forum, on_delete=models.CASCADE, null=True, blank=True, related_name="subscriptions"
    )
    blog_author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="blog_followers",
    )
    created = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        db_table = "forums_subscription"
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(topic__isnull=False, forum__isnull=True, blog_author__isnull=True)
                    | Q(topic__isnull=True, forum__isnull=False, blog_author__isnull=True)
                    | Q(topic__isnull=True, forum__isnull=True, blog_author__isnull=False)
                ),
                name="subscription_follows_one_thing",
            ),
            models.UniqueConstraint(fields=["member", "topic"], name="subscription_unique_topic"),
            models.UniqueConstraint(fields=["member", "forum"], name="subscription_unique_forum"),
            models.UniqueConstraint(
                fields=["member", "blog_author"], name="subscription_unique_blog"
            ),
        ]

    def __str__(self):
        return f"{self.member} → {self.topic or self.forum or self.blog_author}"


class FollowerNotice(models.Model):
    """A new post or blog post whose followers are still to be written to: written in the
    transaction that saves it (one row, however many follow it), turned into the outbox's
    emails by the worker (``blogs.notifications.write_follower_emails``), then deleted in
    that same transaction. A worker killed on the way leaves the row for the next one."""

    post = models.ForeignKey(
        "forums.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    blog_post = models.ForeignKey(
        BlogPost, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    opened_topic = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("followers to notify")
        verbose_name_plural = _("followers to notify")
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, blog_post__isnull=True)
                | Q(post__isnull=True, blog_post__isnull=False),
                name="follower_notice_of_one_thing",
            ),
        ]

    def __str__(self):
        return f"{self.post or self.blog_post}"
