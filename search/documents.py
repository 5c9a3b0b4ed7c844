"""What the site search indexes: for each indexed model, its public rows and the document
of one row.

Only what anyone may read is indexed: published projects, listed organisations, topics
that are not hidden (with their first post), visible replies in visible topics, published
blog posts and news that are not hidden, published resources of the library (with the text
extracted from their files) and published events. A blog post published for a later date
is indexed with that date and found from then on (see search/query.py). Moderators search the same
public index; hidden content is reached through the moderation pages. Author names are not
indexed, so an anonymised account leaves nothing behind.

Each language's title and text go in that language's columns: a project's or an
organisation's translations, what a member wrote only in the language they wrote it in.
The names of a project's country, themes and partners (an organisation's city and
country) go in every language's ``names`` column, so that "Marruecos" or "gender" find it
whatever languages it is written in.
"""

import functools
import html
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.db.models.functions import Left
from django.utils import translation
from django.utils.html import strip_tags
from django_countries import countries

from blogs.models import BlogPost, BlogPostKind, BlogPostStatus
from common.translation import LANGUAGE_CODES, localized_field, site_language, text_in_language
from forums.models import Post, Topic
from library.models import Event, Resource, ResourceFile
from projects.models import Organisation, Partnership, Project, Theme
from search.models import SearchDocumentKind

# Control characters never reach the index: the search marks matches with \x02 and \x03.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    return CONTROL_CHARACTERS.sub(" ", text or "").strip()


def html_to_text(fragment: str) -> str:
    """The words of sanitised HTML (a rendered post), entities decoded."""
    return html.unescape(strip_tags(fragment or ""))


@functools.cache
def country_name(code: str, language: str) -> str:
    """A country's name in one of the site's languages: "Maroc", "Morocco", "Marruecos"."""
    if not code:
        return ""
    with translation.override(language):
        return str(countries.name(code))


def own_text(obj, field_name: str, language: str) -> str:
    """``obj``'s translated field as written in ``language``, without fallback."""
    return getattr(obj, localized_field(field_name, language)) or ""


def name_in(obj, field_name: str, language: str) -> str:
    """A name in ``language``, else as it is written in another: most organisations' names
    are the same in every language."""
    return text_in_language(obj, field_name, language).text


def names(*parts) -> str:
    """Names of what something belongs to (partners, country, themes), for one language."""
    return " · ".join(part for part in parts if part)


def default_language_url(obj) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return obj.get_absolute_url()


@dataclass
class Document:
    """What the index holds of one thing: per language, its title, its text and the names
    of what it belongs to (a language missing from a dict is empty); for what a member
    wrote, the language they wrote it in."""

    kind: str
    url: str
    date: object = None
    titles: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    author_language: str = ""


def join(*parts) -> str:
    return "\n".join(part for part in parts if part)


# What each indexed model contributes: the public rows (with what their documents need,
# in a fixed number of queries per batch) and the document of one row.


def project_rows():
    return Project.objects.published().prefetch_related(
        Prefetch("partnerships", queryset=Partnership.objects.select_related("organisation")),
        "themes",
    )


def project_document(project: Project) -> Document:
    """Its translations, and in every language the names of its partners, country and
    themes: "Marruecos" and "gender" find it whatever languages it is written in."""
    partners = [partnership.organisation for partnership in project.partnerships.all()]
    themes = list(project.themes.all())
    document = Document(
        kind=SearchDocumentKind.PROJECT,
        url=default_language_url(project),
        date=project.created,
    )
    for language in LANGUAGE_CODES:
        document.titles[language] = own_text(project, "title", language)
        document.texts[language] = join(
            own_text(project, "locality", language),
            own_text(project, "objective", language),
            own_text(project, "description", language),
        )
        document.names[language] = names(
            ", ".join(name_in(partner, "name", language) for partner in partners),
            country_name(project.country.code, language),
            ", ".join(name_in(theme, "name", language) for theme in themes),
        )
    return document


def organisation_rows():
    return Organisation.objects.listed()


def organisation_document(organisation: Organisation) -> Document:
    document = Document(
        kind=SearchDocumentKind.ORGANISATION,
        url=default_language_url(organisation),
        date=organisation.created,
    )
    for language in LANGUAGE_CODES:
        # Its name only in the languages it is written in: the search shows it as it is
        # written on the organisation's page, marked with its language.
        document.titles[language] = own_text(organisation, "name", language)
        document.texts[language] = own_text(organisation, "description", language)
        document.names[language] = names(
            organisation.city, country_name(organisation.country.code, language)
        )
    return document


def _first_post_of(topic_ref):
    """The id of the topic's first post (hidden or not)."""
    return Subquery(Post.objects.filter(topic=topic_ref).order_by("created", "id").values("pk")[:1])


def topic_rows():
    first_posts = Post.objects.filter(is_hidden=False, pk=OuterRef("first_post_id"))
    return (
        Topic.objects.visible_to(AnonymousUser())
        .annotate(first_post_id=_first_post_of(OuterRef("pk")))
        .annotate(first_post_html=Subquery(first_posts.values("body_html")[:1]))
    )


def topic_document(topic: Topic) -> Document:
    """In the language its author wrote it in, with its first post."""
    language = site_language(topic.language)
    return Document(
        kind=SearchDocumentKind.TOPIC,
        url=default_language_url(topic),
        date=topic.created,
        titles={language: topic.title},
        texts={
            language: join(
                html_to_text(topic.first_post_html),
                topic.guiding_questions,
                html_to_text(topic.summary_html),
            )
        },
        author_language=language,
    )


def post_rows():
    """Visible replies in visible topics; a topic's first post is part of the topic's
    document, not one of its own."""
    return (
        Post.objects.visible_to(AnonymousUser())
        .filter(topic__is_hidden=False)
        .annotate(first_post_id=_first_post_of(OuterRef("topic")))
        .exclude(pk=F("first_post_id"))
        .select_related("topic")
    )


def post_document(post: Post) -> Document:
    """The reply in its author's language, under its topic's title in the topic's."""
    language = site_language(post.language)
    return Document(
        kind=SearchDocumentKind.POST,
        url=default_language_url(post),
        date=post.created,
        titles={site_language(post.topic.language): post.topic.title},
        texts={language: html_to_text(post.body_html)},
        author_language=language,
    )


def blog_post_rows():
    # Not BlogPost.objects.published(): one published for a later date is indexed now and
    # found from its date on.
    return BlogPost.objects.filter(
        status=BlogPostStatus.PUBLISHED, published_at__isnull=False, is_hidden=False
    )


def blog_post_document(post: BlogPost) -> Document:
    """A blog post in its author's language; a news item in each language staff wrote it
    in (shown with the same marked fallback as the catalogue)."""
    if post.kind == BlogPostKind.NEWS:
        document = Document(
            kind=SearchDocumentKind.NEWS, url=default_language_url(post), date=post.published_at
        )
        for language in LANGUAGE_CODES:
            document.titles[language] = own_text(post, "title", language)
            document.texts[language] = join(
                own_text(post, "summary", language),
                html_to_text(own_text(post, "body_html", language)),
            )
        return document
    language = site_language(post.language)
    return Document(
        kind=SearchDocumentKind.BLOG,
        url=default_language_url(post),
        date=post.published_at,
        titles={language: own_text(post, "title", language) or post.title},
        texts={language: join(post.summary, html_to_text(post.body_html))},
        author_language=language,
    )


# The text of a resource's files indexed, at most (all its files together, shared among
# them): a report of a hundred pages or so. PostgreSQL keeps at most 1 MiB of words in a
# document's vector, which every language's text read in three languages must fit in.
FILE_TEXT_LIMIT = 300_000


def resource_rows():
    # Each file's text read only up to the limit (``text_start``): a batch of resources
    # never holds whole books in memory.
    files = (
        ResourceFile.objects.defer("extracted_text")
        .annotate(text_start=Left("extracted_text", FILE_TEXT_LIMIT))
        .order_by("language", "pk")
    )
    return (
        Resource.objects.published()
        .select_related("publisher")
        .prefetch_related("themes", Prefetch("files", queryset=files))
    )


def kind_label(obj, language: str) -> str:
    """``obj``'s kind as named in ``language`` ("Toolkit or guide", "Guide ou boîte à
    outils"): words a visitor may search with."""
    with translation.override(language):
        return str(obj.get_kind_display())


def resource_document(resource: Resource) -> Document:
    """Its translations, with the text of each file in its language's text (a file in a
    language the site is not in, Arabic or Portuguese, with the first language the resource
    has a title in); in every language the names of its kind, authors, publisher,
    countries and themes."""
    document = Document(
        kind=SearchDocumentKind.RESOURCE,
        url=default_language_url(resource),
        date=resource.published_at,
    )
    titled = [code for code in LANGUAGE_CODES if own_text(resource, "title", code)]
    files_text = {code: [] for code in LANGUAGE_CODES}
    files = list(resource.files.all())
    for resource_file in files:
        language = resource_file.language
        if language not in files_text:
            language = titled[0] if titled else settings.LANGUAGE_CODE
        files_text[language].append(resource_file.text_start[: FILE_TEXT_LIMIT // len(files)])
    themes = list(resource.themes.all())
    publisher = resource.publisher
    for language in LANGUAGE_CODES:
        document.titles[language] = own_text(resource, "title", language)
        document.texts[language] = join(
            own_text(resource, "summary", language), *files_text[language]
        )
        document.names[language] = names(
            kind_label(resource, language),
            resource.authors,
            name_in(publisher, "name", language) if publisher else resource.publisher_name,
            ", ".join(country_name(code, language) for code in resource.countries),
            ", ".join(name_in(theme, "name", language) for theme in themes),
        )
    return document


def event_rows():
    return Event.objects.published().select_related("organiser").prefetch_related("themes")


def event_document(event: Event) -> Document:
    """Its translations; in every language the names of its kind, city, country, organiser
    and themes. Dated when it was published, so that it is found from then on (a search
    leaves out what is dated later), before and after it takes place."""
    document = Document(
        kind=SearchDocumentKind.EVENT,
        url=default_language_url(event),
        date=event.published_at,
    )
    themes = list(event.themes.all())
    organiser = event.organiser
    for language in LANGUAGE_CODES:
        document.titles[language] = own_text(event, "title", language)
        document.texts[language] = own_text(event, "description", language)
        document.names[language] = names(
            kind_label(event, language),
            event.city,
            country_name(event.country.code, language),
            name_in(organiser, "name", language) if organiser else "",
            ", ".join(name_in(theme, "name", language) for theme in themes),
        )
    return document


SOURCES = {
    Project: (project_rows, project_document),
    Organisation: (organisation_rows, organisation_document),
    Topic: (topic_rows, topic_document),
    Post: (post_rows, post_document),
    BlogPost: (blog_post_rows, blog_post_document),
    Resource: (resource_rows, resource_document),
    Event: (event_rows, event_document),
}


# What else shows a row's words, besides its own document: a project names its partners
# and its themes; a reply carries its topic's title, and a topic holds its first post; a
# resource names its publisher and themes and holds its files' text; an event names its
# organiser and themes.
# ``{model: function(ids) -> {indexed model: ids}}``, read when the index is brought up to
# date (so a row must still exist: a deletion names what showed it from the deleted row).


def _named_with_organisations(ids) -> dict:
    partnerships = Partnership.objects.filter(organisation_id__in=ids)
    return {
        Project: partnerships.values_list("project_id", flat=True),
        Resource: Resource.objects.filter(publisher_id__in=ids).values_list("pk", flat=True),
        Event: Event.objects.filter(organiser_id__in=ids).values_list("pk", flat=True),
    }


def _named_with_themes(ids) -> dict:
    projects_themes = Project.themes.through.objects.filter(theme_id__in=ids)
    resources_themes = Resource.themes.through.objects.filter(theme_id__in=ids)
    events_themes = Event.themes.through.objects.filter(theme_id__in=ids)
    return {
        Project: projects_themes.values_list("project_id", flat=True),
        Resource: resources_themes.values_list("resource_id", flat=True),
        Event: events_themes.values_list("event_id", flat=True),
    }


def _resources_of_files(ids) -> dict:
    return {Resource: ResourceFile.objects.filter(pk__in=ids).values_list("resource_id", flat=True)}


def _sides_of_partnerships(ids) -> dict:
    pairs = list(
        Partnership.objects.filter(pk__in=ids).values_list("project_id", "organisation_id")
    )
    return {
        Project: [project for project, _organisation in pairs],
        Organisation: [organisation for _project, organisation in pairs],
    }


def _replies_of_topics(ids) -> dict:
    return {Post: Post.objects.filter(topic_id__in=ids).values_list("pk", flat=True)}


def _topics_of_posts(ids) -> dict:
    return {Topic: Post.objects.filter(pk__in=ids).values_list("topic_id", flat=True)}


SHOWN_IN = {
    Organisation: _named_with_organisations,
    Theme: _named_with_themes,
    Partnership: _sides_of_partnerships,
    Topic: _replies_of_topics,
    Post: _topics_of_posts,
    ResourceFile: _resources_of_files,
}
