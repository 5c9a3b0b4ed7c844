from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.urls import Resolver404, resolve, reverse, translate_url
from django.utils.formats import number_format
from django.utils.html import conditional_escape, escape, format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, get_language_info, override
from django.utils.translation import gettext as _

from common.text import render_markdown
from common.translation import language_name, text_in_language

register = template.Library()

CURRENCY_SYMBOLS = {"USD": "US$", "EUR": "€", "CHF": "CHF", "GBP": "£"}


@register.filter
def money(amount, currency="USD"):
    """An amount in full with its currency, written the way the page's language writes it:
    "3 448 000 US$" in French and Spanish, "US$ 3,448,000" in English."""
    if amount is None or amount == "":
        return ""
    amount = Decimal(amount)
    places = 0 if amount == amount.to_integral_value() else 2
    number = number_format(amount, places, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    if (get_language() or "fr").startswith("en"):
        return f"{symbol}\u00a0{number}"
    return f"{number}\u00a0{symbol}"


@register.filter
def markdown(text):
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitised by nh3


@register.filter
def percent_of(value, total):
    """``value`` as a percentage of ``total`` (0–100), for bar charts."""
    try:
        return round(float(value) * 100 / float(total), 1) if total else 0
    except (TypeError, ValueError):
        return 0


@register.simple_tag(takes_context=True)
def language_links(context):
    """The current page in each site language: [(code, name in that language, url, is_current)]."""
    request = context.get("request")
    # One leading slash: "//evil.example/en/" is a path of this site, never another host.
    path = "/" + (request.get_full_path() if request else "/").lstrip("/")
    current = get_language()
    return [
        (code, get_language_info(code)["name_local"], _in_language(path, code), code == current)
        for code, _name in settings.LANGUAGES
    ]


def _in_language(path: str, code: str) -> str:
    """``path`` in language ``code``; the home page in that language when ``path`` is no
    page of the site (a 404)."""
    try:
        resolve(urlsplit(path).path)
    except Resolver404:
        with override(code):
            return reverse("home")
    return translate_url(path, code)


@register.inclusion_tag("partials/funding.html")
def funding_totals(rows):
    """Funding summed per currency, as given by ``ProjectQuerySet.totals()["funding"]``."""
    return {"rows": rows}


@register.simple_tag
def translated(obj, field, words=None, paragraphs=False, note=True, link=None, html=False):
    """``obj``'s translated ``field`` in the page's language. Where that language has no
    text, the text that exists is shown in an element carrying its ``lang`` (so that a
    screen reader switches voice), followed by a short note ("Only available in French")
    unless ``note=False`` (where the same note already stands nearby).

    ``words``: cut after that many words; ``paragraphs``: line breaks become paragraphs;
    ``link``: the text links there (the note stays outside the link's name); ``html``:
    the field holds HTML already sanitised (a rendered Markdown body), shown as a block."""
    found = text_in_language(obj, field)
    if not (found.is_fallback or words or paragraphs or link or html):
        return conditional_escape(found.text)  # the common case, kept quick
    if html:
        body = mark_safe(found.text)  # noqa: S308 - rendered and sanitised on save
        if not found.is_fallback:
            return body
        return format_html(
            '{}<div lang="{}">{}</div>',
            untranslated_note(found.language) if note else "",
            found.language,
            body,
        )
    text = Truncator(found.text).words(int(words)) if words else found.text
    if paragraphs:
        body = linebreaks(text, autoescape=True)
        if not found.is_fallback:
            return mark_safe(body)  # noqa: S308 - escaped by linebreaks
        return format_html(
            '<div lang="{}">{}</div>{}',
            found.language,
            mark_safe(body),  # noqa: S308 - escaped by linebreaks
            untranslated_note(found.language) if note else "",
        )
    # Built by hand rather than with format_html: lists call this on every row. The
    # language codes are the site's own; the text and the address are escaped.
    text = escape(text)
    if found.is_fallback:
        text = f'<span lang="{found.language}">{text}</span>'
    if link:
        text = f'<a href="{escape(link)}">{text}</a>'
    if found.is_fallback and note:
        text = f"{text} {untranslated_note(found.language)}"
    return mark_safe(text)  # noqa: S308 - every part escaped above


@register.simple_tag
def untranslated_note(language):
    """ "Only available in French", in the page's language."""
    return _untranslated_note(get_language(), language)


@lru_cache(maxsize=64)
def _untranslated_note(page_language, language):
    """The note for each pair of languages, written once per process (a list page may show
    it on every row)."""
    with override(page_language):
        return format_html(
            '<small class="untranslated">({})</small>',
            _("Only available in %(language)s") % {"language": language_name(language)},
        )


@register.filter(name="language_name")
def language_name_filter(code):
    """A language's name in the page's language: "fr" → "French" on an English page."""
    return language_name(code)
