"""Reading and checking an IATI activities file against the official 2.03 schema, kept in
``projects/iati_schema/`` with the files it includes (nothing is fetched from the network).

The schema is parsed once per process, on first use; its validations are serialised, since
an ``XMLSchema`` object keeps the errors of its last validation.

A file to import is read by ``ActivitiesFile``, one ``<iati-activity>`` at a time from the
file on disk: memory holds one activity, whatever the size of the file. ``read_activities``
reads a whole document in memory (the portal's own exports, in the tests)."""

import re
import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _
from lxml import etree

from projects.iati.codes import XML_LANG

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "iati_schema" / "iati-activities-schema.xsd"
VALIDATION_LOCK = threading.Lock()
ROOT = "iati-activities"
ACTIVITY = "iati-activity"
# Elements other than activities at the top of a file (the schema allows elements of other
# namespaces after the activities) are kept, emptied, to check where they stand; a file with
# more than this many is refused rather than held in memory.
MAX_OTHER_ELEMENTS = 100
# lxml's parser messages end with the position, which the report gives first.
POSITION_SUFFIX = re.compile(r",? line \d+, column \d+$")


class InvalidIATIFile(Exception):
    """A file that is not XML or not valid against the IATI 2.03 schema: nothing imported."""

    MAX_ERRORS = 50

    def __init__(self, message: str, errors, count: int | None = None):
        """``errors``: the lines to show; ``count``: how many were found, when only the first
        ones were kept."""
        super().__init__(message)
        self.message = message
        errors = list(errors)
        count = max(count or 0, len(errors))
        self.errors = errors[: self.MAX_ERRORS]
        if count > len(self.errors):
            self.errors.append(_("… and %(count)d more.") % {"count": count - len(self.errors)})


def schema_error_line(error) -> str:
    return error_line(error.line, error.message)


def error_line(line, message: str) -> str:
    return _("line %(line)s: %(message)s") % {"line": line, "message": message}


def not_valid() -> str:
    return _("This file is not valid against the IATI 2.03 activities schema.")


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
            not_valid(),
            [_("It has a DOCTYPE declaration, which IATI files do not use.")],
        )
    schema = activities_schema()
    with VALIDATION_LOCK:
        try:
            valid = schema.validate(root)
        except etree.Error as error:
            raise InvalidIATIFile(not_valid(), [str(error)]) from None
        errors = list(schema.error_log)
    if not valid:
        raise InvalidIATIFile(not_valid(), [schema_error_line(entry) for entry in errors])
    return root


def validation_errors(document: bytes) -> list[str]:
    """The schema's complaints about ``document`` (an empty list when it is valid)."""
    try:
        read_activities(document)
    except InvalidIATIFile as invalid:
        return [invalid.message, *invalid.errors]
    return []


class ActivitiesFile:
    """An IATI activities file read one ``<iati-activity>`` at a time, from a path or a
    binary file object: memory holds the activity being read (and, while checking, the first
    one), never the whole file.

    ``check()`` reads the file through, as the schema would the whole document (each
    activity against its declaration, then the root with its first activity and what else
    stands at the top) and counts its activities; ``activities()`` gives them in order, to
    be read once the file is known to be valid. Entities are not expanded, a DOCTYPE is
    refused, nothing is fetched from the network."""

    def __init__(self, source):
        self.source = source
        self.language: str | None = None  # the file's xml:lang, once reading has begun

    def activities(self) -> Iterator[etree._Element]:
        """The file's activities in order, each removed from memory once the next is read.
        A file that is not well-formed XML raises ``InvalidIATIFile`` where it breaks."""
        return self._read(errors=None)

    def check(self, on_activity=None) -> int:
        """The number of activities of a valid file; else ``InvalidIATIFile`` with the
        schema's complaints (the first ``InvalidIATIFile.MAX_ERRORS``, and how many more).
        ``on_activity(count)`` is called after each activity read (to show progress)."""
        errors = SchemaErrors()
        count = 0
        for _activity in self._read(errors=errors):
            count += 1
            if on_activity is not None:
                on_activity(count)
        if errors.count:
            raise InvalidIATIFile(not_valid(), errors.lines, errors.count)
        return count

    def _parser(self):
        source = self.source
        if hasattr(source, "seek"):
            source.seek(0)
        elif isinstance(source, Path):
            source = str(source)
        return etree.iterparse(
            source,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
        )

    def _read(self, errors: "SchemaErrors | None") -> Iterator[etree._Element]:
        """The activities: the top-level children of the root named ``iati-activity``.
        With ``errors``, each is checked against the schema before it is given, and the
        root, with what was kept of the top level, once the file is read."""
        depth, root, kept = 0, None, TopLevel()
        try:
            for event, element in self._parser():
                if event == "start":
                    depth += 1
                    if depth == 1:
                        root = element
                        self._begin(root)
                    continue
                depth -= 1
                if depth != 1:
                    continue  # inside an activity, or the root's end
                kept.forget_before(element)
                if element.tag != ACTIVITY:
                    if errors is None:
                        root.remove(element)
                    else:
                        kept.other(element)
                    continue
                if errors is not None:
                    errors.validate(element, remember=kept.needs(element))
                yield element
                if errors is not None and kept.needs(element):
                    kept.add(element)
                else:
                    root.remove(element)
        except etree.XMLSyntaxError as error:
            message = POSITION_SUFFIX.sub("", error.msg or str(error))
            raise InvalidIATIFile(
                _("This file is not well-formed XML."), [error_line(error.lineno, message)]
            ) from None
        if errors is not None and root is not None:
            errors.validate(root)

    def _begin(self, root) -> None:
        if root.getroottree().docinfo.doctype:
            raise InvalidIATIFile(
                not_valid(), [_("It has a DOCTYPE declaration, which IATI files do not use.")]
            )
        if root.tag != ROOT:
            # Nothing else can be valid: refused before the rest is read.
            raise InvalidIATIFile(
                not_valid(),
                [
                    error_line(
                        root.sourceline,
                        _("The file’s root element is “%(found)s”, not “%(expected)s”.")
                        % {"found": root.tag, "expected": ROOT},
                    )
                ],
            )
        self.language = root.get(XML_LANG)


class TopLevel:
    """What stays of the top level of a file being checked, for the root's own check: the
    first activity (the root must have one), the other elements, emptied (the schema allows
    those of other namespaces after the activities), and the first activity after one of
    them (which the schema refuses there). Everything else is removed once read."""

    def __init__(self):
        self.items: list = []
        self.has_activity = False
        self.has_misplaced_activity = False

    def needs(self, activity) -> bool:
        if not self.has_activity:
            return True
        return (
            bool(self.items)
            and self.items[-1].tag != ACTIVITY
            and not (self.has_misplaced_activity)
        )

    def add(self, activity) -> None:
        if self.has_activity:
            self.has_misplaced_activity = True
        self.has_activity = True
        self.items.append(activity)

    def other(self, element) -> None:
        if len(self.items) >= MAX_OTHER_ELEMENTS:
            raise InvalidIATIFile(
                not_valid(),
                [
                    error_line(
                        element.sourceline,
                        _("More than %(count)d elements other than iati-activity.")
                        % {"count": MAX_OTHER_ELEMENTS},
                    )
                ],
            )
        element.clear()
        self.items.append(element)

    def forget_before(self, element) -> None:
        """Remove what precedes ``element`` at the top (comments, processing instructions,
        activities already read) back to the last element kept."""
        previous = element.getprevious()
        while previous is not None and not any(previous is item for item in self.items):
            previous.getparent().remove(previous)
            previous = element.getprevious()


class SchemaErrors:
    """The schema's complaints about the parts of a file, as report lines: the first
    ``InvalidIATIFile.MAX_ERRORS`` kept, the others counted. Those about the activities
    kept for the root's check are remembered, not to be counted twice."""

    def __init__(self):
        self.lines: list[str] = []
        self.count = 0
        self.remembered: set[tuple] = set()

    def validate(self, element, remember: bool = False) -> None:
        schema = activities_schema()
        with VALIDATION_LOCK:
            try:
                valid = schema.validate(element)
            except etree.Error as error:
                entries = [(element.sourceline, str(error))]
            else:
                entries = [] if valid else [(item.line, item.message) for item in schema.error_log]
        for entry in entries:
            if entry in self.remembered:
                continue
            if remember:
                self.remembered.add(entry)
            self.count += 1
            if len(self.lines) < InvalidIATIFile.MAX_ERRORS:
                self.lines.append(error_line(*entry))
