from decimal import Decimal

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info

from common.text import render_markdown

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
    path = request.get_full_path() if request else "/"
    current = get_language()
    return [
        (code, get_language_info(code)["name_local"], translate_url(path, code), code == current)
        for code, _name in settings.LANGUAGES
    ]


@register.inclusion_tag("partials/funding.html")
def funding_totals(rows):
    """Funding summed per currency, as given by ``ProjectQuerySet.totals()["funding"]``."""
    return {"rows": rows}
