import datetime
import json
from collections import defaultdict
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import ManyToManyField, Q, UniqueConstraint
from django.forms.models import BaseInlineFormSet
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country
from modeltranslation.admin import TranslationAdmin
from modeltranslation.translator import translator
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper
from simple_history.utils import update_change_reason

from common.models import OutgoingEmail
from common.outbox import retry_failed
from common.translation import (
    LANGUAGE_CODES,
    language_name,
    localized_field,
    missing_languages,
)

# --- History: every version of an object, readable in the reader's language -------------

EMPTY_VALUE = "—"
HISTORY_TYPES = {
    "+": pgettext_lazy("history", "Created"),
    "~": pgettext_lazy("history", "Changed"),
    "-": pgettext_lazy("history", "Deleted"),
}


def readable_value(field, value) -> str:
    """``value`` of ``field`` as a person reads it, in the active language: "—" for
    nothing, Yes/No, a choice's label, a country's name, dates and numbers localized,
    a related object by its name."""
    if value is None or value == "" or value == []:
        return EMPTY_VALUE
    if isinstance(value, DeletedObject):
        return gettext("%(model)s no longer there (#%(pk)s)") % {
            "model": value.model._meta.verbose_name,
            "pk": value.pk,
        }
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, Country):
        return str(value.name)
    if field is not None and field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.localize(value)
    if isinstance(value, datetime.date | datetime.time | Decimal | float | int):
        return formats.localize(value)
    return str(value)


def field_labels(*models) -> dict[str, str]:
    """{label as the admin's log keeps it: label in the active language} of the fields of
    ``models``. Django keeps the labels of a change message untranslated and translates them
    when read, which misses labels made of parts ("Title [fr]", from django-modeltranslation)."""
    fields = [field for model in models for field in model._meta.get_fields() if field.concrete]
    with translation.override(None):
        kept = [capfirst(str(field.verbose_name)) for field in fields]
    return {
        label: capfirst(str(field.verbose_name)) for label, field in zip(kept, fields, strict=True)
    }


def readable_change_reason(reason: str | None, labels: dict[str, str]) -> str:
    """A version's change reason: the admin's change message is kept as Django keeps it in
    its log (JSON, field labels untranslated) and put in words in the reader's language
    (``labels``: see ``field_labels``); any other reason (an import, a verification) is
    shown as it was written."""
    if not reason:
        return EMPTY_VALUE
    if not reason.startswith("["):
        return reason
    try:
        message = json.loads(reason)
    except ValueError:
        return reason
    if not isinstance(message, list):
        return reason
    for part in message:
        for details in part.values() if isinstance(part, dict) else ():
            if isinstance(details, dict) and isinstance(details.get("fields"), list):
                details["fields"] = [labels.get(label, label) for label in details["fields"]]
    return LogEntry(change_message=json.dumps(message)).get_change_message() or EMPTY_VALUE


class ReadableHistoryChanges(HistoricalRecordContextHelper):
    """The "old → new" of a version with readable values (see ``readable_value``) instead
    of Python's ("None", "False → True", choice keys, country codes)."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(field, ManyToManyField):
            related = super().prepare_delta_change_value(change, value)
            return ", ".join(readable_value(None, item) for item in related) or EMPTY_VALUE
        return readable_value(field, value)


class HistoryAdmin(SimpleHistoryAdmin):
    """Keeps every version of an object with who changed it and when; the admin's own
    change message (which also names inline rows added, changed or deleted) becomes the
    version's change reason, so a new partner shows up in the history too. The history
    page reads in the staff member's language: its headings, the kind of change, the
    reason, and the values changed (``ReadableHistoryChanges``)."""

    object_history_template = "admin/history/object_history.html"
    object_history_list_template = "admin/history/object_history_list.html"
    object_history_form_template = "admin/history/object_history_form.html"

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if message:
            # Kept as the admin's log keeps it: put in words when read, in the reader's
            # language (``readable_change_reason``).
            update_change_reason(obj, json.dumps(message))
        return entry

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryChanges(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, **kwargs):
        super().set_history_delta_changes(request, historical_records, **kwargs)
        labels = field_labels(self.model, *(inline.model for inline in self.inlines))
        for record in historical_records:
            record.readable_type = HISTORY_TYPES.get(record.history_type, EMPTY_VALUE)
            record.readable_change_reason = readable_change_reason(
                record.history_change_reason, labels
            )

    def history_view_title(self, request, obj):
        return _("History of “%(object)s”") % {"object": obj}

    def history_form_view_title(self, request, obj):
        if self.revert_disabled(request, obj):
            return _("Earlier version of “%(object)s”") % {"object": obj}
        return _("Go back to an earlier version of “%(object)s”") % {"object": obj}


class MissingTranslationFilter(admin.SimpleListFilter):
    """ "Missing in English": rows where a translated field has text in some language but
    not in this one (a field empty in every language is optional, not untranslated)."""

    title = _("translation")
    parameter_name = "missing"

    def lookups(self, request, model_admin):
        return [
            (code, _("Missing in %(language)s") % {"language": language_name(code)})
            for code in LANGUAGE_CODES
        ]

    def queryset(self, request, queryset):
        language = self.value()
        if language not in LANGUAGE_CODES:
            return queryset
        missing = Q()
        for field in translated_fields(queryset.model):
            empty_here = Q(**{f"{localized_field(field, language)}__isnull": True}) | Q(
                **{localized_field(field, language): ""}
            )
            elsewhere = Q()
            for other in LANGUAGE_CODES:
                if other != language:
                    elsewhere |= Q(**{f"{localized_field(field, other)}__gt": ""})
            missing |= empty_here & elsewhere
        return queryset.filter(missing)


class TranslatedAdmin(TranslationAdmin):
    """Staff edit every language of a translated field side by side ("title [fr]",
    "title [en]", "title [es]"); the list shows and filters what is missing."""

    def get_list_display(self, request):
        return [*super().get_list_display(request), "translation_status"]

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), MissingTranslationFilter]

    @admin.display(description=_("translations"))
    def translation_status(self, obj):
        missing = missing_languages(obj, translated_fields(type(obj)))
        if not missing:
            return _("Complete")
        names = ", ".join(str(language_name(code)) for code in missing)
        return _("Missing in %(languages)s") % {"languages": names}


def translated_fields(model) -> list[str]:
    """The fields of ``model`` registered for translation (``<app>/translation.py``)."""
    return list(translator.get_options_for_model(model).fields)


# --- Inline rows checked together against the model's constraints --------------------------


def conditional_unique_constraints(model) -> list[UniqueConstraint]:
    """The unique constraints of ``model`` that hold for some rows only ("one lead per
    project": unique project where the role is lead)."""
    return [
        constraint
        for constraint in model._meta.constraints
        if isinstance(constraint, UniqueConstraint) and constraint.condition and constraint.fields
    ]


class InlineRowForm(forms.ModelForm):
    """A row of a ``ConstrainedInlineFormSet``: checked against every constraint of its
    model but the conditional unique ones, which the formset checks with all the rows of
    the page in view (checked alone against the database, the new lead of a project is
    refused while the row giving up that role in the same save is still lead there)."""

    def validate_constraints(self):
        # Model.validate_constraints, less the constraints the formset checks.
        exclude = self._get_validation_exclusions()
        using = router.db_for_write(type(self.instance), instance=self.instance)
        errors = {}
        for model, constraints in self.instance.get_constraints():
            skipped = {constraint.name for constraint in conditional_unique_constraints(model)}
            for constraint in constraints:
                if constraint.name in skipped:
                    continue
                try:
                    constraint.validate(model, self.instance, exclude=exclude, using=using)
                except ValidationError as error:
                    if getattr(error, "code", None) == "unique" and len(constraint.fields) == 1:
                        errors.setdefault(constraint.fields[0], []).append(error)
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            self._update_errors(ValidationError(errors))


class ConstrainedInlineFormSet(BaseInlineFormSet):
    """The rows of an inline checked together against their model's conditional unique
    constraints, as the database will hold them once saved: the rows of the page (new,
    changed, or deleted) and the rows already saved that the page does not show. Two new
    rows that together break a constraint (two leads of one project) get its message, where
    Django would check each alone and the save would fail with a server error; and the rows
    are saved in an order the database accepts (rows deleted, then rows leaving a
    constraint's condition, then the others), so the lead can change hands in one save."""

    form = InlineRowForm

    def clean(self):
        super().clean()
        self._in_condition = defaultdict(set)  # form → names of the conditions it meets
        using = router.db_for_write(self.model)
        kept = [
            form
            for form in self.forms
            if form.is_valid()
            and not self._should_delete_form(form)
            and not (form.instance._state.adding and not form.has_changed())
        ]
        on_page = [
            form.instance.pk
            for form in self.forms
            if form.instance.pk is not None and not form.instance._state.adding
        ]
        for constraint in conditional_unique_constraints(self.model):
            rows = defaultdict(list)
            for form in kept:
                if not self._meets(constraint, form.instance, using):
                    continue
                self._in_condition[form].add(constraint.name)
                key = tuple(self._value(form.instance, name) for name in constraint.fields)
                if None not in key:
                    rows[key].append(form)
            for key, forms_ in rows.items():
                if len(forms_) > 1 or self._saved_elsewhere(constraint, key, on_page, using):
                    message = str(constraint.get_violation_error_message())
                    for form in forms_:
                        if message not in list(form.non_field_errors()):
                            form.add_error(None, ValidationError(message, code="unique"))

    def _meets(self, constraint, instance, using) -> bool:
        """Whether ``instance``, as the form would save it, meets ``constraint``'s
        condition, worked out by the database with the values Django's own validation of
        a conditional constraint uses (UniqueConstraint.validate)."""
        values = instance._get_field_expression_map(meta=self.model._meta)
        return constraint.condition.check(values, using=using)

    def _value(self, instance, name):
        field = self.model._meta.get_field(name)
        if field == self.fk:
            return "the parent"  # one and the same for every row, saved or not yet
        return getattr(instance, field.attname)

    def _saved_elsewhere(self, constraint, key, on_page, using) -> bool:
        """Whether a saved row the page does not show already holds ``key``."""
        lookups = {}
        for name, value in zip(constraint.fields, key, strict=True):
            field = self.model._meta.get_field(name)
            if field == self.fk:
                if self.instance.pk is None or self.instance._state.adding:
                    return False  # nothing saved refers to a parent being added
                lookups[field.attname] = self.instance.pk
            else:
                lookups[field.attname] = value
        saved = self.model._default_manager.using(using).filter(constraint.condition, **lookups)
        return saved.exclude(pk__in=on_page).exists()

    @property
    def initial_forms(self):
        forms_ = super().initial_forms
        if not getattr(self, "_saving", False):
            return forms_
        # While saving (BaseModelFormSet.save_existing_objects), in an order the database
        # accepts. Only this list is reordered: Django finds deleted rows by their place
        # in ``self.forms``.
        deleted = self.deleted_forms
        in_condition = getattr(self, "_in_condition", {})

        def order(form):
            if form in deleted:
                return 0
            return 2 if in_condition.get(form) else 1

        return sorted(forms_, key=order)

    def save(self, commit=True):
        self._saving = True
        try:
            return super().save(commit)
        finally:
            self._saving = False


class ConstrainedInline:
    """For inlines (``class PartnershipInline(ConstrainedInline, admin.TabularInline)``):
    their rows are checked together against the model's conditional unique constraints
    (``ConstrainedInlineFormSet``)."""

    form = InlineRowForm
    formset = ConstrainedInlineFormSet


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """The outbox, for staff to see what was sent, what waits for a retry and what failed
    (with the mail server's answer); a failed email can be tried again."""

    list_display = ["created", "to", "subject", "language", "status", "attempts", "sent_at"]
    list_filter = ["status", "language"]
    search_fields = ["to", "subject", "cause"]
    date_hierarchy = "created"
    actions = ["send_again"]
    readonly_fields = [field.name for field in OutgoingEmail._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Try the selected failed emails again"))
    def send_again(self, request, queryset):
        count = retry_failed(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d email will be tried again.",
                "%(count)d emails will be tried again.",
                count,
            )
            % {"count": count},
        )
