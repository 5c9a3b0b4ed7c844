"""The library's list (facets with counts, removable filters, sort, pages, a text search
that also reads the text inside the files), a resource's page for each kind of visitor, and
the library on the catalogue's pages (a project's, an organisation's, a country's).

Interface strings are compared with what gettext gives for the page's language; data is
compared literally."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from library.models import ResourceFile, ResourceKind, ReviewStatus
from library.templatetags.library_tags import CATALOGUE_RESOURCES_SHOWN
from library.uploads import store_file
from tests.factories import (
    EventFactory,
    MemberFactory,
    OrganisationFactory,
    PhaseFactory,
    ProjectFactory,
    ResourceFactory,
    StaffFactory,
    ThemeFactory,
)
from tests.html import find, find_all, parse, text, tr, tr_count
from tests.library import files

pytestmark = pytest.mark.django_db

LIST = "/fr/library/"
# A report whose twelfth page holds a phrase found nowhere else.
PAGE_12 = (
    "Au Sénégal, les collectivités territoriales de Kolda financent les caisses "
    "villageoises d'épargne avec la diaspora."
)


def titles(response) -> list[str]:
    assert response.status_code == 200
    return [
        text(find(find(card, "h3"), "a"))
        for card in find_all(parse(response), "article", "resource-card")
    ]


def total(response) -> str:
    return text(find(parse(response), "p", "totals"))


def notices(response) -> list[str]:
    return [text(node) for node in find_all(parse(response), "p", "notice")]


def facet_values(response, name: str) -> dict[str, tuple[str, str]]:
    """name → (count, link) of each value of the facet ``name`` beside the list."""
    box = find(parse(response), "div", "facet", aria_labelledby=f"facet-{name}")
    found = {}
    for item in find_all(box, "li"):
        link = find(item, "a")
        found[text(link).rstrip(" ×")] = (
            text(find(item, "span", "facet-count")),
            link.attrs["href"],
        )
    return found


def add_file(resource, language="fr", text_inside="", **fields):
    """A file of ``resource`` whose text the worker has extracted."""
    return ResourceFile.objects.create(
        resource=resource,
        language=language,
        file=f"library/test/{resource.slug}-{language}.pdf",
        original_name=f"{resource.slug}.pdf",
        content_type=fields.pop("content_type", "application/pdf"),
        size=fields.pop("size", 2_500_000),
        extracted_text=text_inside,
        extraction="done" if text_inside else "waiting",
        **fields,
    )


@pytest.fixture
def library(db):
    """Five published resources about Senegal, Mali and Morocco, in several types, themes,
    languages, years and publishers; one waiting for review and one refused."""
    health = ThemeFactory(name="Santé", name_en="Health", slug="health")
    jobs = ThemeFactory(name="Emploi", name_en="Jobs", slug="jobs")
    kolda = OrganisationFactory(name="Diaspora de Kolda", slug="kolda")
    fatick = OrganisationFactory(name="Région de Fatick", slug="fatick")
    now = timezone.now()
    guide = ResourceFactory(
        title="Guide des caisses villageoises",
        title_en="Guide to village savings",
        slug="guide",
        summary="Un guide pratique.",
        summary_en="A practical guide.",
        kind=ResourceKind.TOOLKIT,
        languages=["fr", "en"],
        countries=["SN", "ML"],
        year=2014,
        publisher=kolda,
        authors="Awa Ndiaye",
        themes=[health, jobs],
        published_at=now - datetime.timedelta(days=1),
    )
    report = ResourceFactory(
        title="Rapport annuel",
        title_en="Annual report",
        slug="report",
        summary="Les résultats de l'année.",
        kind=ResourceKind.REPORT,
        languages=["fr"],
        countries=["SN"],
        year=2013,
        publisher=fatick,
        themes=[health],
        url="",
        published_at=now - datetime.timedelta(days=2),
    )
    add_file(report, "fr", "Page 1. Introduction.\n\n" + PAGE_12)
    add_file(report, "en", "Page 1. Introduction in English.", content_type="text/csv")
    case = ResourceFactory(
        title="Étude de cas : Tanger",
        title_en="Case study: Tangier",
        slug="case",
        kind=ResourceKind.CASE_STUDY,
        languages=["es"],
        countries=["MA"],
        year=2014,
        publisher_name="Universidad de Granada",
        published_at=now - datetime.timedelta(days=3),
    )
    brief = ResourceFactory(
        title="Note de politique",
        title_en="",
        slug="brief",
        kind=ResourceKind.POLICY_BRIEF,
        languages=["fr", "ar"],
        countries=["MA", "SN"],
        year=None,
        publisher=kolda,
        themes=[jobs],
        published_at=now - datetime.timedelta(days=4),
    )
    video = ResourceFactory(
        title="Vidéo de l'atelier",
        slug="video",
        kind=ResourceKind.VIDEO,
        languages=[],
        countries=[],
        year=2012,
        published_at=now - datetime.timedelta(days=5),
    )
    pending = ResourceFactory(
        title="Brouillon en attente",
        slug="pending",
        status=ReviewStatus.PENDING,
        published_at=None,
        countries=["SN"],
        shared_by=MemberFactory(name="Moussa Sow"),
    )
    refused = ResourceFactory(
        title="Refusé",
        slug="refused",
        status=ReviewStatus.REFUSED,
        refusal_reason="Hors sujet.",
        published_at=None,
        countries=["SN"],
    )
    return {
        "guide": guide,
        "report": report,
        "case": case,
        "brief": brief,
        "video": video,
        "pending": pending,
        "refused": refused,
        "health": health,
        "kolda": kolda,
    }


# --- The list -------------------------------------------------------------------------


def test_the_list_shows_published_resources_the_latest_first(client, library):
    response = client.get(LIST)

    assert titles(response) == [
        "Guide des caisses villageoises",
        "Rapport annuel",
        "Étude de cas : Tanger",
        "Note de politique",
        "Vidéo de l'atelier",
    ]
    assert total(response) == tr_count("%(counter)s resource", "%(counter)s resources", 5)


def test_a_card_says_type_year_publisher_countries_and_files(client, library):
    response = client.get("/en/library/")
    cards = {
        text(find(find(card, "h3"), "a")): card
        for card in find_all(parse(response), "article", "resource-card")
    }

    report = cards["Annual report"]
    meta = text(find(report, "p", "meta"))
    assert meta.startswith("Report · 2013 · Région de Fatick · Senegal")
    formats = text(find(report, "p", "formats"))
    assert "French (PDF, 2.4\xa0MB)" in formats
    assert "English (CSV, 2.4\xa0MB)" in formats
    assert text(find(cards["Guide to village savings"], "p", "formats")) == "External link"
    assert "Universidad de Granada" in text(find(cards["Case study: Tangier"], "p", "meta"))
    themes = find_all(find(cards["Guide to village savings"], "ul", "tags"), "li")
    assert sorted(text(li) for li in themes) == ["Health", "Jobs"]


def test_each_facet_counts_what_its_link_lists(client, library):
    """For each facet, each value's count is the number of resources its link lists, on
    the whole library and on a filtered list."""
    for start in (LIST, f"{LIST}?theme=health", f"{LIST}?q=guide+rapport+note+etude+video"):
        response = client.get(start)
        for name in ("kind", "theme", "country", "language", "year", "organisation"):
            for label, (count, link) in facet_values(response, name).items():
                if f"{name}=" in start:
                    # The value chosen counts the whole list, and its link leaves it;
                    # another value's link chooses it instead.
                    if f"{name}=" not in link:
                        assert len(titles(response)) == int(count), (start, name, label)
                    continue
                chosen = client.get(f"{LIST}{link}")
                assert len(titles(chosen)) == int(count), (start, name, label)


def test_facets_name_values_in_the_pages_language(client, library):
    response = client.get("/en/library/")

    assert facet_values(response, "kind")["Report"][0] == "1"
    assert facet_values(response, "country") == {
        "Senegal": ("3", "?country=SN"),
        "Morocco": ("2", "?country=MA"),
        "Mali": ("1", "?country=ML"),
    }
    languages = facet_values(response, "language")
    assert {name: count for name, (count, _link) in languages.items()} == {
        "French": "3",
        "English": "1",
        "Spanish": "1",
        "Arabic": "1",
    }
    assert facet_values(response, "year") == {
        "2014": ("2", "?year=2014"),
        "2012": ("1", "?year=2012"),
        "2013": ("1", "?year=2013"),
    }
    assert facet_values(response, "organisation") == {
        "Diaspora de Kolda": ("2", "?organisation=kolda"),
        "Région de Fatick": ("1", "?organisation=fatick"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=sn", ["guide", "report", "brief"]),
        ("country=ML", ["guide"]),
        ("language=ar", ["brief"]),
        ("year=2014", ["guide", "case"]),
        ("kind=report", ["report"]),
        ("organisation=kolda", ["guide", "brief"]),
        ("theme=health&country=SN", ["guide", "report"]),
        ("theme=jobs&language=en", ["guide"]),
    ],
)
def test_filters(client, library, query, expected):
    response = client.get(f"{LIST}?{query}")

    assert titles(response) == [library[slug].title for slug in expected]


def test_a_chosen_value_is_an_active_filter_its_link_removes(client, library):
    response = client.get(f"{LIST}?country=SN&theme=health")
    active = find(parse(response), "ul", "active-filters")
    removals = {
        text(item).split(":")[0]: find(item, "a").attrs["href"] for item in find_all(active, "li")
    }

    assert set(removals) == {tr("Country"), tr("Theme")}
    assert parse_qs(urlsplit(removals[tr("Country")]).query) == {"theme": ["health"]}
    # The chosen value is first in its facet, and its link leaves it.
    chosen = facet_values(response, "country")["Sénégal"]
    assert chosen == ("2", "?theme=health")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year=abc", "Saisissez un nombre entier."),
        ("year=1800", "supérieure ou égale à 1900"),
        ("kind=poem", "poem"),
        ("language=xx", "xx"),
        ("organisation=nobody", "Sélectionnez un choix valide"),
        ("country=XX", "XX"),
    ],
)
def test_a_bad_filter_is_ignored_with_a_notice(client, library, query, message):
    response = client.get(f"{LIST}?{query}")

    assert response.status_code == 200
    assert len(titles(response)) == 5
    assert any(message in notice for notice in notices(response)), notices(response)


def test_a_search_too_long_and_pages_that_do_not_exist_say_so(client, library):
    response = client.get(f"{LIST}?q={'mot+' * 60}&page=9")

    assert response.status_code == 200
    assert len(notices(response)) == 2
    assert len(titles(response)) == 5


def test_sorts(client, library):
    by_title = titles(client.get(f"{LIST}?sort=title"))
    by_year = titles(client.get(f"{LIST}?sort=-year"))

    # As people read them: "Étude" among the E's.
    assert by_title == [
        "Étude de cas : Tanger",
        "Guide des caisses villageoises",
        "Note de politique",
        "Rapport annuel",
        "Vidéo de l'atelier",
    ]
    assert by_year[:2] == ["Étude de cas : Tanger", "Guide des caisses villageoises"]
    assert by_year[-1] == "Note de politique"  # no year: last


def test_the_list_is_paginated(client, db):
    for number in range(25):
        ResourceFactory(title=f"Ressource {number:02d}", slug=f"r-{number:02d}")

    first, second = client.get(LIST), client.get(f"{LIST}?page=2")

    assert len(titles(first)) == 20
    assert len(titles(second)) == 5
    assert not set(titles(first)) & set(titles(second))


def test_a_facets_own_page_lists_every_value_and_finds_one(client, library):
    response = client.get(f"{LIST}?facet=country&facet_q=mar")

    assert response.status_code == 200
    links = find_all(find(parse(response), "ul", "facet-values"), "a")
    assert [(text(a), a.attrs["href"]) for a in links] == [("Maroc", f"{LIST}?country=MA")]


def test_an_unknown_facet_shows_the_list_with_a_notice(client, library):
    response = client.get(f"{LIST}?facet=colour")

    assert len(titles(response)) == 5
    assert any("colour" in notice for notice in notices(response))


# --- The text search ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        # In the titles and summaries, in any language, accents ignored.
        ("caisses", ["guide", "report"]),  # the guide's title, the report's file
        ("village savings", ["guide"]),
        ("practical", ["guide"]),
        ("resultats", ["report"]),
        # Authors and publishers.
        ("Ndiaye", ["guide"]),
        ("Granada", ["case"]),
        ("fatick", ["report"]),
        # Only inside a file: a phrase of its twelfth page, words in other forms too.
        ("caisses villageoises d'épargne avec la diaspora", ["report"]),
        ("collectivite territoriale", ["report"]),
        ("épargne", ["report"]),
        # One word in the title, the other in the file.
        ("rapport épargne", ["report"]),
        ("télévision", []),
    ],
)
def test_the_search_reads_titles_summaries_names_and_the_text_inside_files(
    client, library, words, expected
):
    response = client.get(LIST, {"q": words})

    assert titles(response) == [library[slug].title for slug in expected]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


DOCUMENTS = {
    "rapport.pdf": lambda: files.pdf_bytes(
        [f"Page {number} : la coopération décentralisée." for number in range(1, 12)]
        + ["Les tontines des femmes de Ziguinchor financent le maraîchage."]
    ),
    "guide.docx": lambda: files.docx_bytes(
        ["Introduction", "Les tontines des femmes de Ziguinchor financent le maraîchage."]
    ),
    "guide.odt": lambda: files.odt_bytes(
        ["Introduction", "Les tontines des femmes de Ziguinchor financent le maraîchage."]
    ),
}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_phrase_inside_an_uploaded_document_finds_it_once_the_worker_read_it(
    client, media, run_tasks, name
):
    resource = ResourceFactory(title="Rapport sans indice", summary="")
    ResourceFactory(title="Autre rapport")
    store_file(resource=resource, language="fr", uploaded=files.upload(name, DOCUMENTS[name]()))
    phrase = {"q": "tontines des femmes de Ziguinchor"}

    assert titles(client.get(LIST, phrase)) == []  # not read yet

    run_tasks()

    assert titles(client.get(LIST, phrase)) == ["Rapport sans indice"]
    assert titles(client.get(LIST, {"q": "maraichage ziguinchor"})) == ["Rapport sans indice"]


def test_the_search_keeps_its_facets_and_filters(client, library):
    response = client.get(LIST, {"q": "kolda", "country": "SN"})

    # "Kolda": the guide's and the brief's publisher, and the report's file.
    assert titles(response) == [library[slug].title for slug in ("guide", "report", "brief")]
    assert facet_values(response, "kind") == {
        tr("Toolkit or guide"): ("1", "?q=kolda&country=SN&kind=toolkit"),
        tr("Report"): ("1", "?q=kolda&country=SN&kind=report"),
        tr("Policy brief"): ("1", "?q=kolda&country=SN&kind=policy_brief"),
    }


def test_unpublished_resources_are_never_found(client, library):
    assert titles(client.get(LIST, {"q": "brouillon"})) == []
    assert "Refusé" not in titles(client.get(LIST))


# --- A resource's page ----------------------------------------------------------------


def test_a_resources_page(client, library):
    report = library["report"]
    report.authors = "Fatou Diop, Jean Martin"
    report.licence = "cc-by"
    report.shared_by = MemberFactory(name="Aminata Ba")
    report.save()
    project = ProjectFactory(title="Projet de Kolda", phase=PhaseFactory())
    hidden = ProjectFactory(title="Projet caché", published=False, phase=PhaseFactory())
    report.projects.set([project, hidden])
    event = EventFactory(title="Atelier de Dakar")
    EventFactory(title="Atelier en attente", status=ReviewStatus.PENDING).resources.add(report)
    event.resources.add(report)

    response = client.get(report.get_absolute_url())
    page = parse(response)

    assert response.status_code == 200
    assert text(find(page, "h1")) == "Rapport annuel"
    files = find_all(find(page, "ul", "resource-files"), "li")
    assert len(files) == 2
    link = find(files[0], "a")
    assert link.attrs["href"] == f"/fr/library/files/{report.files.get(language='en').pk}/download/"
    assert "CSV" in text(files[0])
    assert filesizeformat(2_500_000) in text(files[0])
    facts = text(find(page, "dl", "facts"))
    for shown in ("Fatou Diop, Jean Martin", "Région de Fatick", "Aminata Ba", "CC BY 4.0"):
        assert shown in facts
    assert [text(li) for li in find_all(find(page, "ul", "related-projects"), "li")] == [
        "Projet de Kolda · Sénégal"
    ]
    events = find_all(find(page, "ul", "related-events"), "li")
    assert [text(find(li, "a")) for li in events] == ["Atelier de Dakar"]
    assert "Les résultats de l'année." in text(page)


def test_a_link_resources_page_links_it(client, library):
    response = client.get(library["guide"].get_absolute_url())
    link = find(find(parse(response), "p", "external-link"), "a")

    assert link.attrs["href"] == library["guide"].url
    assert "noopener" in link.attrs["rel"]


def test_a_resource_in_english_falls_back_to_french_saying_so(client, library):
    response = client.get("/en/library/brief/")

    title = find(parse(response), "h1")
    assert text(title).startswith("Note de politique")
    assert find(title, "span", lang="fr")


def test_a_resource_waiting_for_review_is_seen_by_its_sharer_and_staff_only(client, library):
    pending = library["pending"]
    url = pending.get_absolute_url()

    assert client.get(url).status_code == 404
    client.force_login(MemberFactory())
    assert client.get(url).status_code == 404

    client.force_login(pending.shared_by)
    response = client.get(url)
    assert response.status_code == 200
    assert tr(
        "This resource is waiting for review: only the member who shared it and the JMDI "
        "team can see it."
    ) in notices(response)

    client.force_login(StaffFactory())
    assert client.get(url).status_code == 200
    assert client.get(library["refused"].get_absolute_url()).status_code == 200


def test_an_unknown_resource_is_not_found(client, db):
    assert client.get("/fr/library/no-such-thing/").status_code == 404


# --- The catalogue's pages ------------------------------------------------------------


def catalogue_resources(response):
    """(titles, the "see all" link) of the library's box on a catalogue page."""
    box = find(parse(response), "section", "catalogue-resources")
    listed = [text(find(li, "a")) for li in find_all(find(box, "ul"), "li")]
    return listed, find(find(box, "p", "more"), "a").attrs["href"]


def test_a_project_page_shows_its_newest_documents_and_links_them_all(client, db):
    project = ProjectFactory(phase=PhaseFactory())
    now = timezone.now()
    for number in range(8):
        ResourceFactory(
            title=f"Document {number}",
            projects=[project],
            published_at=now - datetime.timedelta(days=number),
        )
    ResourceFactory(title="En attente", projects=[project], status=ReviewStatus.PENDING)

    listed, link = catalogue_resources(client.get(project.get_absolute_url()))

    assert listed == [f"Document {number}" for number in range(CATALOGUE_RESOURCES_SHOWN)]
    assert link == f"/fr/library/?project={project.slug}"
    assert len(titles(client.get(link))) == 8


def test_an_organisation_page_shows_what_it_published(client, library):
    ProjectFactory(phase=PhaseFactory(), partners=[library["kolda"]])

    listed, link = catalogue_resources(client.get(library["kolda"].get_absolute_url()))

    assert listed == ["Guide des caisses villageoises", "Note de politique"]
    assert link == "/fr/library/?organisation=kolda"
    assert titles(client.get(link)) == listed


def test_a_country_page_shows_documents_about_it(client, library):
    ProjectFactory(phase=PhaseFactory(), country="MA")

    listed, link = catalogue_resources(client.get("/fr/countries/ma/"))

    assert listed == ["Étude de cas : Tanger", "Note de politique"]
    assert link == "/fr/library/?country=MA"


def test_a_page_without_documents_shows_no_library_box(client, db):
    project = ProjectFactory(phase=PhaseFactory())

    response = client.get(project.get_absolute_url())

    assert response.status_code == 200
    assert not find_all(parse(response), "section", "catalogue-resources")
    assert not re.search(r"/library/\?project=", response.content.decode())
