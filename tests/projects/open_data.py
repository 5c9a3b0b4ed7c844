"""Shared data and helpers of the open-data tests (API, CSV, IATI, import)."""

import datetime
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlencode

from projects.models import OrganisationKind, ProjectStatus
from tests.factories import OrganisationFactory, PhaseFactory, ProjectFactory, ThemeFactory
from tests.html import find, find_all, parse, text

A = "Santé communautaire à Upala"
B = "Jeunes entrepreneurs de Kolda"
C = "Eau potable à Figuig"
D = "Remises et moyens de subsistance"
HIDDEN = "Projet en préparation"


def build_catalogue() -> SimpleNamespace:
    """Four published projects, each found by different filters, in two currencies and two
    phases, and an unpublished one whose partner appears nowhere else."""
    health = ThemeFactory(name="Santé", name_en="Health", name_es="Salud", slug="health")
    jobs = ThemeFactory(name="Emploi", name_en="Employment", name_es="Empleo", slug="employment")
    current = PhaseFactory()
    first = PhaseFactory(
        name="Première phase (2008–2012)",
        name_en="First phase (2008–2012)",
        slug="first",
        start_date=datetime.date(2008, 1, 1),
        end_date=datetime.date(2012, 11, 30),
    )
    amd = OrganisationFactory(
        name="Association Migration & Développement",
        slug="amd",
        kind=OrganisationKind.DIASPORA,
        country="MA",
    )
    upala = OrganisationFactory(
        name="Municipalité d’Upala",
        slug="upala",
        kind=OrganisationKind.LOCAL_AUTHORITY,
        country="CR",
    )
    kolda = OrganisationFactory(
        name="Diaspora de Kolda", slug="kolda", kind=OrganisationKind.DIASPORA, country="SN"
    )
    oxfam = OrganisationFactory(
        name="Oxfam Népal", slug="oxfam-nepal", kind=OrganisationKind.NGO, country="NP"
    )
    figuig = OrganisationFactory(
        name="Commune de Figuig",
        slug="figuig",
        kind=OrganisationKind.LOCAL_AUTHORITY,
        country="MA",
    )
    secret = OrganisationFactory(name="Partenaire confidentiel", slug="secret", country="CR")
    return SimpleNamespace(
        health=health,
        jobs=jobs,
        current=current,
        first=first,
        amd=amd,
        upala=upala,
        kolda=kolda,
        oxfam=oxfam,
        figuig=figuig,
        secret=secret,
        a=ProjectFactory(
            title=A,
            slug="sante-upala",
            country="CR",
            locality="Canton d’Upala",
            objective="Améliorer l’accès aux soins des familles de migrants.",
            funding_amount=Decimal("230000.00"),
            duration_months=22,
            start_date=datetime.date(2013, 1, 15),
            end_date=datetime.date(2014, 10, 31),
            themes=[health],
            partners=[upala, amd],
        ),
        b=ProjectFactory(
            title=B,
            slug="kolda-entrepreneurs",
            country="SN",
            locality="Kolda",
            funding_amount=Decimal("120000.00"),
            duration_months=18,
            status=ProjectStatus.COMPLETED,
            themes=[jobs],
            partners=[kolda, amd],
        ),
        c=ProjectFactory(
            title=C,
            slug="figuig-water",
            country="MA",
            locality="Figuig",
            phase=first,
            funding_amount=Decimal("98000.50"),
            funding_currency="EUR",
            duration_months=30,
            start_date=datetime.date(2010, 3, 1),
            status=ProjectStatus.COMPLETED,
            themes=[health, jobs],
            partners=[figuig],
        ),
        d=ProjectFactory(
            title=D,
            slug="nepal-remittances",
            country="NP",
            locality="",
            funding_amount=Decimal("250000.00"),
            duration_months=12,
            status=ProjectStatus.PLANNED,
            partners=[oxfam],
        ),
        hidden=ProjectFactory(
            title=HIDDEN,
            slug="hidden",
            country="CR",
            funding_amount=Decimal("999000.00"),
            published=False,
            themes=[health],
            partners=[secret, amd],
        ),
    )


def html_titles(client, query: dict | str = "", language: str = "fr") -> list[str]:
    """Titles of the project cards on every page of the HTML list, in the page's order."""
    query = urlencode(query) if isinstance(query, dict) else query
    url = f"/{language}/projects/?{query}"
    titles = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        page = parse(response)
        titles += [text(find(card, "h3")) for card in find_all(page, "article", "project-card")]
        following = find_all(page, "a", rel="next")
        url = f"/{language}/projects/{following[0].attrs['href']}" if following else ""
    return titles


A_EN = "Community health in Upala"
A_ES = "Salud comunitaria en Upala"
B_ES = "Jóvenes emprendedores de Kolda"


def add_translations(catalogue: SimpleNamespace) -> SimpleNamespace:
    """English and Spanish for some of the catalogue: project A in three languages, B in
    French and Spanish, C and D in French only; Upala's municipality named in the three
    languages, the current phase in French and English only (as the factory makes it)."""
    a = catalogue.a
    a.title_en, a.title_es = A_EN, A_ES
    a.locality_en, a.locality_es = "Upala Canton", "Cantón de Upala"
    a.objective_en = "Improve migrant families’ access to health care."
    a.objective_es = "Mejorar el acceso a la salud de las familias migrantes."
    a.save()
    catalogue.b.title_es = B_ES
    catalogue.b.save()
    upala = catalogue.upala
    upala.name_en, upala.name_es = "Municipality of Upala", "Municipalidad de Upala"
    upala.save()
    catalogue.first.name_es = "Primera fase (2008–2012)"
    catalogue.first.save()
    return catalogue


def body(response) -> bytes:
    """The whole body of a response, streamed (a download) or not; read once, then kept."""
    if not hasattr(response, "whole_body"):
        response.whole_body = response.getvalue()
    return response.whole_body
