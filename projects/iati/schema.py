"""Reading and checking an IATI activities file against the official 2.03 schema, kept in
``projects/iati_schema/`` with the files it includes (nothing is fetched from the network).

The schema is parsed once per process, on first use; its validations are serialised, since
an ``XMLSchema`` object keeps the errors of its last validation."""

import threading
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _
from lxml import etree

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "iati_schema" / "iati-activities-schema.xsd"
VALIDATION_LOCK = threading.Lock()


class InvalidIATIFile(Exception):
    """A file that is not XML or not valid against the IATI 2.03 schema: nothing imported."""

    MAX_ERRORS = 50

    def __init__(self, message: str, errors):
        super().__init__(message)
        self.message = message
        errors = list(errors)
        self.errors = errors[: self.MAX_ERRORS]
        if len(errors) > self.MAX_ERRORS:
            self.errors.append(
                _("… and %(count)d more.") % {"count": len(errors) - self.MAX_ERRORS}
            )


def schema_error_line(error) -> str:
    return _("line %(line)s: %(message)s") % {"line": error.line, "message": error.message}


@cache
def activities_schema() -> etree.XMLSchema:
    """The official schema (with the files it includes, beside it; no network)."""
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), parser))


def read_activities(data: bytes):
    """The root of a valid IATI activities file, or ``InvalidIATIFile``. Entities are not
    expanded and nothing is fetched from the network."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        lines = [schema_error_line(entry) for entry in error.error_log] or [str(error)]
        raise InvalidIATIFile(_("This file is not well-formed XML."), lines) from None
    if root.getroottree().docinfo.doctype:
        raise InvalidIATIFile(
            _("This file is not valid against the IATI 2.03 activities schema."),
            [_("It has a DOCTYPE declaration, which IATI files do not use.")],
        )
    schema = activities_schema()
    with VALIDATION_LOCK:
        try:
            valid = schema.validate(root)
        except etree.Error as error:
            raise InvalidIATIFile(
                _("This file is not valid against the IATI 2.03 activities schema."),
                [str(error)],
            ) from None
        errors = list(schema.error_log)
    if not valid:
        raise InvalidIATIFile(
            _("This file is not valid against the IATI 2.03 activities schema."),
            [schema_error_line(entry) for entry in errors],
        )
    return root


def validation_errors(document: bytes) -> list[str]:
    """The schema's complaints about ``document`` (an empty list when it is valid)."""
    try:
        read_activities(document)
    except InvalidIATIFile as invalid:
        return [invalid.message, *invalid.errors]
    return []
