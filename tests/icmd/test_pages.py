"""The home page, the pages about the initiative and the language switch."""

import html
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from icmd.models import Page
from projects.models import Phase
from tests.factories import ProjectFactory
from tests.forms import form_values

pytestmark = pytest.mark.django_db

PAGES_FOLDER = Path(__file__).resolve().parents[2] / "fixtures" / "pages"
LANGUAGES = ["fr", "en", "es"]
NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class _Elements(HTMLParser):
    """Every element of a page as (tag, attributes, text it contains)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[list] = []
        self.open: list[list] = []

    def handle_starttag(self, tag, attrs):
        element = [tag, dict(attrs), ""]
        self.elements.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append([tag, dict(attrs), ""])

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        for element in self.open:
            element[2] += data


def elements(markup: str):
    parser = _Elements()
    parser.feed(markup)
    return parser.elements


def section(response, start: str, end: str) -> str:
    """The part of the page from the first ``start`` to the next ``end``."""
    assert response.status_code == 200
    text = response.content.decode()
    begin = text.index(start)
    return text[begin : text.index(end, begin)]


def squeeze(text: str) -> str:
    """Runs of spaces and newlines as one space; non-breaking spaces are kept."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip(" \t\r\n")


def key_figures(response) -> list[str]:
    """The figures in bold on the home page, as a visitor reads them."""
    figures = section(response, '<ul class="figures">', "</ul>")
    return [squeeze(text) for tag, _a, text in elements(figures) if tag == "strong"]


def links(response) -> list[tuple[str, str]]:
    """(href, text) of every link in the page."""
    return [
        (attrs.get("href"), squeeze(text))
        for tag, attrs, text in elements(response.content.decode())
        if tag == "a"
    ]


def language_links(response) -> dict[str, str]:
    """The header's language switch: {language code: href}."""
    nav = section(response, '<nav class="lang"', "</nav>")
    return {attrs["hreflang"]: attrs["href"] for tag, attrs, _t in elements(nav) if tag == "a"}


def article(response) -> str:
    return section(response, "<article", "</article>")


def visible_text(markup: str) -> str:
    return html.unescape(markup)


def fixture_page(language: str, slug: str) -> tuple[str, str]:
    """Title and first plain paragraph of a page as written in fixtures/pages."""
    (path,) = PAGES_FOLDER.joinpath(language).glob(f"*-{slug}.md")
    heading, _, body = path.read_text(encoding="utf-8").partition("\n")
    paragraph = next(
        block for block in body.strip().split("\n\n") if not block.startswith(("#", "-"))
    )
    return heading.removeprefix("# ").strip(), paragraph.strip()


SLUGS = ["initiative", "expected-results", "selection", "md-goes-local"]


class TestRootRedirect:
    def test_root_redirects_to_french_by_default(self, client):
        response = client.get("/")

        assert response.status_code == 302
        assert response["Location"] == "/fr/"

    @pytest.mark.parametrize(
        ("accept", "target"),
        [
            ("en", "/en/"),
            ("en-GB,en;q=0.9", "/en/"),
            ("es-SV,es;q=0.9,en;q=0.5", "/es/"),
            ("fr-SN,fr;q=0.9", "/fr/"),
            ("ne-NP", "/fr/"),
        ],
    )
    def test_root_follows_the_browser_language(self, client, accept, target):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)

        assert response.status_code == 302
        assert response["Location"] == target

    def test_unknown_language_prefix_is_404(self, client):
        assert client.get("/de/").status_code == 404


class TestHome:
    def test_key_figures_of_the_seed_in_french(self, seed_copy, client):
        response = client.get("/fr/")

        assert key_figures(response) == ["16", "8", f"3{NBSP}448{NBSP}000{NBSP}US$"]
        assert response.content.decode().count("3\u00a0448\u00a0000") == 1

    def test_key_figures_of_the_seed_in_english(self, seed_copy, client):
        response = client.get("/en/")

        assert key_figures(response) == ["16", "8", f"US${NBSP}3,448,000"]
        text = visible_text(section(response, '<ul class="figures">', "</ul>"))
        assert "projects funded" in text
        assert "countries" in text

    def test_earlier_phase_figures_come_from_the_database(self, seed_copy, client):
        def figures_section():
            return visible_text(section(client.get("/en/"), '<ul class="figures">', "</section>"))

        assert "51 projects in 16 countries" in figures_section()
        earlier = Phase.objects.get(slug="2008-2012")
        earlier.reported_projects = 52
        earlier.save()

        hint = figures_section()
        assert "52 projects in 16 countries" in hint
        assert "51" not in hint

    def test_links_into_the_catalogue_and_to_join_m4d_net(self, seed_copy, client):
        english = links(client.get("/en/"))
        french = links(client.get("/fr/"))

        assert ("/en/projects/", "Browse the funded projects") in english
        assert ("/en/accounts/signup/", "Join M4D Net") in english
        assert ("/en/statistics/", "Figures and charts") in english
        assert any(href == "/fr/projects/" for href, _text in french)
        assert any(href == "/fr/accounts/signup/" and "M4D Net" in text for href, text in french)
        # The pages about the initiative, in the page's language.
        assert ("/fr/about/initiative/", "À propos de l’initiative") in french
        assert ("/en/about/initiative/", "About the initiative") in english

    def test_the_signup_link_leads_to_a_signup_form(self, client):
        response = client.get("/en/accounts/signup/")

        assert response.status_code == 200
        assert 'name="email"' in response.content.decode()

    def test_figures_follow_the_catalogue(self, seed_copy, client):
        current = Phase.objects.get(slug="2012-local")
        ProjectFactory(country="BR", funding_amount=Decimal("100000"), phase=current)
        ProjectFactory(country="SN", funding_amount=Decimal("2000"), phase=current)
        ProjectFactory(country="HN", funding_amount=Decimal("999999"), published=False)

        assert key_figures(client.get("/fr/")) == [
            "18",
            "9",
            f"3{NBSP}550{NBSP}000{NBSP}US$",
        ]
        assert key_figures(client.get("/en/"))[2] == f"US${NBSP}3,550,000"

    def test_figures_keep_currencies_apart(self, client):
        ProjectFactory(country="SN", funding_amount=Decimal("230000"))
        ProjectFactory(country="TN", funding_amount=Decimal("46000.50"), funding_currency="EUR")

        assert key_figures(client.get("/fr/")) == [
            "2",
            "2",
            f"46{NBSP}000,50{NBSP}€ + 230{NBSP}000{NBSP}US$",
        ]
        assert key_figures(client.get("/en/"))[2] == f"€{NBSP}46,000.50 + US${NBSP}230,000"

    def test_home_of_an_empty_catalogue(self, client):
        assert key_figures(client.get("/fr/")) == ["0", "0", "0"]


class TestAboutPages:
    @pytest.mark.parametrize("language", LANGUAGES)
    def test_about_redirects_to_the_first_page(self, seed_copy, client, language):
        response = client.get(f"/{language}/about/")

        assert response.status_code == 302
        assert response["Location"] == f"/{language}/about/initiative/"

    @pytest.mark.parametrize("language", LANGUAGES)
    def test_every_seeded_page_in_every_language(self, seed_copy, client, language):
        for slug in SLUGS:
            title, paragraph = fixture_page(language, slug)

            response = client.get(f"/{language}/about/{slug}/")

            assert response.status_code == 200, slug
            text = visible_text(article(response))
            assert f"<h1>{title}</h1>" in text
            assert paragraph[:80] in text, slug
            assert 'class="notice"' not in text
            assert f'<html lang="{language}">' in response.content.decode()
            # The side menu lists the four pages in this language.
            nav = visible_text(section(response, '<nav class="card"', "</nav>"))
            for other in SLUGS:
                assert fixture_page(language, other)[0] in nav

    def test_markdown_headings_and_lists_are_rendered(self, seed_copy, client):
        selection = visible_text(article(client.get("/fr/about/selection/")))
        results = visible_text(article(client.get("/en/about/expected-results/")))

        assert "<h2>Identifier les initiatives M&D menées au niveau local" in selection
        assert "## " not in selection
        assert results.count("<li>") == 3

    @pytest.mark.parametrize("language", ["en", "es"])
    def test_page_only_in_french_shows_french_with_a_notice(self, seed_copy, client, language):
        Page.objects.create(
            slug="press", title_fr="Espace presse", body_fr="Contacts pour la presse.", order=9
        )

        response = client.get(f"/{language}/about/press/")

        markup = article(response)
        assert response.status_code == 200
        assert markup.startswith('<article lang="fr">')
        notices = [a for tag, a, _t in elements(markup) if a.get("class") == "notice"]
        assert notices == [{"class": "notice", "lang": language}]
        assert "<h1>Espace presse</h1>" in markup
        assert "Contacts pour la presse." in markup
        # The other pages are still listed in the visitor's language.
        nav = visible_text(section(response, '<nav class="card"', "</nav>"))
        assert fixture_page(language, "initiative")[0] in nav
        assert "Espace presse" in nav

    def test_the_notice_says_the_page_is_not_yet_translated(self, seed_copy, client):
        Page.objects.create(slug="press", title_fr="Espace presse", body_fr="Texte.")

        english = visible_text(article(client.get("/en/about/press/")))
        french = article(client.get("/fr/about/press/"))

        assert "not yet translated" in english
        assert 'class="notice"' not in french
        assert french.startswith("<article>")

    @pytest.mark.parametrize("url", ["/fr/about/nope/", "/en/about/nope/", "/es/about/press/"])
    def test_unknown_page_is_404(self, seed_copy, client, url):
        assert client.get(url).status_code == 404

    def test_about_without_any_page_is_404(self, client):
        assert client.get("/fr/about/").status_code == 404

    def test_markdown_is_rendered_and_dangerous_markup_stripped(self, seed_copy, client):
        Page.objects.filter(slug="initiative").update(
            body_fr=(
                "Texte **important** et [un lien](https://example.org/).\n\n"
                '<script>alert("x")</script>\n\n'
                "[piège](javascript:alert(1)) et [autre](JaVaScRiPt:alert(1))\n\n"
                '<a href="javascript:alert(2)" onclick="alert(3)">clic</a>\n\n'
                '<img src="x" onerror="alert(4)">\n\n'
                '<p onmouseover="alert(5)">survol</p>\n\n'
                "- un\n- deux\n"
            )
        )

        markup = article(client.get("/fr/about/initiative/"))

        found = elements(markup)
        assert ("strong", {}, "important") in [tuple(e) for e in found]
        (safe_link,) = [a for tag, a, _t in found if tag == "a" and "href" in a]
        assert safe_link["href"] == "https://example.org/"
        assert "nofollow" in safe_link["rel"]
        assert [text for tag, _a, text in found if tag == "li"] == ["un", "deux"]
        tags = {tag for tag, _a, _t in found}
        assert not tags & {"script", "img", "iframe"}
        for tag, attrs, _text in found:
            assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
            for value in attrs.values():
                assert not (value or "").replace(" ", "").lower().startswith("javascript:")

    def test_staff_edit_a_page_in_the_admin(self, seed_copy, client, staff_client):
        page = Page.objects.get(slug="md-goes-local")
        url = f"/admin/icmd/page/{page.pk}/change/"
        data = form_values(staff_client.get(url), "page_form")
        # The three languages side by side.
        assert (data["body_fr"], data["body_es"]) == (page.body_fr, page.body_es)
        data["title_es"] = "M&D a nivel local"
        data["body_es"] = data["body_es"] + "\n\nNuevo párrafo con **énfasis**."

        response = staff_client.post(url, data)

        assert response.status_code == 302
        markup = visible_text(article(client.get("/es/about/md-goes-local/")))
        assert "<h1>M&D a nivel local</h1>" in markup
        assert "Nuevo párrafo con <strong>énfasis</strong>." in markup
        # Only the Spanish page changed.
        french = visible_text(article(client.get("/fr/about/md-goes-local/")))
        assert "Nuevo párrafo" not in french
        assert page.history.first().history_user.is_staff

    def test_members_cannot_edit_pages(self, seed_copy, member_client):
        page = Page.objects.get(slug="initiative")

        response = member_client.post(
            f"/admin/icmd/page/{page.pk}/change/", {"title": "Piraté", "body": "x"}
        )

        assert response.status_code == 302
        page.refresh_from_db()
        assert page.title != "Piraté"


class TestLanguageSwitch:
    def test_on_an_about_page(self, seed_copy, client):
        response = client.get("/fr/about/selection/")

        assert language_links(response) == {
            "fr": "/fr/about/selection/",
            "en": "/en/about/selection/",
            "es": "/es/about/selection/",
        }
        nav = section(response, '<nav class="lang"', "</nav>")
        current = [a["hreflang"] for t, a, _x in elements(nav) if a.get("aria-current")]
        assert current == ["fr"]

    def test_on_the_home_page(self, client):
        response = client.get("/es/")

        assert language_links(response) == {"fr": "/fr/", "en": "/en/", "es": "/es/"}

    def test_on_a_project_page_and_a_filtered_list(self, client):
        project = ProjectFactory(slug="figuig-palm-grove")

        detail = language_links(client.get(f"/en/projects/{project.slug}/"))
        listing = language_links(client.get("/fr/projects/", {"country": "SN"}))

        assert detail["es"] == "/es/projects/figuig-palm-grove/"
        assert detail["fr"] == "/fr/projects/figuig-palm-grove/"
        assert listing["en"] == "/en/projects/?country=SN"

    def test_every_switch_link_works(self, seed_copy, client):
        for href in language_links(client.get("/fr/about/expected-results/")).values():
            response = client.get(href)
            assert response.status_code == 200, href
            assert language_links(response)[href[1:3]] == href

    def test_on_a_page_that_does_not_exist_the_links_stay_on_the_site(self, client, db):
        """A 404 at "//evil.example/en/" (a path of this site, which a browser would read as
        another host if written back as a link) links each language's home page."""
        for path in ("//evil.example/en/", "/fr/no-such-page/", "///evil.example/fr/"):
            response = client.get("/", PATH_INFO=path)  # as a server receives it
            assert response.status_code == 404
            html = response.content.decode()
            nav = html[html.index('<nav class="lang"') :]
            nav = nav[: nav.index("</nav>")]
            links = {a["hreflang"]: a["href"] for tag, a, _t in elements(nav) if tag == "a"}
            assert links == {"fr": "/fr/", "en": "/en/", "es": "/es/"}, (path, links)


def test_every_page_has_its_three_languages_from_the_seed(seed_copy):
    for page in Page.objects.all():
        for language in LANGUAGES:
            assert getattr(page, f"title_{language}"), (page.slug, language)
            assert getattr(page, f"body_{language}"), (page.slug, language)


def test_the_admin_lists_pages_missing_a_translation(seed_copy, staff_client):
    Page.objects.create(slug="press", title_fr="Espace presse", body_fr="Texte.", order=9)

    response = staff_client.get("/admin/icmd/page/?missing=es")

    assert [page.slug for page in response.context["cl"].result_list] == ["press"]


@pytest.mark.parametrize(("page_language", "written"), [("fr", "en"), ("en", "fr"), ("es", "fr")])
def test_a_page_missing_in_the_visitors_language_is_shown_marked(
    client, db, page_language, written
):
    Page.objects.create(
        slug="press", **{f"title_{written}": "Press room", f"body_{written}": "Contacts."}
    )

    markup = article(client.get(f"/{page_language}/about/press/"))

    assert markup.startswith(f'<article lang="{written}">')
    assert "Contacts." in markup
    notices = [a for tag, a, _t in elements(markup) if a.get("class") == "notice"]
    assert notices == [{"class": "notice", "lang": page_language}]
