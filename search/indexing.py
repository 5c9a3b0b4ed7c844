"""Writing the stored index (``SearchDocument``): bringing some documents up to date, and
rebuilding all of them.

Only the background task (search/tasks.py, fed after commit by search/scheduling.py) and
``manage.py rebuild_search_index`` write the index; the transaction that saves content
never does. Both read the rows fresh when they run, so whatever happened in between
(an edit, hiding, unpublishing, deleting) is what the index says, and running either
twice gives the same index.

Every write takes the transaction-scoped advisory lock of the model it indexes, after
which it reads the rows: two writers indexing the same model take turns, and the later
one reads what the earlier one saw or newer, so an older version never overwrites a
newer one. Content tables are only read (no row lock): writers of content never wait for
the index, and a rebuild works in short batches, so the worker's indexing waits for one
batch at most.
"""

from collections.abc import Callable, Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from common.translation import LANGUAGE_CODES, localized_field, localized_fields
from search.documents import SHOWN_IN, SOURCES, clean
from search.models import SearchDocument

BATCH_SIZE = 500
# pg_advisory_xact_lock(LOCK_SPACE, content type id): one lock per indexed model.
LOCK_SPACE = 0x5EA2C4


def _lock(model) -> ContentType:
    content_type = ContentType.objects.get_for_model(model)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, content_type.pk])
    return content_type


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


def _batches(ids: Iterable[int], size: int):
    ids = sorted({int(pk) for pk in ids if pk is not None})
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def index(model, ids, *, batch_size: int = BATCH_SIZE) -> int:
    """Bring the documents of these objects up to date: written if the object is public,
    removed if it is not (or no longer exists). One short transaction per batch; the
    number of documents written."""
    written = 0
    rows = SOURCES[model][0]
    for batch in _batches(ids, batch_size):
        with transaction.atomic():
            content_type = _lock(model)
            documents = _search_documents(model, rows().filter(pk__in=batch))
            SearchDocument.objects.filter(content_type=content_type, object_id__in=batch).exclude(
                object_id__in=[document.object_id for document in documents]
            ).delete()
            _save(documents)
        written += len(documents)
    return written


def bring_up_to_date(documents: dict, changed: dict) -> dict[str, int]:
    """Index again the ``documents`` (``{model: ids}``) and the ``changed`` rows'
    documents with what shows them (``SHOWN_IN``); the documents written per model."""
    wanted = {model: set(ids) for model, ids in documents.items() if model in SOURCES}
    for model, ids in changed.items():
        if model in SOURCES:
            wanted.setdefault(model, set()).update(ids)
        if model in SHOWN_IN and ids:
            for shown_model, shown_ids in SHOWN_IN[model](list(ids)).items():
                wanted.setdefault(shown_model, set()).update(shown_ids)
    return {
        model._meta.label_lower: index(model, ids)
        for model, ids in sorted(wanted.items(), key=lambda item: item[0]._meta.label_lower)
        if ids
    }


def _remove_stale(model, batch_size: int) -> None:
    """Remove the documents of ``model`` whose rows are no longer public, one batch of
    documents per transaction."""
    rows = SOURCES[model][0]
    last_id = -1
    while True:
        with transaction.atomic():
            content_type = _lock(model)
            ids = list(
                SearchDocument.objects.filter(content_type=content_type, object_id__gt=last_id)
                .order_by("object_id")
                .values_list("object_id", flat=True)[:batch_size]
            )
            if not ids:
                return
            public = set(rows().filter(pk__in=ids).values_list("pk", flat=True))
            SearchDocument.objects.filter(
                content_type=content_type, object_id__in=set(ids) - public
            ).delete()
        last_id = ids[-1]


def rebuild(
    *, batch_size: int = BATCH_SIZE, on_batch: Callable[[type, int], None] | None = None
) -> dict[str, int]:
    """Index everything again: every public row written (batches of ``batch_size`` in
    primary key order, each in a short transaction of its own), then the documents of
    rows no longer public removed, batch by batch. The index keeps answering searches
    meanwhile, and nothing anyone saves waits for it. ``on_batch(model, count)`` is called
    in each batch's transaction, before it commits (the command reports progress with it).
    Returns the number of documents of each model."""
    report = {}
    for model, (rows, _document) in SOURCES.items():
        count, last_pk = 0, 0
        while True:
            with transaction.atomic():
                _lock(model)
                batch = list(rows().order_by("pk").filter(pk__gt=last_pk)[:batch_size])
                if batch:
                    documents = _search_documents(model, batch)
                    _save(documents)
                    if on_batch is not None:
                        on_batch(model, len(documents))
            if not batch:
                break
            count += len(documents)
            last_pk = batch[-1].pk
        _remove_stale(model, batch_size)
        report[str(model._meta.verbose_name_plural)] = count
    indexed = [ContentType.objects.get_for_model(model) for model in SOURCES]
    SearchDocument.objects.exclude(content_type__in=indexed).delete()
    with connection.cursor() as cursor:
        # Fresh statistics, so the planner uses the GIN index for rare words.
        cursor.execute(f"ANALYZE {SearchDocument._meta.db_table}")
    return report
