"""An upload handler that keeps no more of a request's files than any form takes.

Django reads a request's files whole before a form sees them (in memory, then in a temporary
file). Beyond ``settings.FILE_UPLOAD_CAP_BYTES`` of files in one request, this handler drops
what follows instead of passing it on to be kept: the file then arrives as an empty
``OversizedUpload`` that still tells its full size, so the form refuses it with its own clear
message ("this file is 300 MB: 25 MB at most"), and no temporary file grows beyond the cap.
"""

from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class OversizedUpload(UploadedFile):
    """A file larger than the cap: its name, type and size, none of its content."""

    oversized = True

    def __init__(self, name, content_type, size, charset=None, content_type_extra=None):
        super().__init__(BytesIO(b""), name, content_type, size, charset, content_type_extra)


class CappedUploadHandler(FileUploadHandler):
    """First of ``FILE_UPLOAD_HANDLERS``: passes each chunk on to the handlers that keep it
    until the request's files reach the cap, then drops the rest of the file being read."""

    def __init__(self, request=None):
        super().__init__(request)
        self.cap = settings.FILE_UPLOAD_CAP_BYTES
        self.kept = 0
        self.dropping = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.dropping = False

    def receive_data_chunk(self, raw_data, start):
        if self.dropping or self.kept + len(raw_data) > self.cap:
            self.dropping = True
            return None
        self.kept += len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        if not self.dropping:
            return None  # the next handler has it whole
        return OversizedUpload(
            self.file_name,
            self.content_type,
            file_size,
            self.charset,
            self.content_type_extra,
        )
