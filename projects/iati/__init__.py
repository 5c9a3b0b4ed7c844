"""IATI 2.03 activity files: the export of the catalogue, and the import of activities.

Every file the portal writes validates against the official schema (``iati_schema/``); an
imported file must validate too, or nothing is imported.

- ``codes``: the IATI codes used and how they map to the catalogue's values;
- ``schema``: reading a file and checking it against the schema (parsed once per process);
- ``export``: writing projects as an activities file (the views are in ``projects/views.py``);
- ``importer``: reading an activities file into the catalogue: the whole file checked
  first (an invalid file changes nothing), then applied in batches, each its own short
  transaction;
- ``jobs``: an import uploaded in the admin, run by the worker, its progress and report
  kept (``projects.IATIImport``).

How a project maps to an ``<iati-activity>`` (the export writes all of it; the import reads
it back, so importing the portal's own export gives back the same catalogue). Texts are
written as one ``<narrative xml:lang="…">`` per language that has text (fr, en, es, in that
order); a language without text is left out:

=====================  ==================================================================
project                IATI
=====================  ==================================================================
IATI identifier        ``iati-identifier``: the stored one, else ``XM-DAC-41114-ICMD-<slug>``
(language)             ``xml:lang="fr"`` on the activity (French is the catalogue's
                       original); every narrative names its own language anyway
(reporter)             ``reporting-org`` UNDP, ref ``XM-DAC-41114``, type 40 (multilateral),
                       named in fr, en and es
title                  ``title``: a narrative per language (``title_fr``, ``title_en``,
                       ``title_es``)
description, objective ``description`` type 1 (general) and type 2 (objectives), a narrative
                       per language; with neither, type 2 repeats the title
(funder)               ``participating-org`` role 1 (funding): UNDP / ICMD, in fr, en and es
lead, partners         ``participating-org`` role 4 (implementing), the lead first; a
                       narrative per language the organisation's name has
status                 ``activity-status``: planned 1, ongoing 2, completed 4 (3 and 4 read
                       back as completed; 6, suspended, as ongoing; 5, cancelled, skipped)
start and end dates    ``activity-date`` type 1 and 3 (planned); when neither is known, the
                       start of the project's phase, marked ``icmd:estimated`` (the schema
                       requires one date) and ignored by the import
country                ``recipient-country``
locality               ``location/name``: a narrative per language
themes                 ``tag`` vocabulary 99, its URI the API's theme list, code the slug,
                       a narrative per language of the theme's name
funding, currency      ``budget`` over the project's duration, and ``default-currency``
page URL               ``document-link`` category A12 (activity web page): the page in the
                       language of the request, its ``language`` that language
documents              a ``document-link`` per document apps above the catalogue keep for
                       the project (``iati/links.py``: the library's published resources,
                       one per file, or the external address), after the page
slug, phase, duration  ``icmd:slug``, ``icmd:phase``, ``icmd:duration-months`` attributes, in
                       our own namespace (the schema allows any attribute of another one);
                       partners carry ``icmd:role``, ``icmd:kind``, ``icmd:country``, ``icmd:slug``
=====================  ==================================================================

Languages on import: each of title, descriptions, locality, organisation and theme names
fills its ``<field>_<lang>`` column from the narrative in that language (``en-GB`` counts as
``en``; the first non-empty narrative of a language wins). A narrative without ``xml:lang``
is in the activity's ``xml:lang``, else the file's, else French. Narratives in a language
other than fr, en and es are left out, with a note in the report. Where the file gives a
text in some languages only, the catalogue's other languages of it are kept as they are
(staff's translations of another publisher's activity survive its next import; the report
notes those that may no longer match a changed text); a text the file has in no language at
all (a description, a locality) is emptied. A new project has the languages the file gives,
and the site shows the fallback, marked, for the others. A project is "unchanged" only when
every language's text the file gives is the same as the catalogue's.

Importing a file from another publisher, where the portal's own attributes are missing:
projects are matched by ``iati-identifier``; organisations by ``ref`` when it is given, else
by name (in any language, case-insensitive), among the listed ones only (verified, or
already a partner), and are created otherwise, verified; an organisation matched by ``ref``
takes the names the file gives it. A pending proposal (an organisation a member proposed,
which staff have not decided on) is never matched: its name, description and website are
left as they are, unlisted, and the report notes that it exists. Only implementing
organisations (role 4) become partners; the first leads. The start and end are the actual
dates when given, else the planned ones. The funding is the sum of the revised budgets if
there are any, else of the original ones (one currency only). The duration comes from the
dates, else from the budget periods. The phase is the one whose dates hold the start, else
the current phase (the latest). Themes come from the portal's own tags only.
"""

from projects.iati.codes import activity_identifier
from projects.iati.export import activities_document
from projects.iati.importer import FileImport, ImportReport, Outcome, import_activities
from projects.iati.schema import (
    SCHEMA_PATH,
    ActivitiesFile,
    InvalidIATIFile,
    activities_schema,
    read_activities,
    validation_errors,
)

__all__ = [
    "SCHEMA_PATH",
    "ActivitiesFile",
    "FileImport",
    "ImportReport",
    "InvalidIATIFile",
    "Outcome",
    "activities_document",
    "activities_schema",
    "activity_identifier",
    "import_activities",
    "read_activities",
    "validation_errors",
]
