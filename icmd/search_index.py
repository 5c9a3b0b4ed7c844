"""The stored site-search index: one ``SearchDocument`` per public thing.

Only what anyone may read is indexed: published projects, listed organisations, topics
that are not hidden (with their first post), visible replies in visible topics, published
blog posts and news that are not hidden. A blog post published for a later date is indexed
with that date and found from then on (see icmd/search.py). Moderators search the same
public index; hidden content is reached through the moderation pages.

``index(model, ids)`` brings the documents of those objects up to date, whatever happened
to them (created, edited, hidden, unpublished, deleted): signals call it (connected in
``IcmdConfig.ready``), and ``rebuild()`` (``manage.py rebuild_search_index``) redoes
everything. Author names are not indexed, so an anonymised account leaves nothing behind.

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
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils import translation
from django.utils.html import strip_tags
from django_countries import countries

from common.translation import (
    LANGUAGE_CODES,
    localized_field,
    localized_fields,
    site_language,
    text_in_language,
)
from forums.models import BlogPost, BlogPostKind, BlogPostStatus, Post, Topic
from icmd.models import SearchDocument, SearchDocumentKind
from projects.models import Organisation, Partnership, Project, Theme

# Control characters never reach the index: the search marks matches with \x02 and \x03.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CHUNK_SIZE = 500


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


SOURCES = {
    Project: (project_rows, project_document),
    Organisation: (organisation_rows, organisation_document),
    Topic: (topic_rows, topic_document),
    Post: (post_rows, post_document),
    BlogPost: (blog_post_rows, blog_post_document),
}


def _search_documents(model, rows) -> list[SearchDocument]:
    content_type = ContentType.objects.get_for_model(model)
    make_document = SOURCES[model][1]
    documents = []
    for row in rows:
        document = make_document(row)
        documents.append(
            SearchDocument(
                content_type=content_type,
                object_id=row.pk,
                kind=document.kind,
                **{
                    localized_field("title", language): clean(document.titles.get(language))[:500]
                    for language in LANGUAGE_CODES
                },
                **{
                    localized_field("text", language): clean(document.texts.get(language))
                    for language in LANGUAGE_CODES
                },
                **{
                    localized_field("names", language): clean(document.names.get(language))
                    for language in LANGUAGE_CODES
                },
                author_language=document.author_language,
                url=document.url,
                date=document.date,
            )
        )
    return documents


def _save(documents: list[SearchDocument]) -> None:
    SearchDocument.objects.bulk_create(
        documents,
        update_conflicts=True,
        unique_fields=["content_type", "object_id"],
        update_fields=[
            "kind",
            *localized_fields("title"),
            *localized_fields("text"),
            *localized_fields("names"),
            "author_language",
            "url",
            "date",
        ],
    )


@transaction.atomic
def index(model, ids) -> None:
    """Bring the documents of these objects up to date: written if the object is public,
    removed if it is not (or no longer exists)."""
    ids = {int(pk) for pk in ids if pk is not None}
    if not ids:
        return
    rows = SOURCES[model][0]().filter(pk__in=ids)
    documents = _search_documents(model, rows)
    content_type = ContentType.objects.get_for_model(model)
    SearchDocument.objects.filter(content_type=content_type, object_id__in=ids).exclude(
        object_id__in=[document.object_id for document in documents]
    ).delete()
    _save(documents)


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Index everything again from scratch; the number of documents of each model."""
    SearchDocument.objects.all().delete()
    report = {}
    for model, (rows, _document) in SOURCES.items():
        count = 0
        queryset = rows().order_by("pk")
        last_pk = 0
        while True:
            batch = list(queryset.filter(pk__gt=last_pk)[:CHUNK_SIZE])
            if not batch:
                break
            documents = _search_documents(model, batch)
            _save(documents)
            count += len(documents)
            last_pk = batch[-1].pk
        report[model._meta.verbose_name_plural] = count
    with connection.cursor() as cursor:
        # Fresh statistics, so the planner uses the GIN index for rare words.
        cursor.execute("ANALYZE icmd_searchdocument")
    return report


# Signals: what to re-index when something changes.


def _project_ids_of(organisation_ids) -> list[int]:
    return list(
        Partnership.objects.filter(organisation_id__in=organisation_ids)
        .values_list("project_id", flat=True)
        .distinct()
    )


def on_project_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        index(Project, [instance.pk])


def on_organisation_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    index(Organisation, [instance.pk])
    # Its projects show its name.
    index(Project, _project_ids_of([instance.pk]))


def on_partnership_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    # The project lists its partners; an organisation is listed while it has a project.
    index(Project, [instance.project_id])
    index(Organisation, [instance.organisation_id])


def on_partners_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """``project.organisations.add/remove/clear`` (Partnership rows without save())."""
    if action == "pre_clear":
        related = instance.projects if reverse else instance.organisations
        instance._search_cleared_ids = list(related.values_list("pk", flat=True))
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    others = pk_set if action != "post_clear" else getattr(instance, "_search_cleared_ids", [])
    projects, organisations = ([*others], [instance.pk]) if reverse else ([instance.pk], [*others])
    index(Project, projects)
    index(Organisation, organisations)


def on_project_themes_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not reverse:
        index(Project, [instance.pk])
    elif pk_set:
        index(Project, pk_set)
    else:
        index(Project, instance.projects.values_list("pk", flat=True))


def on_theme_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        index(Project, instance.projects.values_list("pk", flat=True))


def on_theme_deleting(sender, instance, **kwargs):
    instance._search_project_ids = list(instance.projects.values_list("pk", flat=True))


def on_theme_deleted(sender, instance, **kwargs):
    index(Project, getattr(instance, "_search_project_ids", []))


def on_topic_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    index(Topic, [instance.pk])
    # Its replies carry its title and are hidden with it.
    index(Post, Post.objects.filter(topic_id=instance.pk).values_list("pk", flat=True))


def on_post_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    index(Post, [instance.pk])
    # The topic's document holds its first post, which this may be.
    index(Topic, [instance.topic_id])


def on_blog_post_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        index(BlogPost, [instance.pk])


def connect() -> None:
    handlers = [
        (Project, on_project_changed),
        (Organisation, on_organisation_changed),
        (Partnership, on_partnership_changed),
        (Topic, on_topic_changed),
        (Post, on_post_changed),
        (BlogPost, on_blog_post_changed),
    ]
    for model, handler in handlers:
        uid = f"search-index-{model._meta.label_lower}"
        post_save.connect(handler, sender=model, dispatch_uid=uid)
        post_delete.connect(handler, sender=model, dispatch_uid=uid)
    post_save.connect(on_theme_changed, sender=Theme, dispatch_uid="search-theme")
    pre_delete.connect(on_theme_deleting, sender=Theme, dispatch_uid="search-theme")
    post_delete.connect(on_theme_deleted, sender=Theme, dispatch_uid="search-theme")
    m2m_changed.connect(
        on_partners_changed, sender=Project.organisations.through, dispatch_uid="search-partners"
    )
    m2m_changed.connect(
        on_project_themes_changed, sender=Project.themes.through, dispatch_uid="search-themes"
    )
