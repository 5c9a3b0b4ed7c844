"""Staff read the forums here and correct what the site does not edit; every write goes
through ``forums.services``, which decides the rules and takes the locks (a topic is
corrected under its row lock, flags are dealt with as in the moderators' queue)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import TranslatedAdmin
from common.translation import localized_fields
from forums import services
from forums.forms import MessageField
from forums.models import Flag, Forum, Post, Topic, TopicKind


@admin.register(Forum)
class ForumAdmin(TranslatedAdmin):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    search_fields = [*localized_fields("name"), "slug"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["order", "name"]


class ReadOnlyPostInline(admin.TabularInline):
    model = Post
    fields = ["author", "created", "edited_at", "is_hidden", "body"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    ordering = ["created", "id"]


class TopicAddForm(forms.ModelForm):
    """A topic staff start here, most often an e-discussion: what it is, its dates,
    guiding questions and moderator, and its first post (``forums.services.start_topic``
    writes them, with the rules of the site)."""

    first_post = MessageField(label=_("First post"))

    class Meta:
        model = Topic
        fields = [
            "forum",
            "kind",
            "title",
            "language",
            "starts_at",
            "ends_at",
            "guiding_questions",
            "moderator",
            "project",
            "country",
            "theme",
        ]

    def clean(self):
        cleaned = super().clean()
        errors = services.ediscussion_date_errors(
            kind=cleaned.get("kind"),
            starts_at=cleaned.get("starts_at"),
            ends_at=cleaned.get("ends_at"),
        )
        moderator_error = services.ediscussion_moderator_error(cleaned.get("moderator"))
        if moderator_error:
            errors["moderator"] = moderator_error
        for name, message in errors.items():
            if name not in self.errors:
                self.add_error(name, message)
        return cleaned


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    """Read-mostly: topics are started, moved, locked and hidden on the site (through
    forums.services, which keeps the counters); staff may correct a title or its links here,
    and start one, such as an e-discussion, with its first post."""

    list_display = [
        "title",
        "forum",
        "kind",
        "author",
        "post_count",
        "last_activity",
        "is_pinned",
        "is_locked",
        "is_hidden",
    ]
    list_filter = ["forum", "kind", "is_pinned", "is_locked", "is_hidden"]
    list_select_related = ["forum", "author"]
    search_fields = ["title", "slug", "author__name", "author__email"]
    date_hierarchy = "created"
    autocomplete_fields = ["project", "theme", "moderator"]
    readonly_fields = [
        "forum",
        "slug",
        "author",
        "created",
        "post_count",
        "last_post",
        "last_activity",
        "is_locked",
        "is_pinned",
        "is_hidden",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "forum", "author", "kind", "created"]}),
        (_("What it is about"), {"fields": ["project", "country", "theme"]}),
        (
            _("E-discussion"),
            {"fields": ["starts_at", "ends_at", "guiding_questions", "moderator", "summary"]},
        ),
        (
            _("State and counters"),
            {
                "fields": [
                    "is_pinned",
                    "is_locked",
                    "is_hidden",
                    "post_count",
                    "last_post",
                    "last_activity",
                ]
            },
        ),
    ]
    add_fieldsets = [
        (None, {"fields": ["forum", "kind", "title", "language"]}),
        (_("E-discussion"), {"fields": ["starts_at", "ends_at", "guiding_questions", "moderator"]}),
        (None, {"fields": ["first_post"]}),
        (_("What it is about"), {"fields": ["project", "country", "theme"]}),
    ]
    inlines = [ReadOnlyPostInline]

    def has_add_permission(self, request):
        """Staff who may add topics and moderate: e-discussions are moderators' to open."""
        return super().has_add_permission(request) and services.is_moderator(request.user)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else super().get_readonly_fields(request, obj)

    def get_inlines(self, request, obj):
        return [] if obj is None else super().get_inlines(request, obj)

    def get_changeform_initial_data(self, request):
        """An e-discussion, in the e-discussions forum, run by the staff member."""
        forum = Forum.objects.filter(slug=services.EDISCUSSIONS_FORUM_SLUG).first()
        initial = {"kind": TopicKind.EDISCUSSION, "moderator": request.user.pk}
        if forum is not None:
            initial["forum"] = forum.pk
        return initial | super().get_changeform_initial_data(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            return super().get_form(request, obj, change=change, form=TopicAddForm, **kwargs)
        form = super().get_form(request, obj, change=change, **kwargs)

        class TopicDetailsForm(form):
            def clean(self):
                cleaned = super().clean()
                fields = ("kind", "starts_at", "ends_at")
                if all(name in self.fields for name in fields):
                    errors = services.ediscussion_date_errors(
                        **{name: cleaned.get(name) for name in fields}
                    )
                    for name, message in errors.items():
                        if name not in self.errors:
                            self.add_error(name, message)
                return cleaned

        return TopicDetailsForm

    def save_model(self, request, obj, form, change):
        """A new topic is started as on the site, with its first post; a topic changed is
        saved with only what staff changed, under the topic's lock (counters stay as the
        services keep them)."""
        if not change:
            self._start_topic(request, obj, form)
            return
        changes = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in services.TOPIC_DETAILS
        }
        try:
            services.correct_topic(staff=request.user, topic=obj, changes=changes)
        except services.ForumError as error:
            # The form's check decides beforehand; reached only when a moderator changed
            # the e-discussion at the same moment.
            self.message_user(request, str(error), messages.ERROR)

    def _start_topic(self, request, obj, form):
        """The form checked what the rules check (and staff are moderators): a refusal
        here would be a fault, not a reason to show."""
        cleaned = form.cleaned_data
        ediscussion = {}
        if cleaned["kind"] == TopicKind.EDISCUSSION:
            ediscussion = {
                name: cleaned[name]
                for name in ("starts_at", "ends_at", "guiding_questions", "moderator")
            }
        topic = services.start_topic(
            author=request.user,
            forum=cleaned["forum"],
            title=cleaned["title"],
            body=cleaned["first_post"],
            language=cleaned["language"],
            project=cleaned["project"],
            country=cleaned["country"],
            theme=cleaned["theme"],
            kind=cleaned["kind"],
            **ediscussion,
        )
        # The admin goes on with ``obj`` (its history entry, the page it redirects to).
        obj.pk = topic.pk
        obj.refresh_from_db()
        obj._state.adding = False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    """Read-only: posts are written, edited and hidden on the site; nothing is deleted."""

    list_display = ["__str__", "author", "created", "edited_at", "is_hidden"]
    list_filter = ["is_hidden", "topic__forum"]
    list_select_related = ["topic", "author"]
    search_fields = ["body", "topic__title", "author__name", "author__email"]
    date_hierarchy = "created"
    fields = [
        "topic",
        "author",
        "created",
        "edited_at",
        "body",
        "is_hidden",
        "hidden_by",
        "hidden_at",
        "hidden_reason",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # staff with the view permission read it

    def has_delete_permission(self, request, obj=None):
        return False


# --- Flags (moderation) -----------------------------------------------------------------------


class FlagStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("resolved", _("Dealt with"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    """Flags are dealt with in the moderators' queue on the site, or dismissed here (an
    action that goes through ``forums.services.resolve_flag``, as the queue does); the
    admin lists them all, open or dealt with, and changes none by hand."""

    list_display = ["__str__", "category", "reporter", "created", "resolved_at", "resolved_by"]
    list_filter = [FlagStateFilter, "category", "created"]
    list_select_related = ["post__topic", "reporter", "resolved_by"]
    search_fields = ["reason", "resolution", "post__body", "reporter__name", "reporter__email"]
    date_hierarchy = "created"
    fields = [
        "post",
        "reporter",
        "category",
        "reason",
        "created",
        "resolved_at",
        "resolved_by",
        "resolution",
    ]
    readonly_fields = fields
    actions = ["dismiss"]

    def has_add_permission(self, request):
        return False  # members flag posts on the site

    def has_change_permission(self, request, obj=None):
        return False  # read here; dealt with through the action or the queue

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Dismiss the selected flags"), permissions=["view"])
    def dismiss(self, request, queryset):
        dismissed, refusals = 0, []
        for flag in queryset.order_by("pk"):
            try:
                services.resolve_flag(moderator=request.user, flag=flag, hide=False)
            except services.ForumError as error:
                refusals.append(f"{flag}: {error}")
            else:
                dismissed += 1
        if dismissed:
            self.message_user(
                request,
                ngettext("%(count)d flag dismissed.", "%(count)d flags dismissed.", dismissed)
                % {"count": dismissed},
                messages.SUCCESS,
            )
        for refusal in refusals:
            self.message_user(request, refusal, messages.WARNING)
