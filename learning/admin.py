"""The e-learning admin: staff write courses, modules, lessons and quizzes in the three
languages side by side, order them, preview a lesson as a learner sees it, upload the
images lessons show, and publish or unpublish a course through ``learning.services``.

- A **course** page lists its modules (ordered) and its images (uploaded through the
  checks of ``learning/images.py``, each with the Markdown to paste in a lesson); a
  **module** page its lessons (with their text) and its quiz; a **quiz** page its
  questions; a **question** page its answers, each with its feedback.
- **Order**: each row has its order number, and "Up" / "Down" buttons. They are buttons of
  the page's form: the page is saved (nothing typed is lost), then the row moves
  (``services.move``). No JavaScript is needed.
- **Publishing** goes through ``services.publish_course`` (the course's page has a button,
  the list an action), which refuses while a lesson has no text in any language or a quiz
  cannot be passed, naming them. Once a course is published, a lesson cannot be saved
  without text. Whether a course is published is not a box to tick.
- Downloads, projects and the discussion forum are chosen by searching, never from a list
  of them all.
"""

import secrets

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationStackedInline, TranslationTabularInline

from common.admin import HistoryAdmin, TranslatedAdmin
from common.translation import LANGUAGE_CODES, any_language, localized_fields
from learning import (
    cohort_admin,  # noqa: F401 - the cohorts' admin, registered on import
    images,
    services,
)
from learning.models import (
    Choice,
    Course,
    Lesson,
    LessonImage,
    Module,
    Question,
    QuestionKind,
    Quiz,
)
from library.models import DOCUMENT_LANGUAGES

MOVE = "_move"  # the name of the Up / Down buttons; their value says what moves where
PUBLISH, UNPUBLISH = "_publish", "_unpublish"
# The images of a course shown on a lesson's page to copy from, at most.
IMAGES_SHOWN = 100


def _title_search(field: str = "title", prefix: str = "") -> list[str]:
    """Search every language's text (a bare "title" would search the admin's only)."""
    return [f"{prefix}{column}__unaccent" for column in localized_fields(field)]


def _has_text(obj, field: str) -> bool:
    return any((getattr(obj, f"{field}_{code}", "") or "").strip() for code in LANGUAGE_CODES)


def _languages_with_text(obj, field: str) -> str:
    codes = [
        code.upper()
        for code in LANGUAGE_CODES
        if (getattr(obj, f"{field}_{code}", "") or "").strip()
    ]
    return ", ".join(codes) if codes else str(_("none"))


# --- Up / Down ---------------------------------------------------------------------------------


def move_buttons(item) -> str:
    """The Up and Down buttons of a row (a saved one): they save the page, then move it."""
    if item is None or item.pk is None:
        return "—"
    name = type(item)._meta.model_name
    button = (
        '<button type="submit" name="{}" value="{}:{}:{}"><span aria-hidden="true">{}</span> {}'
        '<span class="visually-hidden"> “{}”</span></button>'
    )
    return format_html(
        button + " " + button,
        MOVE,
        name,
        item.pk,
        services.UP,
        "↑",
        _("Up"),
        item,
        MOVE,
        name,
        item.pk,
        services.DOWN,
        "↓",
        _("Down"),
        item,
    )


class MovableInline:
    """An inline whose rows have Up and Down buttons (``move_buttons``)."""

    @admin.display(description=_("move"))
    def move(self, item):
        return move_buttons(item)


class MovesChildren:
    """For a ModelAdmin whose inline rows have Up and Down buttons: once the page is saved,
    the row moves (``services.move``), and the page comes back. ``movable`` names the
    inline models, with the field that points to this page's object."""

    movable: dict = {}
    save_on_top = True  # the first button of the form, the one Enter presses, is "Save"

    def _apply_move(self, request, obj):
        value = request.POST.get(MOVE, "")
        name, _sep, rest = value.partition(":")
        pk, _sep, direction = rest.partition(":")
        models = {model._meta.model_name: (model, field) for model, field in self.movable.items()}
        if name not in models or not pk.isdigit() or direction not in (services.UP, services.DOWN):
            self.message_user(request, _("Nothing was moved: unknown row."), messages.ERROR)
            return
        model, field = models[name]
        item = model.objects.filter(pk=int(pk), **{f"{field}_id": obj.pk}).first()
        if item is None:
            self.message_user(
                request, _("Nothing was moved: this row is no longer here."), messages.ERROR
            )
            return
        try:
            moved = services.move(item=item, direction=direction, by=request.user)
        except services.CourseError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        if moved:
            message = _("“%(item)s” moved up.") if direction == services.UP else None
            message = message or _("“%(item)s” moved down.")
            self.message_user(request, message % {"item": item}, messages.SUCCESS)
        else:
            message = (
                _("“%(item)s” is already first.")
                if direction == services.UP
                else _("“%(item)s” is already last.")
            )
            self.message_user(request, message % {"item": item}, messages.INFO)

    def response_change(self, request, obj):
        if MOVE in request.POST:
            self._apply_move(request, obj)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if MOVE in request.POST:
            self._apply_move(request, obj)
            return HttpResponseRedirect(
                reverse(f"admin:learning_{self.opts.model_name}_change", args=[obj.pk])
            )
        return super().response_add(request, obj, post_url_continue)


# --- Lessons: their text required once the course is published, their address made -----------


class LessonForm(forms.ModelForm):
    """A lesson: its address made from its title when left empty; once its course is
    published, its text in at least one language."""

    class Meta:
        model = Lesson
        fields = ["module", "title", "slug", "order", "body", "resources", "projects"]
        widgets = {
            **{column: forms.Textarea(attrs={"rows": 12}) for column in localized_fields("body")}
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = _(
                "The lesson's address. Left empty, it is made from the title."
            )

    def course(self):
        module = self.cleaned_data.get("module") or (
            self.instance.module if self.instance.module_id else None
        )
        return module.course if module is not None else None

    def clean(self):
        cleaned = super().clean()
        if "slug" in self.fields and not cleaned.get("slug") and "slug" not in self.errors:
            cleaned["slug"] = self._new_slug(cleaned)
        course = self.course()
        body_columns = [column for column in localized_fields("body") if column in self.fields]
        if (
            course is not None
            and course.published
            and body_columns
            and not any((cleaned.get(column) or "").strip() for column in body_columns)
        ):
            raise forms.ValidationError(
                _(
                    "“%(course)s” is published: its lessons need their text in at least one "
                    "language. Write it, or unpublish the course first."
                ),
                code="text_required",
                params={"course": course},
            )
        return cleaned

    def _new_slug(self, cleaned) -> str:
        title = next(
            (cleaned.get(column) for column in localized_fields("title") if cleaned.get(column)),
            "",
        )
        base = slugify(title)[:100].strip("-") or "lesson"
        slug = base
        taken = Lesson.objects.exclude(pk=self.instance.pk)
        while taken.filter(slug=slug).exists():
            slug = f"{base}-{secrets.token_hex(3)}"
        return slug


def preview_link(lesson) -> str:
    if lesson is None or lesson.pk is None:
        return "—"
    return format_html(
        '<a href="{}">{}</a>',
        reverse("admin:learning_lesson_preview", args=[lesson.pk]),
        _("Preview as a learner"),
    )


class LessonInline(MovableInline, TranslationStackedInline):
    model = Lesson
    form = LessonForm
    extra = 0
    fields = ["title", "slug", "order", "body", "text_languages", "preview", "move"]
    readonly_fields = ["text_languages", "preview", "move"]
    show_change_link = True
    verbose_name_plural = _("lessons (downloads and projects as cases: on each lesson's page)")

    @admin.display(description=_("text in"))
    def text_languages(self, lesson):
        return _languages_with_text(lesson, "body") if lesson.pk else "—"

    @admin.display(description=_("preview"))
    def preview(self, lesson):
        return preview_link(lesson)


# --- Quizzes ---------------------------------------------------------------------------------


class QuizInline(TranslationStackedInline):
    model = Quiz
    extra = 0
    max_num = 1
    fields = ["introduction", "pass_mark", "questions"]
    readonly_fields = ["questions"]
    verbose_name_plural = _("quiz at the end of the module")

    @admin.display(description=_("questions"))
    def questions(self, quiz):
        if quiz is None or quiz.pk is None:
            return _("Save the quiz, then write its questions on its page.")
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:learning_quiz_change", args=[quiz.pk]),
            _("Write the questions"),
        )


class QuestionInline(MovableInline, TranslationStackedInline):
    model = Question
    extra = 0
    fields = ["text", "kind", "order", "answers", "move"]
    readonly_fields = ["answers", "move"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("choices")

    @admin.display(description=_("answers"))
    def answers(self, question):
        if question is None or question.pk is None:
            return _("Save the question, then write its answers on its page.")
        choices = list(question.choices.all())
        summary = format_html_join(
            "",
            "<li>{}{}</li>",
            ((choice.text, " ✓" if choice.correct else "") for choice in choices),
        )
        return format_html(
            '<ul>{}</ul><a href="{}">{}</a>',
            summary,
            reverse("admin:learning_question_change", args=[question.pk]),
            _("Write the answers"),
        )


class ChoiceFormSet(forms.BaseInlineFormSet):
    """A question's answers: at least one correct, and a one-answer question exactly one."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not self._should_delete_form(form)
            and (form.instance.pk is not None or form.has_changed())
        ]
        if not kept:
            return
        correct = sum(1 for form in kept if form.cleaned_data.get("correct"))
        kind = getattr(self.instance, "kind", QuestionKind.SINGLE)
        if correct == 0:
            raise forms.ValidationError(
                _("Mark the correct answer: a question with none cannot be passed."),
                code="no_correct_answer",
            )
        if kind == QuestionKind.SINGLE and correct > 1:
            raise forms.ValidationError(
                _(
                    "This question takes one answer, and %(count)d are marked correct: mark "
                    "one, or make it a several-answer question."
                ),
                code="several_correct",
                params={"count": correct},
            )


class ChoiceInline(MovableInline, TranslationTabularInline):
    model = Choice
    formset = ChoiceFormSet
    extra = 3
    fields = ["text", "correct", "feedback", "order", "move"]
    readonly_fields = ["move"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name.startswith("feedback") and field is not None:
            field.widget = forms.Textarea(attrs={"rows": 2, "cols": 30})
        return field


# --- Images ----------------------------------------------------------------------------------


class LessonImageForm(forms.ModelForm):
    """An image of a course: uploaded once through the checks of ``learning.images`` (PNG
    or JPEG, small); its text alternative in each language. A stored image never changes
    (browsers keep it for a year): a new picture is a new image."""

    upload = forms.FileField(
        label=_("image file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": images.ACCEPT}),
    )

    class Meta:
        model = LessonImage
        fields = ["alt"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["upload"].help_text = _("PNG or JPEG, %(limit)s at most.") % {
            "limit": filesizeformat(images.image_max_bytes())
        }

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if not upload:
            return None
        if self.instance.pk is not None:
            raise forms.ValidationError(
                _(
                    "An image cannot be replaced (browsers keep it): add the new picture as "
                    "a new image, then delete this one."
                ),
                code="replace",
            )
        upload.learning_checked = images.check_image(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and not cleaned.get("upload") and "upload" not in self.errors:
            self.add_error("upload", _("Choose the image file."))
        return cleaned

    def save(self, commit=True):
        image = super().save(commit=False)
        upload = self.cleaned_data.get("upload")
        if upload and image.pk is None:
            images.store_image(image, upload, upload.learning_checked)
        if commit:
            image.save()
        return image


class LessonImageFormSet(forms.BaseInlineFormSet):
    """An image a lesson of the course shows is not deleted: it would leave a hole in it."""

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            image = form.instance
            if image.pk is None:
                continue
            pattern = rf"/learning/images/{image.pk}/"
            using = Lesson.objects.filter(module__course_id=image.course_id).filter(
                any_language("body", "contains", pattern)
            )
            lesson = using.first()
            if lesson is not None:
                form.add_error(
                    None,
                    forms.ValidationError(
                        _(
                            "The lesson “%(lesson)s” shows this image: take it out of the "
                            "lesson first."
                        ),
                        code="image_in_use",
                        params={"lesson": lesson},
                    ),
                )

    def _should_delete_form(self, form):
        return super()._should_delete_form(form) and not form.non_field_errors()


class LessonImageInline(TranslationTabularInline):
    model = LessonImage
    form = LessonImageForm
    formset = LessonImageFormSet
    extra = 1
    fields = ["thumbnail", "upload", "alt", "file_size", "snippets"]
    readonly_fields = ["thumbnail", "file_size", "snippets"]
    verbose_name_plural = _("images for the lessons (copy an image's Markdown into a lesson)")

    @admin.display(description=_("image"))
    def thumbnail(self, image):
        if image is None or image.pk is None:
            return "—"
        return format_html(
            '<img src="{}" alt="{}" width="120" loading="lazy">',
            images.image_url(image),
            image.alt,
        )

    @admin.display(description=_("size"))
    def file_size(self, image):
        return filesizeformat(image.size) if image and image.pk else "—"

    @admin.display(description=_("Markdown to paste in a lesson"))
    def snippets(self, image):
        return image_snippets(image)


def image_snippets(image) -> str:
    if image is None or image.pk is None:
        return "—"
    return format_html_join(
        "",
        '<div lang="{}"><code>{}</code></div>',
        ((code, images.markdown_snippet(image, code)) for code in LANGUAGE_CODES),
    )


# --- Courses ---------------------------------------------------------------------------------


class CourseAdminForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("languages"),
        choices=DOCUMENT_LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages the course is written in."),
    )

    class Meta:
        model = Course
        fields = ["languages"]

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in services.RESERVED_COURSE_SLUGS:
            raise forms.ValidationError(
                _("“%(slug)s” is the address of a page of the learning section: choose another."),
                params={"slug": slug},
                code="reserved",
            )
        return slug


class ModuleInline(MovableInline, TranslationTabularInline):
    model = Module
    extra = 1
    fields = ["title", "order", "lessons", "move"]
    readonly_fields = ["lessons", "move"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(lesson_count=Count("lessons"))

    @admin.display(description=_("lessons"))
    def lessons(self, module):
        if module is None or module.pk is None:
            return "—"
        count = getattr(module, "lesson_count", None)
        if count is None:
            count = module.lessons.count()
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:learning_module_change", args=[module.pk]),
            ngettext("%(count)d lesson", "%(count)d lessons", count) % {"count": count},
        )


@admin.register(Course)
class CourseAdmin(MovesChildren, TranslatedAdmin, HistoryAdmin):
    form = CourseAdminForm
    movable = {Module: "course"}
    list_display = ["title", "audience", "level", "estimated_hours", "published", "published_at"]
    list_filter = ["published", "audience", "level", "themes"]
    search_fields = [*_title_search(), "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["forum"]
    filter_horizontal = ["themes"]
    inlines = [ModuleInline, LessonImageInline]
    readonly_fields = ["publication", "published_at"]
    actions = ["publish_courses", "unpublish_courses"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "audience", "level", "estimated_hours", "languages"]}),
        (_("Content"), {"fields": ["summary", "themes", "forum"]}),
        (_("Publication"), {"fields": ["publication", "published_at"]}),
    ]

    @admin.display(description=_("published"))
    def publication(self, course):
        if course is None or course.pk is None:
            return _("Not published. Save the course, write its lessons, then publish it.")
        if course.published:
            return format_html(
                '{} <button type="submit" name="{}">{}</button>',
                _("Published: learners read it."),
                UNPUBLISH,
                _("Save and unpublish"),
            )
        problems = services.publishing_problems(course)
        if problems:
            return format_html(
                "{}<ul>{}</ul>",
                _("Not published. Before it can be:"),
                format_html_join("", "<li>{}</li>", ((problem,) for problem in problems)),
            )
        return format_html(
            '{} <button type="submit" name="{}">{}</button>',
            _("Not published, ready to be."),
            PUBLISH,
            _("Save and publish"),
        )

    def delete_model(self, request, obj):
        images.delete_files_on_commit(LessonImage.objects.filter(course=obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        images.delete_files_on_commit(LessonImage.objects.filter(course__in=queryset))
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        if formset.model is LessonImage:  # rows removed: their files go once saved
            removed = [f.instance.pk for f in formset.deleted_forms if f.instance.pk]
            images.delete_files_on_commit(LessonImage.objects.filter(pk__in=removed))
        super().save_formset(request, form, formset, change)

    def response_change(self, request, obj):
        if PUBLISH in request.POST:
            self._decide(request, [obj], publish=True)
            return HttpResponseRedirect(request.path)
        if UNPUBLISH in request.POST:
            self._decide(request, [obj], publish=False)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def _decide(self, request, courses, *, publish: bool) -> None:
        """Publish (or unpublish) ``courses`` through the services, saying what came of
        each: how many changed, and why each refused one was."""
        decide = services.publish_course if publish else services.unpublish_course
        changed = 0
        for course in courses:
            was = course.published
            try:
                course = decide(course=course, by=request.user)
            except services.CourseError as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            if course.published != was:
                changed += 1
        if publish:
            message = ngettext(
                "%(count)d course published.", "%(count)d courses published.", changed
            )
        else:
            message = ngettext(
                "%(count)d course unpublished.", "%(count)d courses unpublished.", changed
            )
        self.message_user(
            request, message % {"count": changed}, messages.SUCCESS if changed else messages.INFO
        )

    @admin.action(description=_("Publish the selected courses"), permissions=["change"])
    def publish_courses(self, request, queryset):
        self._decide(request, list(queryset), publish=True)

    @admin.action(description=_("Unpublish the selected courses"), permissions=["change"])
    def unpublish_courses(self, request, queryset):
        self._decide(request, list(queryset), publish=False)


@admin.register(Module)
class ModuleAdmin(MovesChildren, TranslatedAdmin, HistoryAdmin):
    movable = {Lesson: "module"}
    list_display = ["title", "course", "order"]
    list_filter = [("course", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["course"]
    search_fields = [*_title_search(), *_title_search(prefix="course__")]
    autocomplete_fields = ["course"]
    fields = ["course", "title", "summary", "order"]
    inlines = [LessonInline, QuizInline]

    def get_search_results(self, request, queryset, search_term):
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        return queryset.select_related("course"), distinct


@admin.register(Lesson)
class LessonAdmin(TranslatedAdmin, HistoryAdmin):
    form = LessonForm
    list_display = ["title", "module", "course", "order", "text_languages", "preview"]
    list_select_related = ["module__course"]
    list_filter = [("module__course", admin.RelatedOnlyFieldListFilter)]
    search_fields = [*_title_search(), "slug", *_title_search(prefix="module__")]
    autocomplete_fields = ["module", "resources", "projects"]
    readonly_fields = ["preview", "course_images"]
    fieldsets = [
        (None, {"fields": ["module", "title", "slug", "order", "preview"]}),
        (_("Text (Markdown)"), {"fields": ["body", "course_images"]}),
        (_("Downloads and cases"), {"fields": ["resources", "projects"]}),
    ]

    @admin.display(description=_("course"), ordering="module__course")
    def course(self, lesson):
        return lesson.module.course

    @admin.display(description=_("text in"))
    def text_languages(self, lesson):
        return _languages_with_text(lesson, "body")

    @admin.display(description=_("preview"))
    def preview(self, lesson):
        return preview_link(lesson)

    @admin.display(description=_("images of the course"))
    def course_images(self, lesson):
        if lesson is None or lesson.pk is None:
            return _("Save the lesson: the images of its course are then shown here to copy.")
        course = lesson.module.course
        rows = list(LessonImage.objects.filter(course=course)[: IMAGES_SHOWN + 1])
        upload = format_html(
            '<a href="{}">{}</a>',
            reverse("admin:learning_course_change", args=[course.pk]),
            _("Upload images on the course's page."),
        )
        if not rows:
            return format_html("{} {}", _("The course has no image yet."), upload)
        return format_html(
            "<ul>{}</ul>{}",
            format_html_join(
                "",
                '<li><img src="{}" alt="" width="80" loading="lazy"> {}</li>',
                ((images.image_url(image), image_snippets(image)) for image in rows[:IMAGES_SHOWN]),
            ),
            upload,
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="learning_lesson_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id):
        """The lesson as a learner reads it, whether its course is published or not;
        nothing is recorded of the visit."""
        lesson = self.get_object(request, unquote(object_id))
        if lesson is None:
            raise Http404(_("No such lesson."))
        if not self.has_view_or_change_permission(request, lesson):
            raise PermissionDenied
        from learning import previews

        return previews.render_preview(request, lesson)


@admin.register(Quiz)
class QuizAdmin(MovesChildren, TranslatedAdmin, HistoryAdmin):
    movable = {Question: "quiz"}
    list_display = ["__str__", "course", "pass_mark", "question_count"]
    list_select_related = ["module__course"]
    search_fields = [*_title_search(prefix="module__"), *_title_search(prefix="module__course__")]
    autocomplete_fields = ["module"]
    fields = ["module", "introduction", "pass_mark"]
    inlines = [QuestionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(question_count=Count("questions"))

    @admin.display(description=_("course"), ordering="module__course")
    def course(self, quiz):
        return quiz.module.course

    @admin.display(description=_("questions"))
    def question_count(self, quiz):
        return getattr(quiz, "question_count", "—")


@admin.register(Question)
class QuestionAdmin(MovesChildren, TranslatedAdmin):
    movable = {Choice: "question"}
    list_display = ["__str__", "quiz", "kind", "order"]
    list_select_related = ["quiz__module"]
    search_fields = localized_fields("text")
    autocomplete_fields = ["quiz"]
    fields = ["quiz", "text", "kind", "order"]
    inlines = [ChoiceInline]

    def has_module_permission(self, request):
        return False  # reached from a quiz's page
