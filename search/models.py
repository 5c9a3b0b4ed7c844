from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from common.translation import localized_fields


class SearchDocumentKind(models.TextChoices):
    PROJECT = "project", _("Project")
    ORGANISATION = "organisation", _("Organisation")
    TOPIC = "topic", _("Topic")
    POST = "post", _("Reply")
    BLOG = "blog", _("Blog post")
    NEWS = "news", _("News")
    RESOURCE = "resource", _("Library resource")
    EVENT = "event", _("Event")


# The text search configurations made by migration icmd 0003: French, English and Spanish
# stemming, accents ignored ("developpement" finds "développement").
SEARCH_CONFIG_OF_LANGUAGE = {"fr": "fr_unaccent", "en": "en_unaccent", "es": "es_unaccent"}
SEARCH_CONFIGS = tuple(SEARCH_CONFIG_OF_LANGUAGE.values())


def _search_vector():
    """Every language's title (weight A), text and names (weight B), each read in the
    three configurations: words typed in any language find what is written in any other."""
    titles, texts, names = (localized_fields(field) for field in ("title", "text", "names"))
    vector = None
    for config in SEARCH_CONFIGS:
        part = SearchVector(*titles, config=config, weight="A") + SearchVector(
            *texts, *names, config=config, weight="B"
        )
        vector = part if vector is None else vector + part
    return vector


def _title_vector():
    """Every language's title alone, read in the three configurations."""
    vector = None
    for config in SEARCH_CONFIGS:
        part = SearchVector(*localized_fields("title"), config=config)
        vector = part if vector is None else vector + part
    return vector


class SearchDocument(models.Model):
    """One public thing the site search finds: a published project, a listed
    organisation, a visible topic or reply, a published blog post or news item, a published
    resource of the library (with the text of its files) or event.

    What it says is stored once per language, in the language it is written in: the
    title, the text (a project's or an organisation's translations; what a member wrote,
    only in the language they wrote it in, ``author_language``) and the names of what it
    belongs to (country, themes, partners, city), which exist in every language whatever
    the languages of the text. Written only by search/indexing.py, in the background after
    the content's transaction commits, and by `manage.py rebuild_search_index`; only what
    anyone may read is indexed. ``vector`` is computed by PostgreSQL from every title
    (weight A), text and names (weight B) in the three configurations, ``title_vector``
    from the titles alone; both GIN-indexed with the kind. A search takes each kind's most
    recent matches, walking the kind's documents most recent first for a common word
    (search/query.py).

    The table keeps the name it had when the search lived in the ``icmd`` app, so that
    moving it here kept every row.
    """

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    kind = models.CharField(_("kind"), max_length=16, choices=SearchDocumentKind.choices)
    title_fr = models.CharField(_("title in French"), max_length=500, blank=True)
    title_en = models.CharField(_("title in English"), max_length=500, blank=True)
    title_es = models.CharField(_("title in Spanish"), max_length=500, blank=True)
    text_fr = models.TextField(_("text in French"), blank=True)
    text_en = models.TextField(_("text in English"), blank=True)
    text_es = models.TextField(_("text in Spanish"), blank=True)
    names_fr = models.TextField(_("names in French"), blank=True)
    names_en = models.TextField(_("names in English"), blank=True)
    names_es = models.TextField(_("names in Spanish"), blank=True)
    author_language = models.CharField(
        _("author's language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("What a member wrote: the language they wrote it in. Empty otherwise."),
    )
    url = models.CharField(
        _("address"), max_length=500, help_text=_("In the default language; translated on display.")
    )
    date = models.DateTimeField(_("date"), null=True, blank=True)
    vector = models.GeneratedField(
        expression=_search_vector(),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    title_vector = models.GeneratedField(
        expression=_title_vector(),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        db_table = "icmd_searchdocument"
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="searchdocument_unique_object"
            )
        ]
        # With the kind first (btree_gin), so that one kind's matches are found without
        # going through every document holding a common word. fastupdate off: a new
        # document goes straight into the index instead of a pending list that every
        # search would scan until autovacuum merges it.
        indexes = [
            GinIndex(
                fields=["kind", "vector"], name="searchdocument_kind_vector", fastupdate=False
            ),
            GinIndex(
                fields=["kind", "title_vector"], name="searchdocument_kind_title", fastupdate=False
            ),
            # A kind's documents, most recent first (search.query.RECENT_FIRST_SQL).
            models.Index(
                F("kind"),
                F("date").desc(nulls_last=True),
                F("id").desc(),
                name="searchdocument_kind_recent",
            ),
        ]

    def __str__(self):
        titles = [getattr(self, column) for column in localized_fields("title")]
        return f"{self.get_kind_display()}: {next(filter(None, titles), '')}"
