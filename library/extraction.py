"""The text inside the library's PDF, DOCX and ODT files, for the site search.

Read by the worker (``library.tasks.extract_text``) with well-kept libraries: pypdf, python-docx
and odfpy. A file whose text cannot be read still stays published; the failure is kept on the
file and logged.
"""

import re

# The search reads the start of a long document: enough for hundreds of pages.
MAX_CHARACTERS = 1_000_000

_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class ExtractionError(Exception):
    """The file's text cannot be read (damaged, protected by a password…)."""


def _tidy(parts) -> str:
    """The parts joined by line breaks, without NUL characters (PostgreSQL refuses them) or
    runs of spaces, cut at MAX_CHARACTERS."""
    text, length = [], 0
    for part in parts:
        part = _SPACES.sub(" ", part.replace("\x00", "")).strip()
        if part:
            text.append(part)
            length += len(part) + 1
            if length >= MAX_CHARACTERS:
                break
    return _BLANK_LINES.sub("\n\n", "\n".join(text))[:MAX_CHARACTERS]


def pdf_text(source) -> str:
    from pypdf import PdfReader

    reader = PdfReader(source)
    if reader.is_encrypted and not reader.decrypt(""):
        raise ExtractionError("the PDF is protected by a password")

    def pages():
        for page in reader.pages:
            yield page.extract_text() or ""

    return _tidy(pages())


def docx_text(source) -> str:
    import docx

    document = docx.Document(source)

    def parts():
        for paragraph in document.paragraphs:
            yield paragraph.text
        for table in document.tables:
            for row in table.rows:
                yield " | ".join(cell.text for cell in row.cells)
        for section in document.sections:
            for part in (section.header, section.footer):
                for paragraph in part.paragraphs:
                    yield paragraph.text

    return _tidy(parts())


def odt_text(source) -> str:
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    document = load(source)
    blocks = {(TEXTNS, "p"), (TEXTNS, "h")}

    def parts(node):
        # Headings and paragraphs in the order they come (in tables and lists too).
        for child in node.childNodes:
            if getattr(child, "qname", None) in blocks:
                yield teletype.extractText(child)
            elif child.childNodes:
                yield from parts(child)

    return _tidy(parts(document.text))


EXTRACTORS = {
    "application/pdf": pdf_text,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": docx_text,
    "application/vnd.oasis.opendocument.text": odt_text,
}


def extract(source, content_type: str) -> str:
    """The text of ``source`` (a binary file open for reading, seekable) of this type."""
    try:
        extractor = EXTRACTORS[content_type]
    except KeyError:
        raise ExtractionError(f"no text is read from {content_type} files") from None
    return extractor(source)
