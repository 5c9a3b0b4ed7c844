"""The IATI codes the portal writes and reads, and how they map to the catalogue's values.

The mapping of a whole project is described in the package's documentation
(``projects/iati/__init__.py``)."""

import re

from django.conf import settings
from django.utils.translation import gettext_noop

from projects.models import OrganisationKind, Project, ProjectStatus

IATI_VERSION = "2.03"
REPORTING_ORG_REF = "XM-DAC-41114"  # UNDP in the OECD DAC list of organisations
REPORTING_ORG_TYPE = "40"  # multilateral
# Names of the reporting and funding organisations, one narrative per language.
REPORTING_ORG_NAMES = {
    "fr": "Programme des Nations Unies pour le développement (PNUD)",
    "en": "United Nations Development Programme (UNDP)",
    "es": "Programa de las Naciones Unidas para el Desarrollo (PNUD)",
}
FUNDER_NAMES = {
    "fr": "PNUD – Initiative conjointe pour la migration et le développement (ICMD)",
    "en": "UNDP – Joint Migration and Development Initiative (JMDI)",
    "es": "PNUD – Iniciativa Conjunta de Migración y Desarrollo (ICMD)",
}
IDENTIFIER_PREFIX = f"{REPORTING_ORG_REF}-ICMD-"
# The language of an activity (``xml:lang``): the catalogue's original language, French.
# A narrative without ``xml:lang`` is in the activity's language, else the file's, else this.
DEFAULT_LANGUAGE = settings.MODELTRANSLATION_DEFAULT_LANGUAGE

# Our own attributes, where IATI has no element for a field of the catalogue.
ICMD_NAMESPACE = "urn:x-icmd-portal:iati:1"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def icmd(name: str) -> str:
    """An attribute name in the portal's own namespace."""
    return f"{{{ICMD_NAMESPACE}}}{name}"


def activity_identifier(project: Project) -> str:
    return project.iati_identifier or f"{IDENTIFIER_PREFIX}{project.slug}"


ROLE_FUNDING = "1"
ROLE_IMPLEMENTING = "4"
STATUS_TO_CODE = {
    ProjectStatus.PLANNED: "1",  # pipeline/identification
    ProjectStatus.ONGOING: "2",  # implementation
    ProjectStatus.COMPLETED: "4",  # closed
}
CODE_TO_STATUS = {
    "1": ProjectStatus.PLANNED,
    "2": ProjectStatus.ONGOING,
    "3": ProjectStatus.COMPLETED,  # finalisation
    "4": ProjectStatus.COMPLETED,
    "6": ProjectStatus.ONGOING,  # suspended
}
CANCELLED = "5"
# IATI OrganisationType codes.
KIND_TO_TYPE = {
    OrganisationKind.LOCAL_AUTHORITY: "11",  # local government
    OrganisationKind.CIVIL_SOCIETY: "22",  # national NGO
    OrganisationKind.DIASPORA: "22",
    OrganisationKind.NGO: "21",  # international NGO
    OrganisationKind.DEVELOPMENT_AGENCY: "15",  # other public sector
    OrganisationKind.FOUNDATION: "60",
    OrganisationKind.INTERNATIONAL: "40",  # multilateral
    OrganisationKind.PRIVATE_SECTOR: "70",
}
TYPE_TO_KIND = {
    "10": OrganisationKind.LOCAL_AUTHORITY,
    "11": OrganisationKind.LOCAL_AUTHORITY,
    "15": OrganisationKind.DEVELOPMENT_AGENCY,
    "21": OrganisationKind.NGO,
    "22": OrganisationKind.CIVIL_SOCIETY,
    "23": OrganisationKind.NGO,
    "24": OrganisationKind.CIVIL_SOCIETY,
    "30": OrganisationKind.PRIVATE_SECTOR,
    "40": OrganisationKind.INTERNATIONAL,
    "60": OrganisationKind.FOUNDATION,
    "70": OrganisationKind.PRIVATE_SECTOR,
    "71": OrganisationKind.PRIVATE_SECTOR,
    "72": OrganisationKind.PRIVATE_SECTOR,
    "73": OrganisationKind.PRIVATE_SECTOR,
}
OTHER_TYPE = "90"
DEFAULT_KIND = OrganisationKind.CIVIL_SOCIETY
DESCRIPTION_GENERAL = "1"
DESCRIPTION_OBJECTIVES = "2"
THEME_VOCABULARY = "99"  # the reporting organisation's own
THEME_VOCABULARY_PATH = "/api/v1/themes/"
WEB_PAGE_CATEGORY = "A12"  # activity web page
ESTIMATED_START_NOTE = gettext_noop(
    "Start of the JMDI phase: the project’s own start date is not recorded."
)

SLUG = re.compile(r"[-a-zA-Z0-9_]+")
CURRENCY = re.compile(r"[A-Z]{3}")
