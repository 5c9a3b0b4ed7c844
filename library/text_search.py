"""The words inside the library's files, for the list's text search (``library.filters``).

A file's extracted text (``ResourceFile.extracted_text``, up to a million characters) is
read as PostgreSQL's text search reads it, in French, English and Spanish at once with
accents ignored (the configurations of the site search, migration icmd 0003), so that a
word typed in any of the three finds the file in whatever forms it has there. Only the
first ``FILE_TEXT_LIMIT`` characters are read, as the site search does: PostgreSQL keeps at
most 1 MiB of words in one vector, which a longer text of unusual words could outgrow.

The vectors are an expression a GIN index holds (``FILE_TEXT_INDEX``, declared in
``ResourceFile.Meta.indexes``): a search reads the index instead of every file's text
(16 ms for a word over 500 files holding 36 MB of text, where computing the vectors at
each search took 52 s and a substring match 0.8 s).
"""

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Left

# The text search configurations of the site search: French, English and Spanish
# stemming, accents ignored.
TEXT_SEARCH_CONFIGS = ("fr_unaccent", "en_unaccent", "es_unaccent")
# The characters of a file's text read, at most (the site search's FILE_TEXT_LIMIT).
FILE_TEXT_LIMIT = 300_000
# The GIN index on the vectors of ``file_text_vectors``.
FILE_TEXT_INDEX = "resourcefile_text_words"


def file_text_vectors() -> list[SearchVector]:
    """The words of a file's text in each configuration: the expressions of the index."""
    text = Left("extracted_text", FILE_TEXT_LIMIT)
    return [SearchVector(text, config=config) for config in TEXT_SEARCH_CONFIGS]


def _alias(config: str) -> str:
    return f"words_{config}"


def holding(files, text: str):
    """The files of ``files`` whose text holds every word of ``text`` (in some form of it,
    read in one of the three languages); stop words ("de", "the") are left out of it, and
    a text of nothing but stop words matches no file."""
    vectors = dict(zip(TEXT_SEARCH_CONFIGS, file_text_vectors(), strict=True))
    condition = Q()
    for config, vector in vectors.items():
        files = files.alias(**{_alias(config): vector})
        condition |= Q(**{_alias(config): SearchQuery(text, search_type="plain", config=config)})
    return files.filter(condition)


def file_holds(text: str) -> Q:
    """A condition on resources: one of their files holds every word of ``text``."""
    from library.models import ResourceFile

    return Q(Exists(holding(ResourceFile.objects.filter(resource=OuterRef("pk")), text)))
