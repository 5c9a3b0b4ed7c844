"""Forums and e-discussions: what members write, and its moderation.

Counters (posts per topic, last post) are kept by forums/services.py only, which also
takes the row locks (in the order its docstring gives) for every write.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from common.text import render_markdown
from common.translation import TranslatedModel, language_field
from projects.models import Project, Theme

# Who moderates the forums: the members of the "Moderators" group, and the accounts given
# the permission to change forum posts (in the admin, on the account or on one of its
# groups); superusers hold every permission. Being staff (logging into the admin) is not
# enough: a staff editor of the catalogue does not moderate.
MODERATORS_GROUP = "Moderators"
MODERATION_PERMISSION = ("forums", "change_post")


def moderator_condition() -> Q:
    """On members: the moderators, as ``is_moderator`` says, for queries over many (each
    member matches once: no join multiplies the rows)."""
    app_label, codename = MODERATION_PERMISSION
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    groups = Group.objects.filter(Q(name=MODERATORS_GROUP) | Q(permissions__in=permission))
    return (
        Q(is_superuser=True)
        | Q(Exists(groups.filter(user=OuterRef("pk"))))
        | Q(Exists(permission.filter(user=OuterRef("pk"))))
    )


def is_moderator(member) -> bool:
    """Whether ``member`` moderates the forums (the rule above): an active account, and a
    superuser, in the "Moderators" group or given the permission. One query at most."""
    if not getattr(member, "is_authenticated", False) or not member.is_active:
        return False
    if member.is_superuser:
        return True
    return get_user_model().objects.filter(moderator_condition(), pk=member.pk).exists()


def random_slug_suffix() -> str:
    return secrets.token_hex(3)


class Forum(TranslatedModel):
    """A category of discussion, set up by staff."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("forum")
        verbose_name_plural = _("forums")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("forums:forum", kwargs={"slug": self.slug})


class TopicKind(models.TextChoices):
    DISCUSSION = "discussion", _("Discussion")
    EDISCUSSION = "ediscussion", _("E-discussion")


class TopicQuerySet(models.QuerySet):
    def visible_to(self, member):
        """Topics a person may read: all but hidden ones, which moderators still see."""
        if is_moderator(member):
            return self
        return self.filter(is_hidden=False)

    def linked_to_project(self, project):
        return self.filter(Q(project=project) | Q(project__isnull=True, country=project.country))

    def in_forum_order(self):
        """As a forum lists them: pinned first, then the latest activity first."""
        return self.order_by("-is_pinned", "-last_activity", "-id")


class Topic(models.Model):
    forum = models.ForeignKey(
        Forum, on_delete=models.PROTECT, related_name="topics", verbose_name=_("forum")
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    language = language_field(_("language"), _("The language the topic is written in."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="topics",
        verbose_name=_("author"),
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=TopicKind.choices, default=TopicKind.DISCUSSION
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    # What the topic is about: it then shows on that project's page.
    project = models.ForeignKey(
        Project,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topics",
        verbose_name=_("project"),
    )
    country = CountryField(_("country"), blank=True)
    theme = models.ForeignKey(
        Theme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topics",
        verbose_name=_("theme"),
    )
    # Moderation
    is_locked = models.BooleanField(_("locked"), default=False)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    # Counters, kept by forums.services
    post_count = models.PositiveIntegerField(_("posts"), default=0)
    last_post = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_activity = models.DateTimeField(_("last activity"), default=timezone.now, db_index=True)
    # E-discussions: open between two dates, with guiding questions and a moderator, and a
    # summary written once closed.
    starts_at = models.DateTimeField(_("opens"), null=True, blank=True)
    ends_at = models.DateTimeField(_("closes"), null=True, blank=True)
    guiding_questions = models.TextField(_("guiding questions"), blank=True)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderated_ediscussions",
        verbose_name=_("moderator"),
    )
    summary = models.TextField(_("summary"), blank=True)
    summary_html = models.TextField(editable=False, blank=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-is_pinned", "-last_activity"]
        indexes = [
            # A forum's page, in its order (``TopicQuerySet.in_forum_order``): its topics
            # are read from here, the limit applied first, instead of sorting the forum.
            models.Index(
                fields=["forum", "-is_pinned", "-last_activity", "-id"], name="topic_forum_order"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="discussion")
                | (
                    Q(starts_at__isnull=False)
                    & Q(ends_at__isnull=False)
                    & Q(ends_at__gt=models.F("starts_at"))
                ),
                name="ediscussion_has_dates",
                violation_error_message=_(
                    "An e-discussion needs an opening date and a later closing date."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.summary_html = render_markdown(self.summary)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("forums:topic", kwargs={"slug": self.slug})

    @property
    def is_ediscussion(self) -> bool:
        return self.kind == TopicKind.EDISCUSSION

    def is_open(self, now=None) -> bool:
        """Whether replies are accepted now: not locked, and for an e-discussion, between
        its opening and closing dates."""
        if self.is_locked:
            return False
        if not self.is_ediscussion:
            return True
        now = now or timezone.now()
        return self.starts_at <= now < self.ends_at


class PostQuerySet(models.QuerySet):
    def visible_to(self, member):
        if is_moderator(member):
            return self
        return self.filter(is_hidden=False)

    def thread(self, topic):
        """The posts of ``topic`` in the order they are read and numbered (#1 is the first),
        hidden ones included: each keeps its place and its number."""
        return self.filter(topic=topic).order_by("created", "id")


class Post(models.Model):
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="posts", verbose_name=_("topic")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="posts",
        verbose_name=_("author"),
    )
    body = models.TextField(_("message"), max_length=20000)
    language = language_field(_("language"), _("The language the message is written in."))
    body_html = models.TextField(editable=False)
    created = models.DateTimeField(_("written"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    # Counts the saved texts: an edit sent from an older one is refused as a conflict
    # instead of silently replacing what someone else saved meanwhile.
    version = models.PositiveIntegerField(_("version"), default=1)
    # Moderation: nothing is deleted; a hidden post keeps who hid it and why.
    is_hidden = models.BooleanField(_("hidden"), default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )
    hidden_at = models.DateTimeField(_("hidden on"), null=True, blank=True)
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["created", "id"]
        # A topic's thread, in its order (``PostQuerySet.thread``): a page of it is a range
        # of this index, and counting the posts before one (its page) reads the index only.
        indexes = [models.Index(fields=["topic", "created", "id"], name="post_thread_order")]

    def __str__(self):
        return f"{self.topic} #{self.pk}"

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("forums:post", kwargs={"pk": self.pk})


class PostRevision(models.Model):
    """A post's text before an edit: the history moderators can read."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("post")
    )
    body = models.TextField(_("previous text"))
    # Which of the post's versions this text was (``Post.version`` when it was replaced).
    version = models.PositiveIntegerField(_("version"), default=1)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    edited_at = models.DateTimeField(_("edited"), default=timezone.now)

    class Meta:
        verbose_name = _("post revision")
        verbose_name_plural = _("post revisions")
        ordering = ["-version", "-edited_at"]

    def __str__(self):
        return f"{self.post} ({self.edited_at:%Y-%m-%d %H:%M})"


class FlagCategory(models.TextChoices):
    """Which of the posting rules (the terms of use) a flagged post breaks."""

    SPAM = "spam", _("Spam")
    ABUSIVE = "abusive", _("Abusive or offensive")
    OFF_TOPIC = "off_topic", _("Off topic")
    PERSONAL_DATA = "personal_data", _("Personal data of others")
    OTHER = "other", _("Other")


class Flag(models.Model):
    """A member's report that a post breaks the rules, for moderators to work through: a
    category, and a reason in the member's words (required for "other")."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="flags", verbose_name=_("post")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="flags",
        verbose_name=_("reported by"),
    )
    category = models.CharField(
        _("category"), max_length=16, choices=FlagCategory.choices, default=FlagCategory.OTHER
    )
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    created = models.DateTimeField(_("reported"), default=timezone.now)
    resolved_at = models.DateTimeField(_("dealt with"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dealt with by"),
    )
    resolution = models.TextField(_("what was done"), blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["created"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=Q(resolved_at__isnull=True),
                name="flag_one_open_per_reporter",
                violation_error_message=_(
                    "You have already flagged this post: moderators will look at it."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(category=FlagCategory.OTHER) | ~Q(reason=""),
                name="flag_other_has_a_reason",
                violation_error_message=_("Say what is wrong with this post."),
            ),
        ]

    def __str__(self):
        return f"{self.post}: {self.reason[:50] or self.get_category_display()}"


class ReadMark(models.Model):
    """Where a member stopped reading a topic, for the "last read" link."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="read_marks")
    last_read_post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, related_name="+")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "topic"], name="readmark_unique")]

    def __str__(self):
        return f"{self.member} @ {self.topic}"
