"""Site-wide search over the stored index (search.models.SearchDocument).

The words typed are read as a web search ("quoted phrase", or, -word) in French, English
and Spanish at once, accents ignored; results are ranked with ts_rank (a match in a title
weighs more than one in a text) and grouped in sections. Content in any language is
found, and each result is shown in the visitor's language where it has it, else in the
language it has (marked as such), its snippet in a language whose text holds the words
found. Matching words are marked with ts_headline for the rows shown only, and the marked
text is escaped before any <mark> is added, so nothing anyone wrote can become markup.
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
from django.utils.translation import gettext_lazy as _

from common.pagination import paginate
from common.translation import (
    LANGUAGE_CODES,
    current_language,
    fallback_order,
    localized_field,
    localized_fields,
)
from search.models import (
    SEARCH_CONFIG_OF_LANGUAGE,
    SEARCH_CONFIGS,
    SearchDocument,
    SearchDocumentKind,
)

MAX_QUERY_LENGTH = 200
TABLE = SearchDocument._meta.db_table
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


RESULT_FIELDS = [
    "id",
    "kind",
    "url",
    "date",
    "author_language",
    *localized_fields("title"),
]
BEST_FIRST = ["-rank", F("date").desc(nulls_last=True), "-id"]


def best_first_key(document):
    """BEST_FIRST, in Python."""
    date = document.date.timestamp() if document.date else float("-inf")
    return (-document.rank, -date, -document.pk)


def ranked(documents, query):
    return documents.annotate(rank=SearchRank(F("vector"), query)).only(*RESULT_FIELDS)


# Which language a result is shown in. The title: the page's language, else the first
# that has one (French, English, Spanish). The snippet: the page's language if its text
# or names hold the words searched for; else the first other language whose text holds
# them (alone, else with its title when the title alone does not), so that the words
# found show; else the first language that has a text, and the page's if none has.
# Another language's names are never shown: "Marruecos" found on an English page shows
# the English text, which says "Morocco".


def _in_each_config(sql: str) -> str:
    return " || ".join(f"to_tsvector('{config}', {sql})" for config in SEARCH_CONFIGS)


def _matches(sql: str) -> str:
    return f"({_in_each_config(sql)}) @@ q.query"


def _title(code: str) -> str:
    return f"d.{localized_field('title', code)}"


def _text(code: str) -> str:
    return f"d.{localized_field('text', code)}"


def _text_and_names(code: str) -> str:
    names = f"d.{localized_field('names', code)}"
    return f"concat_ws(E'\\n', NULLIF({_text(code)}, ''), NULLIF({names}, ''))"


def _title_language_sql(order: list[str]) -> str:
    cases = " ".join(f"WHEN {_title(code)} <> '' THEN '{code}'" for code in order)
    return f"CASE {cases} ELSE '{order[0]}' END"


def _snippet_language_sql(order: list[str]) -> str:
    page_language, others = order[0], order[1:]

    def snippet(code):
        return _text_and_names(code) if code == page_language else _text(code)

    def with_title(code):
        return f"{_title(code)} || ' ' || {snippet(code)}"

    cases = [
        f"WHEN {_matches(snippet(page_language))} THEN '{page_language}'",
        *(f"WHEN {_text(code)} <> '' AND {_matches(_text(code))} THEN '{code}'" for code in others),
        *(
            f"WHEN {_matches(with_title(code))} AND NOT {_matches(_title(code))} THEN '{code}'"
            for code in order
        ),
        *(f"WHEN {_text(code)} <> '' THEN '{code}'" for code in order),
    ]
    return f"CASE {' '.join(cases)} ELSE '{page_language}' END"


def _in_language_sql(column_sql, language_sql: str) -> str:
    """``column_sql(code)`` in the language ``language_sql`` gives."""
    cases = " ".join(f"WHEN '{code}' THEN {column_sql(code)}" for code in LANGUAGE_CODES)
    return f"CASE {language_sql} {cases} END"


# Marking matches. PostgreSQL marks them with \x02 and \x03 (the index holds no control
# characters); the text is then escaped and only those marks become <mark>. The passages
# are chosen with the stemming of the text's language if it matches, else of the first
# language whose stemming does, and the words matching in the others are marked too.
START, STOP = "\x02", "\x03"
MARK_OPTIONS = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
FRAGMENT_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=2, "
    'FragmentDelimiter=" … "'
)
# Without a match, ts_headline gives the first MinWords words.
OPENING_OPTIONS = f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=30"


def _mark_all(sql: str) -> str:
    for config in SEARCH_CONFIGS:
        sql = f"ts_headline('{config}', {sql}, q.query, '{MARK_OPTIONS}')"
    return sql


def _config_sql(language_sql: str) -> str:
    """The text search configuration of the language ``language_sql`` gives."""
    cases = " ".join(
        f"WHEN '{code}' THEN '{config}'::regconfig"
        for code, config in SEARCH_CONFIG_OF_LANGUAGE.items()
    )
    return f"CASE {language_sql} {cases} ELSE '{SEARCH_CONFIGS[0]}'::regconfig END"


def _fragment_sql(text_sql: str, config_sql: str) -> str:
    """Up to two passages around the matches, or where the text does not hold the words
    searched for (they were in the title), its first thirty words."""
    passages = " ".join(
        f"WHEN to_tsvector({config}, {text_sql}) @@ q.query "
        f"THEN ts_headline({config}, {text_sql}, q.query, '{FRAGMENT_OPTIONS}')"
        for config in [config_sql, *(f"'{name}'::regconfig" for name in SEARCH_CONFIGS)]
    )
    opening = f"ts_headline({config_sql}, {text_sql}, q.query, '{OPENING_OPTIONS}')"
    return _mark_all(f"CASE {passages} ELSE {opening} END")


def marked_html(marked_text: str) -> SafeString:
    """Text marked by PostgreSQL as safe HTML: everything escaped, then <mark> added."""
    escaped = str(escape(marked_text))
    escaped = re.sub(f"{START}+", "<mark>", escaped)
    escaped = re.sub(f"{STOP}+", "</mark>", escaped)
    return mark_safe(escaped)  # noqa: S308 - escaped above; only <mark> was added


@dataclass(frozen=True)
class ShownText:
    """A result's title or snippet as shown: ``language`` is its ``lang`` attribute
    (empty: the page's language), ``note`` whether "Only available in …" follows it."""

    html: SafeString
    language: str = ""
    note: bool = False


def shown_text(html, language, *, page_language, written_by_member, note_allowed=True):
    """What a member wrote always carries the language they wrote it in, with no note;
    the site's own content, shown in another language than the page's, carries that
    language and the note (unless ``note_allowed`` is false: names, or a note nearby)."""
    if written_by_member:
        return ShownText(html, language)
    if language == page_language:
        return ShownText(html)
    return ShownText(html, language, note_allowed)


def _unmarked(order: list[str]):
    """A document's title, unmarked and with no snippet: for one removed from the index
    between finding and marking it."""

    def title_and_language(document):
        for code in order:
            if title := getattr(document, localized_field("title", code)):
                return (code, title, code, "", False)
        return (order[0], "", order[0], "", False)

    return title_and_language


def add_marked_text(documents: list, words: str) -> None:
    """Set ``shown_title`` and ``snippet`` (ShownText) and ``link`` on the documents
    shown, in the page's language where they have it, in one query."""
    if not documents:
        return
    page_language = current_language()
    order = fallback_order(page_language)
    # Each step in a materialised query of its own, so that PostgreSQL computes each choice
    # once per row instead of once per mention.
    sql = (
        f"WITH q AS (SELECT {_tsquery_sql()} AS query), "
        "chosen AS MATERIALIZED ("
        f"SELECT d.id, {_title_language_sql(order)} AS title_language, "
        f"{_snippet_language_sql(order)} AS snippet_language, "
        f"COALESCE(d.{localized_field('text', page_language)}, '') <> '' AS has_page_text "
        f"FROM {TABLE} d CROSS JOIN q WHERE d.id = ANY(%s)), "
        "shown AS MATERIALIZED ("
        "SELECT chosen.*, "
        f"{_in_language_sql(_title, 'chosen.title_language')} AS title, "
        f"{_in_language_sql(_text_and_names, 'chosen.snippet_language')} AS text, "
        f"{_config_sql('chosen.snippet_language')} AS config "
        f"FROM chosen JOIN {TABLE} d ON d.id = chosen.id) "
        f"SELECT shown.id, shown.title_language, {_mark_all('shown.title')}, "
        f"shown.snippet_language, {_fragment_sql('shown.text', 'shown.config')}, "
        "shown.has_page_text "
        "FROM shown CROSS JOIN q"
    )
    params = [words] * len(SEARCH_CONFIGS) + [[document.pk for document in documents]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        marked = {row[0]: row[1:] for row in cursor.fetchall()}
    unmarked = _unmarked(order)
    # Addresses are stored in the default language, which is how they resolve.
    with translation.override(settings.LANGUAGE_CODE):
        for document in documents:
            title_language, title, snippet_language, snippet, has_page_text = marked.get(
                document.pk, unmarked(document)
            )
            written_by_member = bool(document.author_language)
            document.shown_title = shown_text(
                marked_html(title),
                title_language,
                page_language=page_language,
                written_by_member=written_by_member,
                # An organisation's name is the same in every language unless it has an
                # official translation: no note, as on its own page.
                note_allowed=document.kind != SearchDocumentKind.ORGANISATION,
            )
            document.snippet = shown_text(
                marked_html(snippet),
                snippet_language,
                page_language=page_language,
                written_by_member=written_by_member,
                # One note is enough when title and snippet are in the same language; and
                # none when the page's language has a text too (the words matched another
                # language's): the snippet then only carries its ``lang``.
                note_allowed=not (document.shown_title.note and title_language == snippet_language)
                and not has_page_text,
            )
            document.link = translate_url(document.url, page_language)


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
