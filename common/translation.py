"""Content stored once per language (django-modeltranslation: ``title_fr``, ``title_en``,
``title_es``), and how a page shows it.

Reading ``obj.title`` gives the text in the active language or, where it is missing, the
first one that exists (French, English, Spanish: ``MODELTRANSLATION_FALLBACK_LANGUAGES``).
A page must then say so: ``text_in_language`` tells which language the text really is in,
and the ``translated`` template tag (common/templatetags/portal.py) wraps a fallback in an
element with that ``lang`` and a short note ("Only available in French").
"""

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Collate, NullIf
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODES: tuple[str, ...] = tuple(code for code, _name in settings.LANGUAGES)


def site_language(language: str | None) -> str:
    """``language`` ("en", "en-gb") as one of the site's languages, else the default one."""
    language = (language or "")[:2]
    return language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE


def current_language() -> str:
    """The active language, as one of the site's."""
    return site_language(translation.get_language())


def fallback_order(language: str | None = None) -> list[str]:
    """The languages to try for ``language``: itself first, then the fallbacks."""
    language = language or current_language()
    fallbacks = settings.MODELTRANSLATION_FALLBACK_LANGUAGES["default"]
    return [language] + [code for code in fallbacks if code != language]


def localized_field(field: str, language: str | None = None) -> str:
    """``"title"`` → ``"title_en"`` on an English page."""
    return f"{field}_{language or current_language()}"


def localized_fields(field: str) -> list[str]:
    """Every language's column of ``field``: ``["title_fr", "title_en", "title_es"]``."""
    return [localized_field(field, code) for code in LANGUAGE_CODES]


def localized_value(field: str, prefix: str = "", language: str | None = None):
    """An SQL expression for ``field`` in ``language`` with the same fallback as the model
    (the first non-empty column), e.g. to sort by a translated name. ``prefix`` follows a
    relation: ``localized_value("name", "organisation__")``."""
    return Coalesce(
        *(
            NullIf(F(f"{prefix}{localized_field(field, code)}"), Value(""))
            for code in fallback_order(language)
        ),
        Value(""),
        # Each language's column is a field class of its own, which Django cannot unify
        # when it needs the type (in a GROUP BY, beside an aggregate).
        output_field=models.TextField(),
    )


def natural_localized_order(field: str, prefix: str = "", descending: bool = False):
    """Order by the translated ``field`` the way people read it ("Équateur" beside "Egypte"),
    with ICU's root collation."""
    expression = Collate(localized_value(field, prefix), "und-x-icu")
    return expression.desc() if descending else expression.asc()


@dataclass(frozen=True)
class TextInLanguage:
    text: str
    language: str  # the language the text is written in
    is_fallback: bool  # True when it is not the language asked for


def text_in_language(obj, field: str, language: str | None = None) -> TextInLanguage:
    """``obj``'s ``field`` in ``language`` (default: the active one), else the first
    language that has it, saying which."""
    wanted = language or current_language()
    for code in fallback_order(wanted):
        value = getattr(obj, localized_field(field, code), None)
        if value:
            return TextInLanguage(value, code, code != wanted)
    return TextInLanguage("", wanted, False)


def missing_languages(obj, fields: list[str]) -> list[str]:
    """The languages in which at least one of ``fields`` is empty while another language
    has it (a field empty everywhere is optional, not untranslated)."""
    missing = []
    for code in LANGUAGE_CODES:
        for field in fields:
            values = [getattr(obj, localized_field(field, other), "") for other in LANGUAGE_CODES]
            if any(values) and not getattr(obj, localized_field(field, code), ""):
                missing.append(code)
                break
    return missing


class TranslatedModel(models.Model):
    """A model with fields registered for translation (``<app>/translation.py``).

    The field's own column (``title``, beside ``title_fr``…) is saved with the original
    text, French where it exists, whatever the language of the request that saves it: it
    is the row's canonical text (default ordering, history, the admin's change list)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            super().save(*args, **kwargs)


def any_language(field: str, lookup: str, value) -> Q:
    """A condition true when ``field`` matches in any language:
    ``any_language("title", "unaccent__icontains", "eau")``. ``field`` may follow
    relations (``"organisation__name"``)."""
    condition = Q()
    for name in localized_fields(field):
        condition |= Q(**{f"{name}__{lookup}": value})
    return condition


def language_field(verbose_name, help_text="") -> models.CharField:
    """The language something is written in, or a member's preferred language: one of the
    site's languages."""
    return models.CharField(
        verbose_name,
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=help_text,
    )


def country_choices() -> list[tuple[str, str]]:
    """Every country, named and sorted in the active language, after an empty choice. Give
    the function itself as a form field's ``choices``: the list is then made for each form,
    in the language of its page."""
    from django_countries import countries

    return [("", "—"), *countries]


class LanguageChoiceField(forms.ChoiceField):
    """One of the site's languages: the page's until the form says otherwise, and when a
    form is posted without it. ``named_in_itself``: each language is offered under its
    own name ("Español"), for choices a person makes for themselves."""

    def __init__(self, *, named_in_itself: bool = False, **kwargs):
        choices = settings.LANGUAGES
        if named_in_itself:
            choices = [
                (code, capfirst(translation.get_language_info(code)["name_local"]))
                for code in LANGUAGE_CODES
            ]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value):
        return super().clean(value) or current_language()

    def get_bound_field(self, form, field_name):
        if not form.is_bound and form.initial.get(field_name) is None:
            form.initial[field_name] = current_language()
        return super().get_bound_field(form, field_name)


class WrittenInField(LanguageChoiceField):
    """The language a member writes a text in."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Language of the text"))
        kwargs.setdefault(
            "help_text", _("Readers' browsers and screen readers use it to read your text.")
        )
        super().__init__(**kwargs)


def language_name(code: str) -> str:
    """A language's name in the active language, as written inside a sentence: "French" in
    English, "anglais" in French, "francés" in Spanish."""
    try:
        name = str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code
    return name if current_language() == "en" else name.lower()
