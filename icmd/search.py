"""Site-wide search over the stored index (icmd.models.SearchDocument).

The words typed are read as a web search ("quoted phrase", or, -word) in French, English
and Spanish at once, accents ignored; results are ranked with ts_rank (a match in a title
weighs more than one in a text) and grouped in sections. Matching words are marked with
ts_headline for the rows shown only, and the marked text is escaped before any <mark> is
added, so nothing anyone wrote can become markup.
"""

import re
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import translate_url
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.pagination import paginate
from icmd.models import SEARCH_CONFIGS, SearchDocument, SearchDocumentKind

MAX_QUERY_LENGTH = 200
PREVIEW_SIZE = 5  # results per section when all sections are shown
PAGE_SIZE = 20  # results per page when one section is shown


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    kinds: tuple[str, ...]


SECTIONS = [
    Section("projects", _("Projects"), (SearchDocumentKind.PROJECT,)),
    Section("organisations", _("Organisations"), (SearchDocumentKind.ORGANISATION,)),
    Section("topics", _("Topics and posts"), (SearchDocumentKind.TOPIC, SearchDocumentKind.POST)),
    Section("blog", _("Blog posts and news"), (SearchDocumentKind.BLOG, SearchDocumentKind.NEWS)),
]
SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the site"),
        max_length=MAX_QUERY_LENGTH,
        required=False,
        strip=True,
        error_messages={
            "max_length": _("Search for at most %(limit_value)d characters.")
            % {"limit_value": MAX_QUERY_LENGTH}
        },
    )
    kind = forms.ChoiceField(
        label=_("Show"),
        choices=[("", _("Everything"))] + [(s.key, s.label) for s in SECTIONS],
        required=False,
        error_messages={"invalid_choice": _("There is no such kind of result.")},
    )


def text_query(words: str) -> SearchQuery:
    """The words as a web search in each language, any of them matching."""
    query = None
    for config in SEARCH_CONFIGS:
        part = SearchQuery(words, search_type="websearch", config=config)
        query = part if query is None else query | part
    return query


def _tsquery_sql() -> str:
    return " || ".join(f"websearch_to_tsquery('{config}', %s)" for config in SEARCH_CONFIGS)


def has_searchable_words(words: str) -> bool:
    """False when, in one of the languages, nothing is left of the words but stop words
    and punctuation ("de la", "the of", "?!"): every French text would otherwise match
    "de la" read as English words."""
    nodes = ", ".join(f"numnode(websearch_to_tsquery('{config}', %s))" for config in SEARCH_CONFIGS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT least({nodes})", [words] * len(SEARCH_CONFIGS))
        return cursor.fetchone()[0] > 0


def matching_documents(query: SearchQuery):
    """Documents matching the query and public now (a blog post dated later waits)."""
    return SearchDocument.objects.filter(vector=query).filter(
        Q(date__isnull=True) | Q(date__lte=timezone.now())
    )


RESULT_FIELDS = ["id", "kind", "title", "url", "date"]
BEST_FIRST = ["-rank", F("date").desc(nulls_last=True), "-id"]


def best_first_key(document):
    """BEST_FIRST, in Python."""
    date = document.date.timestamp() if document.date else float("-inf")
    return (-document.rank, -date, -document.pk)


def ranked(documents, query):
    return documents.annotate(rank=SearchRank(F("vector"), query)).only(*RESULT_FIELDS)


# Marking matches. PostgreSQL marks them with \x02 and \x03 (the index holds no control
# characters); the text is then escaped and only those marks become <mark>. The fragment
# is chosen in the first language whose stemming matches the text, and the words matching
# in the others are marked too.
START, STOP = "\x02", "\x03"
MARK_OPTIONS = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
FRAGMENT_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2, "
    'FragmentDelimiter=" … "'
)


def _mark_all(sql: str) -> str:
    for config in SEARCH_CONFIGS:
        sql = f"ts_headline('{config}', {sql}, q.query, '{MARK_OPTIONS}')"
    return sql


def _fragment_sql() -> str:
    best_config = " ".join(
        f"WHEN to_tsvector('{config}', d.text) @@ q.query THEN '{config}'::regconfig"
        for config in SEARCH_CONFIGS
    )
    first = f"CASE {best_config} ELSE '{SEARCH_CONFIGS[0]}'::regconfig END"
    return _mark_all(f"ts_headline({first}, d.text, q.query, '{FRAGMENT_OPTIONS}')")


def marked_html(marked_text: str) -> SafeString:
    """Text marked by PostgreSQL as safe HTML: everything escaped, then <mark> added."""
    escaped = str(escape(marked_text))
    escaped = re.sub(f"{START}+", "<mark>", escaped)
    escaped = re.sub(f"{STOP}+", "</mark>", escaped)
    return mark_safe(escaped)  # noqa: S308 - escaped above; only <mark> was added


def add_marked_text(documents: list, words: str) -> None:
    """Set ``title_html`` and ``snippet_html`` on the documents shown, in one query."""
    if not documents:
        return
    sql = (
        f"WITH q AS (SELECT {_tsquery_sql()} AS query) "
        f"SELECT d.id, {_mark_all('d.title')}, {_fragment_sql()} "
        "FROM icmd_searchdocument d, q WHERE d.id = ANY(%s)"
    )
    params = [words] * len(SEARCH_CONFIGS) + [[document.pk for document in documents]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        marked = {pk: (title, text) for pk, title, text in cursor.fetchall()}
    language = get_language()
    # Addresses are stored in the default language, which is how they resolve.
    with translation.override(settings.LANGUAGE_CODE):
        for document in documents:
            title, text = marked.get(document.pk, (document.title, ""))
            document.title_html = marked_html(title)
            document.snippet_html = marked_html(text)
            document.link = translate_url(document.url, language)


@dataclass
class SectionResults:
    section: Section
    count: int
    results: list = field(default_factory=list)
    page: object = None  # the page of results when this section alone is shown
    notice: str = ""

    @property
    def has_more(self) -> bool:
        return self.count > len(self.results)


def search_all(words: str) -> list[SectionResults]:
    """Every section with its count and its best results (sections with none left out),
    in one query: the best of each kind, each row with its rank and its kind's total. A
    section's best are the best of its kinds' best, merged."""
    query = text_query(words)
    best = (
        ranked(matching_documents(query), query)
        .annotate(
            position=Window(RowNumber(), partition_by=F("kind"), order_by=BEST_FIRST),
            kind_count=Window(Count("id"), partition_by=F("kind")),
        )
        .filter(position__lte=PREVIEW_SIZE)
    )
    found = {section.key: SectionResults(section, 0) for section in SECTIONS}
    section_of_kind = {kind: section.key for section in SECTIONS for kind in section.kinds}
    counted = set()
    for document in best:
        section_results = found[section_of_kind[document.kind]]
        section_results.results.append(document)
        if document.kind not in counted:
            counted.add(document.kind)
            section_results.count += document.kind_count
    shown = []
    for section_results in found.values():
        section_results.results.sort(key=best_first_key)
        del section_results.results[PREVIEW_SIZE:]
        shown.extend(section_results.results)
    add_marked_text(shown, words)
    return [section_results for section_results in found.values() if section_results.count]


def search_section(request, words: str, section: Section) -> SectionResults:
    """One section, paginated with ``?page=``."""
    query = text_query(words)
    documents = ranked(matching_documents(query).filter(kind__in=section.kinds), query)
    page, notice = paginate(request, documents.order_by(*BEST_FIRST), PAGE_SIZE)
    results = list(page.object_list)
    add_marked_text(results, words)
    return SectionResults(section, page.paginator.count, results, page=page, notice=notice)
