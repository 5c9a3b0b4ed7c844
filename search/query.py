"""Site-wide search over the stored index (search.models.SearchDocument).

The words typed are read as a web search ("quoted phrase", or, -word) in French, English
and Spanish at once, accents ignored; results are ranked with ts_rank (a match in a title
weighs more than one in a text) and grouped in sections. Content in any language is
found, and each result is shown in the visitor's language where it has it, else in the
language it has (marked as such), its snippet in a language whose text holds the words
found. Matching words are marked with ts_headline for the rows shown only, and the marked
text is escaped before any <mark> is added, so nothing anyone wrote can become markup.

A common word ("migration") matches most of the index, and ranking and counting every
match would cost a pass over all of it. So in each kind of document the search ranks only
its CANDIDATES most recent matches (walking the index of that kind's documents, most
recent first, it stops as soon as it has them; a rare word's few matches come from the
text index instead) and, when there are more, its TITLE_CANDIDATES most recent whose title
matches, so that the thing named in a title is not lost among the many texts that mention
it. A kind with more matches than CANDIDATES is counted as "more than"; one with fewer
has all its matches ranked and counted, as a distinctive search does.
"""

import re
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q
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
# Per kind: the most recent matches ranked, beyond which a kind is counted as "more than";
# and the most recent matches by their title, ranked too.
CANDIDATES = 100
TITLE_CANDIDATES = 20


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
    Section("library", _("Library"), (SearchDocumentKind.RESOURCE,)),
    Section("events", _("Events"), (SearchDocumentKind.EVENT,)),
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


def searchable_query(words: str) -> str:
    """The words as a text search query in each language, any of them matching (the text
    of a tsquery); empty when, in one of the languages, nothing is left of the words but
    stop words and punctuation ("de la", "the of", "?!"): every French text would
    otherwise match "de la" read as English words."""
    nodes = ", ".join(f"numnode(websearch_to_tsquery('{config}', %s))" for config in SEARCH_CONFIGS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT CASE WHEN least({nodes}) > 0 THEN ({_tsquery_sql()})::text ELSE '' END",
            [words] * len(SEARCH_CONFIGS) * 2,
        )
        return cursor.fetchone()[0]


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
# Best first: rank, then the most recent (the order of index searchdocument_kind_recent).
RECENT_FIRST_SQL = "date DESC NULLS LAST, id DESC"
BEST_FIRST_SQL = f"rank DESC, {RECENT_FIRST_SQL}"
PUBLIC_NOW_SQL = "(date IS NULL OR date <= %(now)s)"  # as matching_documents()


def best_first_key(document):
    """BEST_FIRST_SQL, in Python."""
    date = document.date.timestamp() if document.date else float("-inf")
    return (-document.rank, -date, -document.pk)


def ranked(documents, query):
    return documents.annotate(rank=SearchRank(F("vector"), query)).only(*RESULT_FIELDS)


def _kind_sql(kind: str, *, by_title: bool) -> str:
    """One kind's most recent matches, ranked (id, kind, date, rank): the CANDIDATES + 1
    most recent; or, ``by_title``, the TITLE_CANDIDATES most recent whose title matches,
    looked for only when the kind has more than CANDIDATES matches (the recent ones are
    then all of them). The query is a constant in the SQL, so that the planner weighs how
    many documents of the kind hold its words: it walks the kind's documents most recent
    first for a common word, and takes them from the text index then sorts them for a
    rare one. Ranked outside the LIMIT, so that only the rows kept are ranked."""
    if by_title:
        # The title index alone finds them (a document then matching with its text too,
        # checked after the LIMIT: the text index would add the cost of every document
        # holding the words).
        condition = (
            "title_vector @@ %(query)s::tsquery "
            f"AND (SELECT count(*) FROM recent WHERE kind = '{kind}') > {CANDIDATES}"
        )
        limit, matching = TITLE_CANDIDATES, "WHERE r.vector @@ %(query)s::tsquery"
    else:
        condition, limit, matching = "vector @@ %(query)s::tsquery", CANDIDATES + 1, ""
    return (
        "(SELECT r.id, r.kind, r.date, ts_rank(r.vector, %(query)s::tsquery) AS rank "
        f"FROM (SELECT id, kind, date, vector FROM {TABLE} "
        f"WHERE kind = '{kind}' AND {condition} AND {PUBLIC_NOW_SQL} "
        f"ORDER BY {RECENT_FIRST_SQL} LIMIT {limit}) r {matching})"
    )


def _candidates_sql(kinds) -> str:
    """The common table expressions ``recent`` (each kind's most recent matches, ranked),
    ``kinds`` (each kind's number of them: more than CANDIDATES, more matches than
    ranked) and ``candidates`` (those and the title matches, each once, ranked)."""
    kinds = [SearchDocumentKind(kind).value for kind in kinds]  # only known kinds in SQL
    recent = " UNION ALL ".join(_kind_sql(kind, by_title=False) for kind in kinds)
    titled = " UNION ALL ".join(_kind_sql(kind, by_title=True) for kind in kinds)
    return (
        f"WITH recent AS ({recent}), "
        f"titled AS ({titled}), "
        "kinds AS (SELECT kind, count(*) AS found FROM recent GROUP BY kind), "
        "candidates AS (SELECT * FROM recent UNION SELECT * FROM titled)"
    )


def _candidates_params(query: str) -> dict:
    return {"query": query, "now": timezone.now()}


# Which language a result is shown in. The title: the page's language, else the first
# that has one (French, English, Spanish). The snippet: the page's language if its text
# or names hold the words searched for; else the first other language whose text holds
# them (alone, else with its title when the title alone does not), so that the words
# found show; else the first language that has a text, and the page's if none has.
# Another language's names are never shown: "Marruecos" found on an English page shows
# the English text, which says "Morocco".


def _matches(sql: str, code: str) -> str:
    """Whether ``sql`` holds the words searched for, read with each language's stemming,
    that of ``code``'s language first: most often the only one PostgreSQL then computes."""
    own = SEARCH_CONFIG_OF_LANGUAGE[code]
    configs = [own, *(config for config in SEARCH_CONFIGS if config != own)]
    return "(" + " OR ".join(f"to_tsvector('{c}', {sql}) @@ q.query" for c in configs) + ")"


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

    # ``found.in_text``: whether any text or names hold the words (from the stored index);
    # when not, no text is read. A title alone is read before the title with its text.
    cases = [
        f"WHEN found.in_text AND {_matches(snippet(page_language), page_language)} "
        f"THEN '{page_language}'",
        *(
            f"WHEN found.in_text AND {_text(code)} <> '' AND {_matches(_text(code), code)} "
            f"THEN '{code}'"
            for code in others
        ),
        *(
            f"WHEN NOT {_matches(_title(code), code)} AND {_matches(with_title(code), code)} "
            f"THEN '{code}'"
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


def _fragment_sql(text_sql: str, config_sql: str, in_text_sql: str) -> str:
    """Up to two passages around the matches, or where the text does not hold the words
    searched for (they were in the title), its first thirty words."""
    opening = f"ts_headline({config_sql}, {text_sql}, q.query, '{OPENING_OPTIONS}')"
    passages = " ".join(
        f"WHEN to_tsvector({config}, {text_sql}) @@ q.query "
        f"THEN ts_headline({config}, {text_sql}, q.query, '{FRAGMENT_OPTIONS}')"
        for config in [config_sql, *(f"'{name}'::regconfig" for name in SEARCH_CONFIGS)]
    )
    return _mark_all(f"CASE WHEN NOT {in_text_sql} THEN {opening} {passages} ELSE {opening} END")


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


# A long text (the text of a library resource's files: a report of a hundred pages) is read
# for its snippet only around the words searched for: SNIPPET_WINDOW characters from
# SNIPPET_MARGIN before the first place where the last of the words to appear is first
# written (the query's lexemes looked for in the text in lower case, then without accents;
# its opening when none is), so that marking costs the same whatever the length of the text.
SNIPPET_WINDOW = 8000
SNIPPET_MARGIN = 2000


def _windowed_text(column: str) -> str:
    """``d.column`` as read for a snippet: whole when short, else the window around the
    words searched for (``lexemes.words``), or its opening when no text holds them (they
    were in the title: ``found.in_text``)."""
    # Looked for as written first; with the accents removed only when not found so.
    found_at = (
        "coalesce(nullif(strpos(low.text, word), 0), nullif(strpos(unaccent(low.text), word), 0))"
    )
    first_seen = (
        f"(SELECT coalesce(max({found_at}), 1) "
        f"FROM (SELECT lower(d.{column}) AS text) low, unnest(lexemes.words) word)"
    )
    return (
        f"CASE WHEN length(d.{column}) <= {SNIPPET_WINDOW} THEN d.{column} "
        f"WHEN NOT found.in_text THEN left(d.{column}, {SNIPPET_WINDOW}) "
        f"ELSE substr(d.{column}, greatest(1, {first_seen} - {SNIPPET_MARGIN}), "
        f"{SNIPPET_WINDOW}) END AS {column}"
    )


def _windowed_sql() -> str:
    """The common table expressions ``lexemes`` (the words of ``q.query``) and
    ``windowed``: the documents ``found`` with the columns the snippet reads, long texts
    cut to their window."""
    columns = [
        "d.id",
        *(f"d.{column}" for column in localized_fields("title") + localized_fields("names")),
        *(_windowed_text(column) for column in localized_fields("text")),
    ]
    return (
        "lexemes AS (SELECT coalesce(array_agg(DISTINCT m[1]), '{}') AS words "
        "FROM q, regexp_matches(q.query::text, $$'([^']+)'$$, 'g') m), "
        f"windowed AS MATERIALIZED (SELECT {', '.join(columns)} "
        f"FROM found JOIN {TABLE} d ON d.id = found.id CROSS JOIN lexemes)"
    )


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
    # ``in_text``: whether any text or names hold the words, which the stored index tells
    # (its weight B), for words without exclusion (-word); otherwise taken as true.
    # The choices read the documents' texts as ``windowed`` has them (SNIPPET_WINDOW).
    sql = (
        f"WITH q AS (SELECT {_tsquery_sql()} AS query), "
        "found AS MATERIALIZED ("
        "SELECT d.id, strpos(q.query::text, '!') > 0 OR ts_filter(d.vector, '{b}') @@ q.query "
        f"AS in_text FROM {TABLE} d CROSS JOIN q WHERE d.id = ANY(%s)), "
        f"{_windowed_sql()}, "
        "chosen AS MATERIALIZED ("
        f"SELECT d.id, found.in_text, {_title_language_sql(order)} AS title_language, "
        f"{_snippet_language_sql(order)} AS snippet_language, "
        f"COALESCE(d.{localized_field('text', page_language)}, '') <> '' AS has_page_text "
        "FROM found JOIN windowed d ON d.id = found.id CROSS JOIN q), "
        "shown AS MATERIALIZED ("
        "SELECT chosen.*, "
        f"{_in_language_sql(_title, 'chosen.title_language')} AS title, "
        f"{_in_language_sql(_text_and_names, 'chosen.snippet_language')} AS text, "
        f"{_config_sql('chosen.snippet_language')} AS config "
        "FROM chosen JOIN windowed d ON d.id = chosen.id) "
        f"SELECT shown.id, shown.title_language, {_mark_all('shown.title')}, "
        "shown.snippet_language, "
        f"{_fragment_sql('shown.text', 'shown.config', 'shown.in_text')}, "
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
    count: int  # the matches found, or how many at least when ``capped``
    results: list = field(default_factory=list)
    page: object = None  # the page of results when this section alone is shown
    notice: str = ""
    capped: bool = False  # more matches than ``count``: the best of the most recent are shown

    @property
    def has_more(self) -> bool:
        return self.capped or self.count > len(self.results)

    def add_kind(self, found: int) -> None:
        """Count a kind's recent matches (CANDIDATES + 1: more than CANDIDATES)."""
        self.count += min(found, CANDIDATES)
        self.capped = self.capped or found > CANDIDATES


SECTION_OF_KIND = {kind: section for section in SECTIONS for kind in section.kinds}


def search_all(words: str, query: str) -> list[SectionResults]:
    """Every section with its count and its best results (sections with none left out),
    in one query: each kind's best candidates, each row with its kind's count. A section's
    best are the best of its kinds' best, merged. ``query``: searchable_query(words)."""
    candidates_sql = _candidates_sql([kind for section in SECTIONS for kind in section.kinds])
    columns = ", ".join(f"d.{column}" for column in RESULT_FIELDS)
    sql = (
        f"{candidates_sql}, "
        "best AS (SELECT candidates.*, row_number() OVER "
        f"(PARTITION BY kind ORDER BY {BEST_FIRST_SQL}) AS position FROM candidates) "
        f"SELECT {columns}, best.rank, kinds.found AS kind_found "
        f"FROM best JOIN kinds USING (kind) JOIN {TABLE} d USING (id) "
        f"WHERE best.position <= {PREVIEW_SIZE}"
    )
    found = {section.key: SectionResults(section, 0) for section in SECTIONS}
    counted = set()
    for document in SearchDocument.objects.raw(sql, _candidates_params(query)):
        section_results = found[SECTION_OF_KIND[document.kind].key]
        section_results.results.append(document)
        if document.kind not in counted:
            counted.add(document.kind)
            section_results.add_kind(document.kind_found)
    shown = []
    for section_results in found.values():
        section_results.results.sort(key=best_first_key)
        del section_results.results[PREVIEW_SIZE:]
        shown.extend(section_results.results)
    add_marked_text(shown, words)
    return [section_results for section_results in found.values() if section_results.count]


def search_section(request, words: str, query: str, section: Section) -> SectionResults:
    """One section, paginated with ``?page=``: its kinds' candidates, best first."""
    candidates_sql = _candidates_sql(section.kinds)
    sql = (
        f"{candidates_sql} SELECT candidates.id, candidates.kind, kinds.found "
        f"FROM candidates JOIN kinds USING (kind) ORDER BY {BEST_FIRST_SQL}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, _candidates_params(query))
        rows = cursor.fetchall()
    section_results = SectionResults(section, 0)
    for found in {kind: found for _id, kind, found in rows}.values():
        section_results.add_kind(found)
    page, section_results.notice = paginate(request, [row[0] for row in rows], PAGE_SIZE)
    documents = SearchDocument.objects.only(*RESULT_FIELDS).in_bulk(page.object_list)
    # In the order found; one removed from the index meanwhile is left out.
    section_results.results = [documents[pk] for pk in page.object_list if pk in documents]
    add_marked_text(section_results.results, words)
    section_results.page = page
    return section_results
