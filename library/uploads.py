"""Files uploaded to the library, done safely.

What a file is comes from its content (its first bytes, and for the zip-based office
formats the members of the archive), never from its name or from what the browser says. The
library accepts PDF, DOCX, ODT, XLSX, PPTX, CSV, PNG and JPEG files; it refuses SVG images,
HTML pages and programs (Windows, Linux and macOS executables, scripts) with a message
naming what it recognised, and archives that would expand beyond reason when opened (a "zip
bomb"). A refused file is never stored.

The checked file is stored through Django's storage API (``STORAGES["default"]``: the file
system under ``MEDIA_ROOT``, or an S3-compatible object store, see ``MEDIA_STORAGE_URL``),
under a random name with the extension of its real type, and its text is extracted by the
worker once the transaction commits (``library/tasks.py``).
"""

import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from functools import partial

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from library.models import ExtractionStatus, ResourceFile

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
CSV = "text/csv"
PNG = "image/png"
JPEG = "image/jpeg"

# The types the library accepts, with the extension a stored (and downloaded) file gets.
EXTENSIONS = {
    PDF: "pdf",
    DOCX: "docx",
    ODT: "odt",
    XLSX: "xlsx",
    PPTX: "pptx",
    CSV: "csv",
    PNG: "png",
    JPEG: "jpg",
}
# Their short names, as people know them.
TYPE_NAMES = {
    PDF: "PDF",
    DOCX: "DOCX",
    ODT: "ODT",
    XLSX: "XLSX",
    PPTX: "PPTX",
    CSV: "CSV",
    PNG: "PNG",
    JPEG: "JPEG",
}
# The types whose text the worker extracts for the search (library/extraction.py).
EXTRACTED_TYPES = frozenset({PDF, DOCX, ODT})
# What a file input offers to pick (a convenience: the content decides).
ACCEPT = ",".join(f".{extension}" for extension in [*EXTENSIONS.values(), "jpeg"])

# An office document is a zip archive: refused when its members would take more than this
# once expanded, or expand more than RATIO_LIMIT times their stored size (beyond
# RATIO_FLOOR_BYTES expanded: a small archive cannot do harm whatever its ratio), or hold
# more members than any real document.
EXPANDED_LIMIT_BYTES = 200 * 1024 * 1024
RATIO_LIMIT = 100
RATIO_FLOOR_BYTES = 1024 * 1024
MEMBERS_LIMIT = 10_000

HEAD_BYTES = 4096
CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class CheckedUpload:
    """What a file turned out to be: its media type (decided from its content), the
    extension that goes with it, and its size in bytes."""

    content_type: str
    extension: str
    size: int


def allowed_types_label() -> str:
    return ", ".join(TYPE_NAMES.values())


def _refused(name: str, kind) -> ValidationError:
    return ValidationError(
        _(
            "“%(name)s” is %(kind)s: the library refuses such files, for the safety of those "
            "who would open them."
        ),
        code="dangerous_type",
        params={"name": name, "kind": kind},
    )


def _not_allowed(name: str, kind=None) -> ValidationError:
    if kind is None:
        return ValidationError(
            _("“%(name)s” is not a type of file the library accepts (%(types)s)."),
            code="type_not_allowed",
            params={"name": name, "types": allowed_types_label()},
        )
    return ValidationError(
        _("“%(name)s” is %(kind)s, which the library does not accept (%(types)s)."),
        code="type_not_allowed",
        params={"name": name, "kind": kind, "types": allowed_types_label()},
    )


# Programs, recognised by their first bytes.
EXECUTABLES = [
    (b"MZ", _("a Windows program (.exe, .dll)")),
    (b"\x7fELF", _("a Linux program (ELF)")),
    (b"\xfe\xed\xfa\xce", _("a macOS program (Mach-O)")),
    (b"\xfe\xed\xfa\xcf", _("a macOS program (Mach-O)")),
    (b"\xce\xfa\xed\xfe", _("a macOS program (Mach-O)")),
    (b"\xcf\xfa\xed\xfe", _("a macOS program (Mach-O)")),
    (b"\xca\xfe\xba\xbe", _("a program (Mach-O or Java class)")),
    (b"#!", _("a script (a program starting with “#!”)")),
]
# Other files recognised by their first bytes, refused as not among the accepted types.
OTHER_TYPES = [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _("an old Microsoft Office file (.doc, .xls, .ppt)")),
    (b"GIF87a", _("a GIF image")),
    (b"GIF89a", _("a GIF image")),
    (b"\x1f\x8b", _("a compressed archive (gzip)")),
    (b"Rar!", _("a compressed archive (RAR)")),
    (b"7z\xbc\xaf\x27\x1c", _("a compressed archive (7z)")),
    (b"{\\rtf", _("an RTF document")),
]
# The start of a markup document (after any byte-order mark and white space), lower-cased.
HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe")
HTML_MARKERS = (b"<!doctype html", b"<html", b"<script", b"<body", b"<iframe")
XML_START = b"<?xml"
SVG_MARKER = b"<svg"


def _head(uploaded, size: int = HEAD_BYTES) -> bytes:
    uploaded.seek(0)
    head = uploaded.read(size)
    uploaded.seek(0)
    return head


def _has_nul(uploaded) -> bool:
    uploaded.seek(0)
    try:
        while chunk := uploaded.read(CHUNK_BYTES):
            if b"\0" in chunk:
                return True
        return False
    finally:
        uploaded.seek(0)


def _markup(head: bytes):
    """What markup (SVG, HTML, XML) the text starting with ``head`` is, if any."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if SVG_MARKER in text[:1024]:
        return _("an SVG image (it may hold a script)")
    if text.startswith(HTML_STARTS) or any(marker in text[:1024] for marker in HTML_MARKERS):
        return _("an HTML page (it may hold a script)")
    if text.startswith(XML_START):
        return _("an XML document")
    if text.startswith(b"<"):
        return _("a markup document (HTML or XML)")
    return None


def _is_text(head: bytes) -> bool:
    """No control characters but tab, line feed, form feed and carriage return."""
    allowed = {9, 10, 12, 13}
    return not any(byte < 32 and byte not in allowed or byte == 127 for byte in head)


def _check_archive(uploaded, name: str, size: int) -> str:
    """The type of an office document (a zip archive), after checking that opening it is
    safe; a ValidationError otherwise."""
    broken = ValidationError(
        _(
            "“%(name)s” looks like an office document (a zip archive) but cannot be opened: "
            "it is damaged or incomplete."
        ),
        code="broken_archive",
        params={"name": name},
    )
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            members = archive.infolist()
            if len(members) > MEMBERS_LIMIT:
                raise ValidationError(
                    _("“%(name)s” holds %(count)s files inside: no real document holds so many."),
                    code="archive_too_large",
                    params={"name": name, "count": len(members)},
                )
            expanded = sum(member.file_size for member in members)
            if expanded > EXPANDED_LIMIT_BYTES:
                raise ValidationError(
                    _(
                        "“%(name)s” would take %(expanded)s once opened (at most %(limit)s): "
                        "this is how a “zip bomb” looks, and it is refused."
                    ),
                    code="archive_too_large",
                    params={
                        "name": name,
                        "expanded": filesizeformat(expanded),
                        "limit": filesizeformat(EXPANDED_LIMIT_BYTES),
                    },
                )
            if expanded > RATIO_FLOOR_BYTES and expanded > RATIO_LIMIT * max(size, 1):
                raise ValidationError(
                    _(
                        "“%(name)s” would grow %(ratio)s times once opened (at most %(limit)s "
                        "times): this is how a “zip bomb” looks, and it is refused."
                    ),
                    code="archive_too_large",
                    params={"name": name, "ratio": expanded // max(size, 1), "limit": RATIO_LIMIT},
                )
            names = {member.filename for member in members}
            if any(member.lower().endswith("vbaproject.bin") for member in names):
                raise ValidationError(
                    _(
                        "“%(name)s” holds macros (programs run by the office suite): save it "
                        "without macros (DOCX, XLSX, PPTX) or as PDF."
                    ),
                    code="macros",
                    params={"name": name},
                )
            if "mimetype" in names:
                member = archive.getinfo("mimetype")
                mimetype = archive.read(member).strip() if member.file_size <= 100 else b""
                if mimetype == ODT.encode():
                    return ODT
                if mimetype.startswith(b"application/vnd.oasis.opendocument."):
                    raise _not_allowed(name, _("an OpenDocument file other than a text (ODT)"))
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
                if "ppt/presentation.xml" in names:
                    return PPTX
            raise _not_allowed(name, _("a zip archive"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError):
        raise broken from None
    except (OSError, ValueError, RuntimeError) as error:  # e.g. a member needing a password
        raise broken from error
    finally:
        uploaded.seek(0)


def check_upload(uploaded) -> CheckedUpload:
    """What ``uploaded`` (a Django ``UploadedFile``) is, decided from its content; a
    ``ValidationError`` with a clear message when it is too big, empty, of a type the
    library refuses, or an archive that is broken or would expand beyond reason."""
    name = display_name(uploaded)
    size = uploaded.size or 0
    limit = settings.LIBRARY_UPLOAD_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s: the library takes files of %(limit)s at most."),
            code="too_large",
            params={"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)},
        )
    head = _head(uploaded)
    if size <= 0 or not head:
        raise ValidationError(_("“%(name)s” is empty."), code="empty", params={"name": name})

    content_type = None
    if head.startswith(b"%PDF-"):
        content_type = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        content_type = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        content_type = JPEG
    elif head.startswith(b"PK\x03\x04"):
        content_type = _check_archive(uploaded, name, size)
    else:
        for magic, kind in EXECUTABLES:
            # "MZ" also starts some lines of text ("MZ,Mozambique"): a program has binary.
            if head.startswith(magic) and (magic != b"MZ" or not _is_text(head)):
                raise _refused(name, kind)
        for magic, kind in OTHER_TYPES:
            if head.startswith(magic):
                raise _not_allowed(name, kind)
        if head.startswith(b"PK"):  # an empty or spanned zip archive
            raise _not_allowed(name, _("a zip archive"))
        kind = _markup(head)
        if kind is not None:
            raise _refused(name, kind)
        if b"\0" in head or not _is_text(head) or _has_nul(uploaded):
            raise _not_allowed(name)
        content_type = CSV
    return CheckedUpload(content_type=content_type, extension=EXTENSIONS[content_type], size=size)


def upload_help_text() -> str:
    return _("%(types)s; %(limit)s at most.") % {
        "types": allowed_types_label(),
        "limit": filesizeformat(settings.LIBRARY_UPLOAD_MAX_BYTES),
    }


def display_name(uploaded) -> str:
    """The file's name as its uploader had it, without any folder, control character or
    excess length: kept to show, never used to store the file."""
    raw = os.path.basename(str(getattr(uploaded, "name", "") or "").replace("\\", "/"))
    cleaned = "".join(c for c in raw if unicodedata.category(c)[0] != "C").strip()
    if len(cleaned) > 200:
        stem, dot, extension = cleaned.rpartition(".")
        cleaned = f"{stem[: 190 - len(extension)]}…{dot}{extension[:8]}" if dot else cleaned[:200]
    return cleaned or "file"


def download_name(resource_file: ResourceFile) -> str:
    """The name a download gets: its uploader's, with the extension of its real type."""
    stem, dot, _extension = resource_file.original_name.rpartition(".")
    extension = EXTENSIONS.get(resource_file.content_type, "bin")
    return f"{stem if dot and stem else resource_file.original_name}.{extension}"


def prepare(resource_file: ResourceFile, uploaded, checked: CheckedUpload) -> None:
    """Fill in what ``resource_file`` keeps of a checked upload (name, type, size, random
    stored name, extraction to come), before it is saved with ``uploaded`` as its file.
    For forms saving a ``ResourceFile`` themselves (the admin); ``store_file`` does it all.
    """
    resource_file.original_name = display_name(uploaded)
    resource_file.content_type = checked.content_type
    resource_file.size = checked.size
    resource_file.storage_name = f"{secrets.token_urlsafe(18)}.{checked.extension}"
    resource_file.extraction = (
        ExtractionStatus.WAITING
        if checked.content_type in EXTRACTED_TYPES
        else ExtractionStatus.NOT_APPLICABLE
    )
    resource_file.extracted_text = ""
    resource_file.extraction_error = ""


def schedule_extraction(resource_file: ResourceFile) -> None:
    """The worker extracts the file's text once the transaction under way commits."""
    if resource_file.extraction == ExtractionStatus.WAITING:
        from library.tasks import extract_text

        transaction.on_commit(partial(extract_text.enqueue, resource_file.pk), robust=True)


def store_file(*, resource, language: str, uploaded) -> ResourceFile:
    """Check ``uploaded`` and store it as ``resource``'s file in ``language`` (the
    document's language); its text is extracted by the worker once the transaction commits.
    Raises ``ValidationError`` (nothing stored) when the file is refused or the resource
    already has a file in this language."""
    checked = getattr(uploaded, "library_checked", None) or check_upload(uploaded)
    resource_file = ResourceFile(resource=resource, language=language)
    prepare(resource_file, uploaded, checked)
    taken = ValidationError(
        _("This resource already has a file in this language."), code="language_taken"
    )
    if ResourceFile.objects.filter(resource=resource, language=language).exists():
        raise taken
    uploaded.seek(0)
    resource_file.file.save(resource_file.storage_name, uploaded, save=False)
    try:
        with transaction.atomic():
            resource_file.save()
    except BaseException as error:
        # The row was not written: neither is the file kept.
        resource_file.file.storage.delete(resource_file.file.name)
        if isinstance(error, IntegrityError):  # another file in this language, just saved
            raise taken from None
        raise
    schedule_extraction(resource_file)
    return resource_file


class LibraryFileField(forms.FileField):
    """A file input whose file is checked by ``check_upload`` (type from content, size,
    archives); the checked upload keeps what was found as ``library_checked``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)
        if not self.help_text:
            self.help_text = lazy(upload_help_text, str)()

    def clean(self, data, initial=None):
        cleaned = super().clean(data, initial)
        if isinstance(cleaned, UploadedFile):
            cleaned.library_checked = check_upload(cleaned)
        return cleaned
