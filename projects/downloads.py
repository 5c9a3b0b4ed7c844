"""How the downloads of the project list (CSV, IATI XML) are served, whatever their size.

1. A conditional request for the download the client already has (``If-None-Match`` with
   its ETag, see ``projects.export_cache``) gets a 304, and nothing else is done.
2. Anonymous clients may download ``ACCOUNT_RATE_LIMITS["export"]`` files per IP address,
   members ``ACCOUNT_RATE_LIMITS["export_member"]``; past it, a 429 page says to wait.
3. A download already written whole for this state of the catalogue is sent from its file.
4. Otherwise it is streamed: the projects are read ``CHUNK_SIZE`` at a time (each chunk with
   its partners and themes, in a fixed number of queries), written out as they come in
   blocks of about ``BLOCK_SIZE`` bytes, and kept as a file for the next request. The
   memory a download takes does not grow with the catalogue.
"""

from collections.abc import Callable, Iterable, Iterator

from allauth.core import ratelimit
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import get_conditional_response

from projects.export_cache import ExportKey, open_cached, stored_while_streamed
from projects.filters import ProjectFilter
from projects.models import Project

# Projects read at a time, with their partners and themes.
CHUNK_SIZE = 500
# Bytes sent at a time (rows are gathered into blocks of about this size).
BLOCK_SIZE = 64 * 1024
RATE_LIMIT = "export"
MEMBER_RATE_LIMIT = "export_member"
RETRY_AFTER_SECONDS = 60


def filtered_projects(request):
    """The published projects the list page shows for this query string, in its order, ready
    to be listed. Invalid filters are ignored, as the list page ignores them."""
    filterset = ProjectFilter(request.GET, queryset=Project.objects.published())
    return filterset.qs.for_listing()


def let_go(projects: Iterable[Project]) -> Iterator[Project]:
    """Each project, whose prefetched partners and themes are let go once it has been
    written: they refer back to it, and such cycles would wait for the garbage collector,
    the memory growing with the rows meanwhile."""
    for project in projects:
        yield project
        project._prefetched_objects_cache = {}


def in_blocks(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """``pieces`` joined into blocks of at least ``BLOCK_SIZE`` bytes (the last may be
    shorter)."""
    block, length = [], 0
    for piece in pieces:
        block.append(piece)
        length += len(piece)
        if length >= BLOCK_SIZE:
            yield b"".join(block)
            block, length = [], 0
    if block:
        yield b"".join(block)


def in_language(chunks: Iterable[bytes], language: str) -> Iterator[bytes]:
    """``chunks``, each made with ``language`` active: a streamed response is written after
    its view has returned, when the request's language may no longer be the active one."""
    iterator = iter(chunks)
    try:
        while True:
            with translation.override(language):
                chunk = next(iterator, None)
            if chunk is None:
                return
            yield chunk
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def over_the_limit(request) -> bool:
    """Count this download, and say whether it is one too many. (allauth counts GET
    requests only when asked, through ``consume_or_429``, whose own 429 page is not used:
    ``serve_download`` says why in words about downloads.)"""
    if request.user.is_authenticated:
        limit = {"action": MEMBER_RATE_LIMIT, "user": request.user}
    else:
        limit = {"action": RATE_LIMIT}
    return ratelimit.consume_or_429(request, limit_get=True, **limit) is not None


def serve_download(
    request,
    *,
    kind: str,
    content_type: str,
    filename: str,
    write: Callable[[Iterable[Project]], Iterable[bytes]],
    empty_page: str = "",
    prepare: Callable[[QuerySet], QuerySet] | None = None,
):
    """The download of the list filtered by the request's query string, which ``write``
    writes from the projects (``prepare`` adds to their queryset what ``write`` reads
    besides what the list shows). With an ``empty_page``, a list without projects has no
    file: that page says why, with 404."""
    key = ExportKey.of(request, kind)
    not_modified = get_conditional_response(request, etag=key.etag)
    if not_modified is not None:
        return with_headers(not_modified, key)
    if over_the_limit(request):
        response = render(request, "projects/download_limited.html", status=429)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    cached = open_cached(key)
    if cached is not None:
        response = FileResponse(cached, content_type=content_type)
    else:
        projects = filtered_projects(request)
        if empty_page and not projects.exists():
            return render(request, empty_page, status=404)
        if prepare is not None:
            projects = prepare(projects)
        chunks = write(let_go(projects.iterator(chunk_size=CHUNK_SIZE)))
        response = StreamingHttpResponse(
            stored_while_streamed(in_language(chunks, translation.get_language()), key),
            content_type=content_type,
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return with_headers(response, key)


def with_headers(response, key: ExportKey):
    response["ETag"] = key.etag
    # Anyone may keep a copy, but must ask whether it is still the current one.
    response["Cache-Control"] = "public, no-cache"
    return response
