"""Whole pages kept for visitors who are not logged in (common/pagecache.py): a second visit
costs one cache read, a change shows at once, a member's page is never kept nor served to
anyone else, a form that posts is never kept, each language has its own pages, and every
answer carries a fresh Content-Security-Policy nonce."""

import gzip
import os
import re
import time
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.utils.csp import CSP

from common import pagecache
from forums import services
from forums.models import Forum
from icmd import cache_sections
from icmd.forms import ContactTopic
from projects.models import Project
from tests.factories import ProjectFactory, StaffFactory, verified_member
from tests.forms import form_values
from tests.html import find, parse, text, tr

pytestmark = pytest.mark.django_db

HIT = pagecache.HIT_HEADER
BASE_DIR = Path(django_settings.BASE_DIR)


@pytest.fixture(autouse=True)
def page_cache(settings):
    """The cache of whole pages on (the other tests render each page), empty, in the
    database as by default (whatever REDIS_URL says)."""
    settings.PAGE_CACHE_SECONDS = 300
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "page_cache_table",
        },
    }
    call_command("createcachetable", verbosity=0)  # there if the tests started without Redis
    caches["pages"].clear()
    yield caches["pages"]
    caches["pages"].clear()


@pytest.fixture
def commit(run_tasks):
    """What the test's transaction would do if it committed: the on-commit callbacks run
    (new generations for the sections changed)."""
    return run_tasks.commit


@pytest.fixture
def forum(db):
    return Forum.objects.create(name="Diaspora et investissement", slug="diaspora")


@pytest.fixture
def author(db):
    return verified_member(name="Awa Autrice")


@pytest.fixture
def topic(author, forum, commit):
    made = services.start_topic(
        author=author, forum=forum, title="Transferts et épargne", body="Premier message."
    )
    commit()
    return made


def visit(url: str, client: Client | None = None, **headers):
    """``url`` as a new visitor asks for it (no cookie), or as ``client``."""
    response = (client or Client()).get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return response


def from_cache(response) -> bool:
    return response.get(HIT) == "hit"


def staff_client() -> Client:
    client = Client()
    client.force_login(StaffFactory())
    return client


# --- a kept page ----------------------------------------------------------------------------


PAGES = {
    "home": lambda world: "/fr/",
    "project list": lambda world: "/fr/projects/",
    "filtered list": lambda world: (
        f"/en/projects/?q=Dakar&sort=-funding&country={world['country']}"
    ),
    "project": lambda world: world["project"].get_absolute_url(),
    "country": lambda world: "/fr/countries/sn/",
    "statistics": lambda world: "/fr/statistics/",
    "topic": lambda world: world["topic"].get_absolute_url(),
    "forums": lambda world: "/es/forums/",
    "search": lambda world: "/fr/search/?q=Dakar",
}


@pytest.fixture
def world(seed, topic, commit):
    project = ProjectFactory(country="SN", locality="Dakar")
    commit()
    return {"project": project, "topic": topic, "country": "SN"}


def add_projects(world, count: int) -> None:
    phase = world["project"].phase
    Project.objects.bulk_create(ProjectFactory.build_batch(count, country="SN", phase=phase))


@pytest.mark.parametrize("page", PAGES)
def test_a_second_visit_is_served_from_the_cache_in_one_query(
    world, page, django_assert_max_num_queries
):
    url = PAGES[page](world)
    first = visit(url)
    assert not from_cache(first)

    with django_assert_max_num_queries(1):  # the page and its generations, in one read
        second = visit(url)

    assert from_cache(second)
    assert second.content == first.content or page == "statistics"  # its nonce is new
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Content-Language"] == first["Content-Language"]
    assert second["X-Frame-Options"] == "DENY"


def test_a_kept_page_costs_the_same_whatever_the_number_of_projects(
    world, commit, django_assert_max_num_queries
):
    for count in (5, 200):
        add_projects(world, count)
        pagecache.changed("catalogue")  # as the bulk insert's ``rows_changed`` would say
        commit()
        assert not from_cache(visit("/fr/projects/"))
        with django_assert_max_num_queries(1):
            assert from_cache(visit("/fr/projects/"))


def test_a_kept_page_goes_compressed_to_browsers_that_take_it(world):
    plain = visit("/fr/projects/")
    compressed = visit("/fr/projects/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert from_cache(compressed)
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert gzip.decompress(compressed.content) == plain.content
    again = visit("/fr/projects/")  # and as it is to those that do not
    assert from_cache(again) and "Content-Encoding" not in again
    assert again.content == plain.content


def test_every_answer_has_a_fresh_nonce_matching_its_policy(world):
    nonces = []
    for _ in range(3):
        response = visit("/fr/statistics/")
        (in_page,) = set(re.findall(r'nonce="([^"]+)"', response.content.decode()))
        assert f"'nonce-{in_page}'" in response[CSP.HEADER_ENFORCE]
        nonces.append(in_page)
    assert from_cache(response)
    assert len(set(nonces)) == 3
    assert pagecache.nonce_placeholder().decode() not in response.content.decode()


def test_each_language_has_its_own_pages(world):
    french = visit("/fr/projects/")
    english = visit("/en/projects/")
    assert not from_cache(english)
    assert find(parse(english), "html").attrs["lang"] == "en"
    assert from_cache(visit("/fr/projects/"))
    english_again = visit("/en/projects/")
    assert from_cache(english_again)
    assert find(parse(english_again), "html").attrs["lang"] == "en"
    assert english_again.content != french.content


def test_the_query_string_is_part_of_the_address(world):
    visit("/fr/search/?q=Dakar")
    other = visit("/fr/search/?q=Transferts")
    assert not from_cache(other)
    assert "Transferts" in find(parse(other), "input", id="site-search-q").attrs["value"]


# --- what changes shows at once -------------------------------------------------------------


def test_an_admin_edit_of_a_project_shows_at_once_on_the_list_and_its_page(seed, commit):
    commit()
    project = Project.objects.get(slug="los-santos-inclusive-development")
    page, listing = f"/en/projects/{project.slug}/", "/en/projects/?q=Santos"
    for url in (page, listing):
        visit(url)
        assert from_cache(visit(url))

    staff = staff_client()
    change = f"/admin/projects/project/{project.pk}/change/"
    data = form_values(staff.get(change), "project_form")
    data["title_en"] = "Los Santos, renamed by the staff"
    assert staff.post(change, data).status_code == 302
    commit()

    for url in (page, listing):
        response = visit(url)
        assert not from_cache(response)
        assert "Los Santos, renamed by the staff" in response.content.decode()


def test_a_new_post_shows_at_once_on_the_topic_page(topic, author, commit):
    url = topic.get_absolute_url()
    visit(url)
    assert from_cache(visit(url))

    services.reply(author=author, topic=topic, body="Une réponse toute neuve.")
    commit()

    response = visit(url)
    assert not from_cache(response)
    assert "Une réponse toute neuve." in response.content.decode()
    assert from_cache(visit(url))


def test_a_change_elsewhere_keeps_the_pages_that_do_not_show_it(world, author, commit):
    visit("/fr/countries/sn/")
    services.reply(author=author, topic=world["topic"], body="Une autre réponse.")
    commit()
    assert from_cache(visit("/fr/countries/sn/"))  # the catalogue did not change
    assert not from_cache(visit(world["topic"].get_absolute_url()))


def test_a_transaction_reads_its_own_changes_before_it_commits(topic, author):
    url = topic.get_absolute_url()
    visit(url)
    services.reply(author=author, topic=topic, body="Pas encore validée.")  # not committed

    response = visit(url)

    assert not from_cache(response)
    assert "Pas encore validée." in response.content.decode()


def test_search_pages_follow_the_index_once_the_worker_wrote_it(world, run_tasks):
    url = "/en/search/?q=Figuig"
    assert "Palmeraie de Figuig" not in text(parse(visit(url)))
    ProjectFactory(title_fr="Palmeraie de Figuig", title_en="Palmeraie de Figuig", country="MA")
    run_tasks.commit()
    # Until the worker has indexed it, the kept page is what the index says.
    assert from_cache(visit(url))

    run_tasks()  # the worker indexes it
    run_tasks.commit()

    response = visit(url)
    assert not from_cache(response)
    assert "Palmeraie de Figuig" in text(parse(response))


def test_with_read_replicas_a_page_just_changed_is_not_kept_until_they_caught_up(
    world, settings, page_cache
):
    settings.DATABASE_REPLICAS = ["replica"]  # as DATABASE_REPLICA_URL sets it
    settings.REPLICA_PIN_SECONDS = 10
    pagecache.bump(["catalogue"])  # a change just committed

    visit("/fr/countries/sn/")
    assert not from_cache(visit("/fr/countries/sn/"))  # a replica may not show it yet

    a_minute_ago = f"{time.time() - 60:.3f}:earlier"
    for section in settings.PAGE_CACHE_PATHS["countries/"]:  # the catalogue, its documents
        page_cache.set(pagecache.generation_key(section), a_minute_ago, None)
    visit("/fr/countries/sn/")
    assert from_cache(visit("/fr/countries/sn/"))


# --- whose pages ----------------------------------------------------------------------------


def test_a_member_never_gets_a_kept_page_and_their_page_is_never_kept(topic, client, commit):
    url = topic.get_absolute_url()
    reader = verified_member(name="Zoé Lectrice")
    commit()
    client.force_login(reader)

    visit(url)  # a visitor's page, kept
    members_page = visit(url, client)
    assert not from_cache(members_page)
    assert tr("Log out") in members_page.content.decode()

    client.logout()
    caches["pages"].clear()
    client.force_login(reader)
    visit(url, client)  # rendered for the member first: not kept
    visitors_page = visit(url)
    assert not from_cache(visitors_page)
    assert tr("Log out") not in visitors_page.content.decode()
    assert from_cache(visit(url))
    assert not from_cache(visit(url, client))


def test_a_visitor_with_a_message_waiting_gets_it(seed, settings, commit):
    settings.CONTACT_EMAILS = ["contact@team.example"]
    commit()
    visitor = Client()
    visit("/en/", visitor)
    assert from_cache(visit("/en/", visitor))
    data = form_values(visitor.get("/en/contact/"), "contact-form")
    data.update(name="Amina", email="amina@example.org", subject="Hello", message="A question.")
    data["topic"] = ContactTopic.PROJECTS

    assert visitor.post("/en/contact/", data).status_code == 302

    response = visit("/en/", visitor)
    assert not from_cache(response)
    assert "amina@example.org" in text(find(parse(response), "ul", "messages"))
    assert from_cache(visit("/en/"))  # the others' page did not change


def test_a_page_with_a_form_that_posts_is_never_kept_and_its_form_works(seed, settings):
    settings.PAGE_CACHE_PATHS = {**settings.PAGE_CACHE_PATHS, "contact/": ("pages",)}
    settings.CONTACT_EMAILS = ["contact@team.example"]
    first, second = Client(enforce_csrf_checks=True), Client()
    shown = visit("/fr/contact/", first)
    assert settings.CSRF_COOKIE_NAME in shown.cookies  # the token ties it to this visitor
    assert not from_cache(visit("/fr/contact/", second))

    data = form_values(shown, "contact-form")
    data.update(name="Amina", email="amina@example.org", subject="Bonjour", message="Une question.")
    data["topic"] = ContactTopic.PROJECTS
    response = first.post("/fr/contact/", data)

    assert response.status_code == 302
    assert "amina@example.org" in text(find(parse(first.get(response.url)), "ul", "messages"))


def test_pages_that_are_not_for_everybody_are_never_kept(seed, client):
    for url in ("/fr/projects/no-such-project/", "/fr/accounts/login/", "/api/v1/themes/"):
        client.get(url)
        assert not from_cache(client.get(url)), url
    assert not from_cache(visit("/fr/contact/"))


def test_every_model_of_the_site_is_in_a_section_or_said_to_show_on_no_kept_page():
    site_apps = [
        config for config in apps.get_app_configs() if Path(config.path).parent == BASE_DIR
    ]
    forgotten = {
        model._meta.label_lower
        for config in site_apps
        for model in config.get_models()
        if model._meta.concrete_model not in cache_sections.SECTION_OF
        and model._meta.label_lower not in cache_sections.NOT_SHOWN
        and not model._meta.model_name.startswith("historical")  # change history
    }
    assert forgotten == set(), "add them to SECTIONS or NOT_SHOWN in icmd/cache_sections.py"


def test_nothing_is_kept_when_the_cache_is_off(world, settings):
    settings.PAGE_CACHE_SECONDS = 0
    visit("/fr/projects/")
    assert not from_cache(visit("/fr/projects/"))


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_with_redis_a_kept_page_costs_no_query(world, settings, commit, django_assert_num_queries):
    """Run with a Redis server: ``REDIS_URL=redis://localhost:6379/0 .venv/bin/python -m
    pytest tests/icmd/test_page_cache.py`` (its keys are removed afterwards)."""
    prefix = f"test-pages-{os.getpid()}"
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": prefix,
        },
    }
    redis = caches["pages"]._cache.get_client(write=True)
    try:
        visit("/fr/projects/")
        with django_assert_num_queries(0):
            assert from_cache(visit("/fr/projects/"))
        ProjectFactory(title="Un projet de plus")
        commit()
        response = visit("/fr/projects/")
        assert not from_cache(response)
        assert "Un projet de plus" in response.content.decode()
    finally:
        for key in redis.scan_iter(f"{prefix}:*"):
            redis.delete(key)
