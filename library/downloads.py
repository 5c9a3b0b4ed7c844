"""Downloads of the library's files: /<lang>/library/files/<id>/download/

Every file goes through this view, never from a public folder: it is sent as an attachment
(the browser saves it, never shows it as a page of the site), with the type decided from its
content when it was uploaded, and counted. A file of a resource not published (waiting for
review, or refused) is only for the member who shared it and for staff.
"""

import logging

from django.db.models import F
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from library.models import ResourceFile
from library.uploads import download_name

logger = logging.getLogger("library.downloads")


def may_download(user, resource) -> bool:
    """Anyone a published resource's files; its sharer and staff those of the others."""
    if resource.is_published:
        return True
    return user.is_authenticated and (user.is_staff or resource.shared_by_id == user.pk)


@require_safe
def download(request, pk: int):
    resource_file = (
        ResourceFile.objects.select_related("resource")
        .only(
            "pk",
            "file",
            "original_name",
            "content_type",
            "resource__status",
            "resource__shared_by_id",
        )
        .filter(pk=pk)
        .first()
    )
    if resource_file is None or not may_download(request.user, resource_file.resource):
        raise Http404(_("No such file in the library."))
    try:
        source = resource_file.file.open("rb")
    except OSError:
        logger.error("Library file %s is missing from the storage (%s).", pk, resource_file.file)
        raise Http404(_("No such file in the library.")) from None
    published = resource_file.resource.is_published
    if published and request.method == "GET":
        # One statement, no lock held: concurrent downloads all count.
        ResourceFile.objects.filter(pk=pk).update(downloads=F("downloads") + 1)
    response = FileResponse(
        source,
        as_attachment=True,
        filename=download_name(resource_file),
        content_type=resource_file.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser show it anyway: no script, no form, nothing loaded.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600" if published else "private, no-store"
    return response
