"""M4D Net in the page's language: country lists named and sorted for it, organisations found
by their name in any language."""

import pytest
from django.utils import translation
from django_countries import countries

from tests.factories import verified_member
from tests.html import find, find_all, parse, text

# A few names whose order differs between languages.
EXPECTED = {
    "fr": {"DE": "Allemagne", "CR": "Costa Rica", "MA": "Maroc", "NP": "Népal"},
    "en": {"DE": "Germany", "CR": "Costa Rica", "MA": "Morocco", "NP": "Nepal"},
    "es": {"DE": "Alemania", "CR": "Costa Rica", "MA": "Marruecos", "NP": "Nepal"},
}


def country_options(response, name: str) -> list[tuple[str, str]]:
    select = find(parse(response), "select", name=name)
    return [
        (option.attrs["value"], text(option))
        for option in find_all(select, "option")
        if option.attrs.get("value")
    ]


def assert_in_language(options, language: str) -> None:
    names = dict(options)
    for code, name in EXPECTED[language].items():
        assert names[code] == name, (language, code, names[code])
    with translation.override(language):
        assert options == [(country.code, country.name) for country in countries]
    positions = {code: index for index, (code, _name) in enumerate(options)}
    ordered = sorted(EXPECTED[language], key=positions.get)
    expected_order = {
        "fr": ["DE", "CR", "MA", "NP"],
        "en": ["CR", "DE", "MA", "NP"],
        "es": ["DE", "CR", "MA", "NP"],
    }[language]
    assert ordered == expected_order


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_sign_up_form_countries(client, db, language):
    # Whatever language the process saw first, each page shows its own.
    client.get("/fr/accounts/signup/")
    response = client.get(f"/{language}/accounts/signup/")

    assert_in_language(country_options(response, "country"), language)
    assert_in_language(country_options(response, "organisation_country"), language)


@pytest.mark.parametrize("language", ["en", "es", "fr"])
def test_profile_form_countries(client, db, language):
    client.force_login(verified_member())
    client.get("/fr/network/me/edit/")
    response = client.get(f"/{language}/network/me/edit/")

    assert_in_language(country_options(response, "country"), language)


def test_organisation_directory_finds_a_name_in_any_language(client, db):
    from tests.factories import OrganisationFactory, ProjectFactory

    upala = OrganisationFactory(
        name_fr="Municipalité d’Upala",
        name_en="Municipality of Upala",
        name_es="Municipalidad de Upala",
        country="CR",
    )
    ProjectFactory(partners=[upala])

    for page in ("fr", "en", "es"):
        for words in ("municipality upala", "municipalite", "municipalidad"):
            response = client.get(f"/{page}/network/organisations/?q={words}")
            assert response.context["page"].paginator.count == 1, (page, words)


def test_a_profile_bio_carries_the_language_of_its_author(client, db):
    from network.models import Visibility

    member = verified_member(
        bio="Alcaldesa de Morazán.", language="es", visibility=Visibility.EVERYONE
    )

    response = client.get(f"/en/network/members/{member.slug}/")

    (bio,) = find_all(parse(response), "div", "bio")
    assert (bio.attrs["lang"], text(bio)) == ("es", "Alcaldesa de Morazán.")
