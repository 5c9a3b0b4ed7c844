"""The library on other apps' pages (the catalogue does not import the library): a
project's documents, what an organisation published, the documents about a country, each
a few of the newest with a link to the library's list filtered by it; and the names the
library's templates show (a file's type, a document's language)."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode
from django_countries import countries

from library.filters import LANGUAGE_NAMES
from library.uploads import TYPE_NAMES
from library.views import resources_of

register = template.Library()

# The newest resources a catalogue page shows; the library's list has them all.
CATALOGUE_RESOURCES_SHOWN = 5


def _shown(about: str, resources, count: int, **filters) -> dict:
    return {
        "about": about,
        "resources": resources,
        "count": count,
        "list_url": f"{reverse('library:list')}?{urlencode(filters)}",
    }


@register.inclusion_tag("library/partials/catalogue_resources.html")
def project_resources(project):
    """``{% project_resources project %}``: the project's newest documents (one query);
    nothing when it has none."""
    resources, count = resources_of(project=project, shown=CATALOGUE_RESOURCES_SHOWN)
    return _shown("project", resources, count, project=project.slug)


@register.inclusion_tag("library/partials/catalogue_resources.html")
def organisation_resources(organisation):
    """``{% organisation_resources organisation %}``: what the organisation published, the
    newest first (one query); nothing when it published none."""
    resources, count = resources_of(organisation=organisation, shown=CATALOGUE_RESOURCES_SHOWN)
    return _shown("organisation", resources, count, organisation=organisation.slug)


@register.inclusion_tag("library/partials/catalogue_resources.html")
def country_resources(country):
    """``{% country_resources country %}``: the newest documents about the country (a
    django-countries ``Country`` or its code; one query); nothing when there is none."""
    code = str(getattr(country, "code", country)).upper()
    resources, count = resources_of(country=code, shown=CATALOGUE_RESOURCES_SHOWN)
    return _shown("country", resources, count, country=code)


@register.filter
def file_type(content_type: str) -> str:
    """A file's type as people know it ("PDF", "DOCX"), from its media type."""
    return TYPE_NAMES.get(content_type, content_type)


@register.filter
def document_language(code: str) -> str:
    """The name of a language a document is written in ("fr" → "French")."""
    return str(LANGUAGE_NAMES.get(code, code))


@register.filter
def country_names(codes) -> str:
    """The names of countries of ISO codes, in the page's language, comma-separated."""
    return ", ".join(countries.name(code) or code for code in codes or ())
