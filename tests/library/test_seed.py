"""The library's seed: the initiative's own materials the source document names (the
selection criteria, the expected results, the "M&D goes local" approach), published in
French, English and Spanish as links to the about pages, loaded by ``load_seed`` without
creating anything twice or bringing back what staff removed; and the "M&D goes local" page
links the library."""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from common.translation import LANGUAGE_CODES
from library.models import Resource, ResourceKind, ReviewStatus
from search.models import SearchDocument, SearchDocumentKind
from tests.html import find, find_all, parse, text

pytestmark = pytest.mark.django_db

SLUGS = ["jmdi-selection-criteria", "jmdi-expected-results", "md-goes-local"]
TARGET_COUNTRIES = {"EC", "SV", "CR", "MA", "TN", "SN", "NP", "PH"}


def load_seed(*args) -> str:
    out = StringIO()
    call_command("load_seed", *args, stdout=out)
    return out.getvalue()


def fixture_rows() -> list[dict]:
    path = settings.BASE_DIR / "fixtures" / "library.json"
    return json.loads(path.read_text(encoding="utf-8"))["resources"]


def test_the_initiative_s_three_materials_are_published_in_three_languages(seed_copy):
    resources = {resource.slug: resource for resource in Resource.objects.all()}
    assert sorted(resources) == sorted(SLUGS)
    for resource in resources.values():
        assert resource.status == ReviewStatus.PUBLISHED
        assert resource.published_at and resource.announced_at  # not news for followers
        assert resource.kind in ResourceKind.values
        assert resource.languages == ["fr", "en", "es"]
        for language in LANGUAGE_CODES:
            assert getattr(resource, f"title_{language}"), (resource.slug, language)
            assert getattr(resource, f"summary_{language}"), (resource.slug, language)
    assert resources["jmdi-selection-criteria"].title_en == (
        "Selection criteria for local migration and development initiatives"
    )
    assert set(resources["jmdi-selection-criteria"].countries) == TARGET_COUNTRIES
    assert {theme.slug for theme in resources["jmdi-selection-criteria"].themes.all()} == {
        "local-governance",
        "gender",
        "youth",
    }
    assert resources["jmdi-expected-results"].url == "/about/expected-results/"


def test_the_summaries_say_what_the_source_document_says(seed_copy):
    criteria = Resource.objects.get(slug="jmdi-selection-criteria")
    for words in ["processus compétitif", "deux par pays", "partenariats Sud-Sud"]:
        assert words in criteria.summary_fr
    local = Resource.objects.get(slug="md-goes-local")
    assert "51 projects in 16 countries" in local.summary_en
    assert "diciembre de 2012" in local.summary_es


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_each_link_leads_to_its_about_page_in_the_visitor_s_language(client, seed_copy, language):
    for resource in Resource.objects.all():
        response = client.get(resource.url, headers={"accept-language": language})
        assert response.status_code == 302
        assert response.url == f"/{language}{resource.url}"
        assert client.get(response.url).status_code == 200


def test_the_seed_resources_are_found_by_the_site_search(client, seed_copy):
    assert SearchDocument.objects.filter(kind=SearchDocumentKind.RESOURCE).count() == 3
    response = client.get("/en/search/", {"q": "selection criteria", "kind": "library"})
    titles = [text(find(item, "a")) for item in find_all(parse(response), "li", "search-result")]
    assert titles[0] == "Selection criteria for local migration and development initiatives"


def test_loading_again_creates_nothing_and_changes_nothing(seed):
    before = {
        resource.slug: (resource.title_fr, resource.published_at)
        for resource in Resource.objects.all()
    }
    output = load_seed()
    assert "0 resources" in output
    after = {
        resource.slug: (resource.title_fr, resource.published_at)
        for resource in Resource.objects.all()
    }
    assert after == before


def test_staff_edits_survive_and_missing_translations_are_filled(seed):
    Resource.objects.filter(slug="jmdi-expected-results").update(
        title_fr="Résultats attendus (revu)", summary_es=""
    )
    load_seed()
    resource = Resource.objects.get(slug="jmdi-expected-results")
    assert resource.title_fr == "Résultats attendus (revu)"
    (row,) = [row for row in fixture_rows() if row["slug"] == "jmdi-expected-results"]
    assert resource.summary_es == row["summary_es"]


def test_a_seed_resource_staff_deleted_is_not_brought_back_unless_asked_for(seed):
    Resource.objects.get(slug="md-goes-local").delete()

    output = load_seed()
    assert not Resource.objects.filter(slug="md-goes-local").exists()
    assert "md-goes-local" in output
    assert "--resource <slug>" in output

    load_seed("--resource", "md-goes-local")
    resource = Resource.objects.get(slug="md-goes-local")
    assert resource.is_published
    assert [theme.slug for theme in resource.themes.all()] == ["local-governance"]
    with pytest.raises(CommandError, match="no resource nothing-such"):
        load_seed("--resource", "nothing-such")


def test_a_library_that_already_has_resources_gets_no_seed(db):
    from tests.factories import ResourceFactory

    ResourceFactory(title="Partagée par un membre")
    load_seed()
    assert list(Resource.objects.values_list("title_fr", flat=True)) == ["Partagée par un membre"]


@pytest.mark.parametrize("language", LANGUAGE_CODES)
def test_the_md_goes_local_page_links_the_library(client, seed_copy, language):
    page = parse(client.get(f"/{language}/about/md-goes-local/"))
    links = [link.attrs.get("href") for link in find_all(find(page, "article"), "a")]
    assert f"/{language}/library/" in links
    assert client.get(f"/{language}/library/").status_code == 200
