import json

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from modeltranslation.translator import translator
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import update_change_reason

from common.translation import (
    LANGUAGE_CODES,
    language_name,
    localized_field,
    missing_languages,
)


class HistoryAdmin(SimpleHistoryAdmin):
    """Keeps every version of an object with who changed it and when; the admin's own
    change message (which also names inline rows added, changed or deleted) becomes the
    version's change reason, so a new partner shows up in the history too."""

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if message:
            text = LogEntry(change_message=json.dumps(message)).get_change_message()
            update_change_reason(obj, text)
        return entry


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
