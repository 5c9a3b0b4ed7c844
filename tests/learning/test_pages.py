"""The pages a learner reads: the catalogue with its facets, a course's outline, a lesson
(text, images, downloads, cases, previous and next, "Mark as done", "Discuss this
lesson"), the member's courses and "Continue where I left off"."""

import gzip
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from forums.models import Forum
from learning.models import Audience, Enrolment, LessonCompletion, LessonImage, Level
from learning.progress import mark_lesson_done, record_visit
from tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    ProjectFactory,
    QuizFactory,
    ResourceFactory,
    ThemeFactory,
)
from tests.html import find, find_all, parse, text, tr

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(db):
    """A published course of two modules: "Pourquoi" (two lessons, then a quiz) and
    "Comment" (one lesson)."""
    theme = ThemeFactory(name="Diaspora", name_en="Diaspora", slug="diaspora")
    course = CourseFactory(
        title="Migration et développement local",
        title_en="Migration and local development",
        slug="migration",
        audience=Audience.LOCAL_AUTHORITIES,
        level=Level.INTRODUCTORY,
        estimated_hours=3,
        languages=["fr", "en", "es"],
    )
    course.themes.add(theme)
    why = ModuleFactory(course=course, title="Pourquoi", title_en="Why", order=1)
    how = ModuleFactory(course=course, title="Comment", title_en="How", order=2)
    lessons = SimpleNamespace(
        first=LessonFactory(
            module=why, title="Le rôle des villes", title_en="The role of cities", order=1
        ),
        second=LessonFactory(module=why, title="Les résultats", title_en="Results", order=2),
        third=LessonFactory(module=how, title="Partenariats", title_en="Partnerships", order=1),
    )
    quiz = QuizFactory(module=why)
    return SimpleNamespace(course=course, why=why, how=how, quiz=quiz, theme=theme, **vars(lessons))


def lesson_url(lesson, language="fr"):
    return f"/{language}/learning/{lesson.module.course.slug}/lessons/{lesson.slug}/"


# --- The catalogue ------------------------------------------------------------------------------


def test_the_catalogue_shows_published_courses_with_what_they_are(client, course):
    CourseFactory(title="Brouillon", published=False, published_at=None)
    page = parse(client.get("/en/learning/"))

    cards = find_all(page, "article", "course-card")
    assert [text(find(card, "h2")) for card in cards] == ["Migration and local development"]
    card = text(cards[0])
    assert "Local authorities" in card and "Introductory" in card and "3 h" in card
    assert "French, English, Spanish" in card
    assert "Why" in card and "How" in card  # its modules
    assert "Diaspora" in card
    assert find(cards[0], "a").attrs["href"] == "/en/learning/migration/"


def test_the_catalogue_filters_by_its_facets(client, course):
    CourseFactory(
        title="Pour la société civile",
        audience=Audience.CIVIL_SOCIETY,
        level=Level.ADVANCED,
        languages=["pt"],
    )
    page = parse(client.get("/fr/learning/"))
    audience = find(page, "div", "facet", aria_labelledby="facet-audience")
    assert "Autorités locales" in text(audience) or tr("Local authorities") in text(audience)

    for query in ("audience=civil_society", "level=advanced", "language=pt", "q=société"):
        titles = [
            text(find(card, "h2"))
            for card in find_all(
                parse(client.get(f"/fr/learning/?{query}")), "article", "course-card"
            )
        ]
        assert titles == ["Pour la société civile"], query
    titles = [
        text(find(card, "h2"))
        for card in find_all(
            parse(client.get("/fr/learning/?theme=diaspora")), "article", "course-card"
        )
    ]
    assert titles == ["Migration et développement local"]


def test_bad_filters_and_pages_are_said_and_ignored(client, course):
    response = client.get("/en/learning/?audience=martians&page=abc&sort=nonsense&facet=nope")
    assert response.status_code == 200
    notices = " ".join(text(node) for node in find_all(parse(response), "p", "notice"))
    assert "This filter was ignored" in notices and "not a page number" in notices
    assert len(find_all(parse(response), "article", "course-card")) == 1


def test_a_facet_has_its_own_page(client, course):
    response = client.get("/en/learning/?facet=theme")
    assert response.status_code == 200
    assert "Diaspora" in text(parse(response))


# --- A course's page ----------------------------------------------------------------------------


def test_a_course_shows_its_outline_to_a_visitor_with_the_first_lesson_open(client, course):
    page = parse(client.get("/en/learning/migration/"))
    assert text(find(page, "h1")) == "Migration and local development"
    modules = find_all(page, "li", "outline-module")
    assert [text(find(module, "h3")) for module in modules] == ["Module 1: Why", "Module 2: How"]
    lessons = [text(find(li, "a")) for li in find_all(modules[0], "li")]
    assert lessons == ["The role of cities", "Results", "Quiz"]
    assert "members" in text(modules[1])  # the lessons a visitor cannot read yet
    start = find(page, "section", "course-start")
    assert find(start, "a", "button").attrs["href"] == lesson_url(course.first, "en")
    assert "/en/accounts/signup/" in [a.attrs.get("href") for a in find_all(start, "a")]


def test_a_member_sees_their_progress_and_continues_where_they_left_off(client, member, course):
    mark_lesson_done(member=member, lesson=course.first)
    record_visit(member=member, lesson=course.second)
    client.force_login(member)
    page = parse(client.get("/en/learning/migration/"))

    start = find(page, "section", "course-start")
    assert "25% done" in text(start)  # one of three lessons and one quiz
    assert "1 of 3 lessons done" in text(start) and "0 of 1 quiz passed" in text(start)
    button = find(start, "a", "button")
    assert text(button) == "Continue where I left off"
    assert button.attrs["href"] == lesson_url(course.second, "en")
    done = find_all(page, "li", "done")
    assert [text(find(li, "a")) for li in done] == ["The role of cities"]


def test_an_unknown_course_is_a_404(client, course):
    assert client.get("/fr/learning/no-such-course/").status_code == 404


# --- A lesson's page ----------------------------------------------------------------------------


def test_a_lesson_shows_its_text_sanitised_its_images_downloads_and_cases(client, member, course):
    image = LessonImage.objects.create(
        course=course.course,
        file="learning/x.png",
        alt="Une carte",
        content_type="image/png",
        size=10,
    )
    course.first.body = (
        "Les **autorités locales** comptent.\n\n"
        f"![Une carte](/fr/learning/images/{image.pk}/)\n\n"
        "![Ailleurs](https://tracker.example/pixel.png)\n\n"
        "<script>alert(1)</script> [lien](javascript:alert(1))"
    )
    course.first.save()
    resource = ResourceFactory(title="Guide pratique")
    hidden = ResourceFactory(title="Pas encore publiée", status="pending", published_at=None)
    course.first.resources.add(resource, hidden)
    figuig = ProjectFactory(title="Palmeraie de Figuig", country="MA", locality="Figuig")
    course.first.projects.add(figuig)
    client.force_login(member)

    response = client.get(lesson_url(course.first))
    body = find(parse(response), "div", "lesson-body")
    assert find(body, "strong") and text(find(body, "strong")) == "autorités locales"
    assert [img.attrs["src"] for img in find_all(body, "img")] == [
        f"/fr/learning/images/{image.pk}/"
    ]
    # Written HTML is shown as text, never run; links go nowhere but http(s) and mail.
    assert not find_all(body, "script") and "<script>alert(1)</script>" in text(body)
    assert all(a.attrs["href"].startswith("http") for a in find_all(body, "a"))
    assert "tracker.example" not in response.content.decode()
    downloads = text(find(parse(response), "ul", "lesson-downloads"))
    assert "Guide pratique" in downloads and "Pas encore" not in downloads
    cases = find(parse(response), "ul", "lesson-cases")
    assert "Palmeraie de Figuig" in text(cases) and "Figuig, " in text(cases)
    assert find(cases, "a").attrs["href"] == figuig.get_absolute_url()


def test_previous_next_and_the_outline_move_through_the_course(client, member, course):
    client.force_login(member)
    page = parse(client.get(lesson_url(course.second, "en")))
    steps = find(page, "nav", "lesson-steps")
    assert find(steps, "a", rel="prev").attrs["href"] == lesson_url(course.first, "en")
    assert find(steps, "a", rel="next").attrs["href"] == lesson_url(course.third, "en")
    current = find(find(page, "aside", "lesson-outline"), "a", aria_current="page")
    assert text(current) == "Results"
    # The module's last lesson leads to its quiz.
    quiz = find(page, "p", "module-quiz")
    assert find(quiz, "a").attrs["href"] == f"/en/learning/migration/modules/{course.why.pk}/quiz/"
    assert "Lesson 2 of 3" in text(page)

    last = parse(client.get(lesson_url(course.third, "en")))
    steps = find(last, "nav", "lesson-steps")
    assert not find_all(steps, "a", rel="next")
    assert find(steps, "a").attrs["href"] in (
        lesson_url(course.second, "en"),
        "/en/learning/migration/",
    )


def test_mark_as_done_records_the_lesson_and_goes_on(client, member, course):
    client.force_login(member)
    form = find(parse(client.get(lesson_url(course.first))), "section", "lesson-actions")
    action = find(form, "form").attrs["action"]

    response = client.post(action)
    assert response.status_code == 302 and response.url == lesson_url(course.second)
    assert LessonCompletion.objects.filter(member=member, lesson=course.first).exists()
    assert client.post(action).status_code == 302  # twice: still one
    assert LessonCompletion.objects.filter(member=member).count() == 1

    page = parse(client.get(lesson_url(course.first)))
    assert "You have done this lesson" in text(find(page, "section", "lesson-actions")) or tr(
        "You have done this lesson."
    ) in text(page)
    # The module's last lesson done: on to its quiz.
    response = client.post(
        reverse("learning:lesson_done", kwargs={"course": "migration", "slug": course.second.slug})
    )
    assert response.url == f"/fr/learning/migration/modules/{course.why.pk}/quiz/"


def test_discuss_this_lesson_links_the_course_forum(client, member, course):
    forum = Forum.objects.create(name="Cours : migration", slug="cours-migration")
    course.course.forum = forum
    course.course.save()
    page = parse(client.get(lesson_url(course.first, "en")))
    discuss = find(page, "p", "discuss")
    assert find(discuss, "a").attrs["href"] == "/en/forums/cours-migration/"
    client.force_login(member)
    discuss = find(parse(client.get(lesson_url(course.first, "en"))), "p", "discuss")
    assert "/en/forums/cours-migration/new/" in [a.attrs["href"] for a in find_all(discuss, "a")]


def test_a_lesson_missing_in_the_page_language_says_so(client, course):
    course.first.body_en = ""
    course.first.save()
    page = parse(client.get(lesson_url(course.first, "en")))
    body = find(page, "div", "lesson-body")
    assert body.attrs["lang"] == "fr"
    assert "Only available in French" in text(page)


def test_a_lesson_page_is_small_and_asks_nothing_of_another_site(client, member, course):
    """Under 50 KB transferred (the page as it is sent to a browser taking gzip, which a
    member's page holding a form is not, and its style sheets, which come compressed),
    without images, for a long lesson with many downloads and cases in a long course;
    every address it loads is the site's own."""
    course.first.body = "Un paragraphe assez long sur les autorités locales. " * 400
    course.first.save()
    course.first.projects.add(*ProjectFactory.create_batch(12))
    course.first.resources.add(*ResourceFactory.create_batch(20))
    for order in range(30):
        LessonFactory(
            module=course.how,
            order=10 + order,
            title=f"Une leçon au titre assez long numéro {order}",
        )
    client.force_login(member)
    response = client.get(lesson_url(course.first), HTTP_ACCEPT_ENCODING="gzip")
    sent = response.content
    html = gzip.decompress(sent) if response.get("Content-Encoding") == "gzip" else sent
    page = parse(client.get(lesson_url(course.first)))

    loaded = [
        node.attrs["href"]
        for node in find_all(page, "link")
        if "stylesheet" in node.attrs.get("rel", "") or node.attrs.get("rel") == "icon"
    ]
    loaded += [node.attrs["src"] for node in find_all(page, "*") if "src" in node.attrs]
    for address in loaded:
        assert not urlsplit(address).netloc, address
    assert not re.search(rb"<(iframe|video|audio|object|embed)\b", html)

    sheets = [
        node.attrs["href"]
        for node in find_all(page, "link")
        if node.attrs.get("rel") == "stylesheet"
    ]
    size = len(sent)
    for href in sheets:
        path = finders.find(href.removeprefix(settings.STATIC_URL))
        size += len(gzip.compress(Path(path).read_bytes()))
    assert size < 50 * 1024, size


def test_a_lesson_of_another_course_or_unknown_is_a_404(client, course):
    other = CourseFactory(slug="other")
    assert client.get(f"/fr/learning/{other.slug}/lessons/{course.first.slug}/").status_code == 404
    assert client.get("/fr/learning/migration/lessons/nope/").status_code == 404


# --- The member's courses and "Continue where I left off" ---------------------------------------


def test_continue_where_i_left_off_on_the_home_page_the_profile_and_my_courses(
    client, member, course
):
    client.force_login(member)
    assert not find_all(parse(client.get("/en/")), "section", "continue-learning")
    record_visit(member=member, lesson=course.second)

    for url in ("/en/", reverse("network:me")):
        response = client.get(url, follow=True)
        block = find(parse(response), "section", "continue-learning")
        assert find(block, "a", "button").attrs["href"] == lesson_url(course.second, "en")

    page = parse(client.get("/en/learning/mine/"))
    card = find(page, "article", "course-card")
    assert "Migration and local development" in text(card)
    assert find(card, "a", "button").attrs["href"] == lesson_url(course.second, "en")


def test_a_completed_course_no_longer_asks_to_continue(client, member, course):
    course.quiz.delete()
    for lesson in (course.first, course.second, course.third):
        mark_lesson_done(member=member, lesson=lesson)
    assert Enrolment.objects.get(member=member).completed_at is not None
    client.force_login(member)
    assert not find_all(parse(client.get("/en/")), "section", "continue-learning")
    card = find(parse(client.get("/en/learning/mine/")), "article", "course-card")
    assert "Completed." in text(card) and "100% done" in text(card)


# --- Pages kept for visitors --------------------------------------------------------------------


@pytest.fixture
def page_cache(settings):
    """The cache of whole pages on, as in production (tests/icmd/test_page_cache.py)."""
    from django.core.cache import caches
    from django.core.management import call_command

    settings.PAGE_CACHE_SECONDS = 300
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "page_cache_table",
        },
    }
    call_command("createcachetable", verbosity=0)
    caches["pages"].clear()
    yield
    caches["pages"].clear()


def test_visitors_pages_are_kept_until_the_course_changes_and_members_never(
    client, member, course, page_cache, run_tasks
):
    from django.test import Client

    run_tasks.commit()
    url = "/en/learning/migration/"
    for address in (url, "/en/learning/", lesson_url(course.first, "en")):
        Client().get(address)
        assert Client().get(address).get("X-Page-Cache") == "hit", address

    LessonFactory(module=course.how, title_en="A lesson added", order=5)
    run_tasks.commit()
    response = Client().get(url)
    assert response.get("X-Page-Cache") != "hit" and "A lesson added" in text(parse(response))

    mark_lesson_done(member=member, lesson=course.first)
    client.force_login(member)
    response = client.get(url)
    assert response.get("X-Page-Cache") != "hit"
    assert "1 of 4 lessons done" in text(find(parse(response), "section", "course-start"))
    assert "lessons done" not in text(parse(Client().get(url)))
