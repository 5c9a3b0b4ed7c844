"""A module downloaded as one self-contained HTML file: for members (visitors are invited to
log in or join), in the page's language, with its lessons (Markdown sanitised as on the
site), their images embedded, links to the site made absolute, the quiz's questions
without their answers, and nothing that could load anything: checked in the file's text,
then in a real Chromium with every request aborted."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from learning import images
from learning.models import Choice, LessonImage, Question, Quiz
from tests.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    ProjectFactory,
    ResourceFactory,
    StaffFactory,
    verified_member,
)
from tests.html import find, find_all, parse, text, tr
from tests.library import files

pytestmark = pytest.mark.django_db

SITE = "https://jmdi.example.org"


@pytest.fixture(autouse=True)
def site(settings, tmp_path):
    settings.SITE_URL = SITE
    settings.MEDIA_ROOT = str(tmp_path / "media")


def add_image(course, alt: str, content: bytes | None = None) -> LessonImage:
    upload = files.upload("image.png", content or files.png_bytes())
    image = LessonImage(course=course, alt=alt)
    images.store_image(image, upload, images.check_image(upload))
    image.save()
    return image


@pytest.fixture
def module():
    """The first module of a course: two lessons (the first showing images: its own, one
    from elsewhere, one of another course), a download, a project as a case, and a quiz;
    a second module after it."""
    course = CourseFactory(slug="migration", title="Migration et développement local")
    course.title_en = "Migration and local development"
    course.save()
    first = ModuleFactory(course=course, order=1, title="Pourquoi les autorités locales")
    first.title_en = "Why local authorities"
    first.save()
    second = ModuleFactory(course=course, order=2, title="Les résultats attendus")
    map_image = add_image(course, "Carte de l'oasis de Figuig")
    photo = add_image(course, "Une réunion au conseil communal")
    elsewhere = add_image(CourseFactory(), "Image d'un autre cours")
    lesson = LessonFactory(
        module=first,
        order=1,
        slug="role-des-communes",
        title="Le rôle des communes",
        body=(
            "Les **autorités locales** sont au cœur des migrations.\n\n"
            f"![](/fr/learning/images/{map_image.pk}/)\n\n"
            f"![Le conseil réuni](/en/learning/images/{photo.pk}/)\n\n"
            "![Logo venu d'ailleurs](https://tracker.example.com/logo.png)\n\n"
            f"![Hors du cours](/fr/learning/images/{elsewhere.pk}/)\n\n"
            "Voir [le projet de Figuig](/fr/projects/figuig/), "
            "[une page externe](https://example.org/page) et [la suite](#quiz).\n\n"
            "<script>alert('x')</script>\n\n"
            "| Acteur | Rôle |\n|---|---|\n| Commune | Planifier |\n"
        ),
    )
    lesson.body_en = "Local **authorities** are at the heart of migration."
    lesson.title_en = "The role of municipalities"
    lesson.save()
    lesson.resources.add(ResourceFactory(title="Guide des partenariats", slug="guide"))
    lesson.projects.add(ProjectFactory(title="La palmeraie de Figuig", slug="figuig"))
    LessonFactory(module=first, order=2, title="Les acteurs", body="Les *associations*.")
    LessonFactory(module=second, order=1, title="Une leçon du module suivant")
    quiz = Quiz.objects.create(module=first, pass_mark=60, introduction="Trois questions.")
    question = Question.objects.create(quiz=quiz, text="Qui planifie le développement local ?")
    Choice.objects.create(
        question=question, text="La commune", correct=True, feedback="Bravo, la commune."
    )
    Choice.objects.create(
        question=question, text="Personne", correct=False, feedback="Relisez la leçon."
    )
    several = Question.objects.create(
        quiz=quiz, text="Quels acteurs sont partenaires ?", kind="multiple"
    )
    Choice.objects.create(question=several, text="Les associations de migrants", correct=True)
    return first


def offline_url(module, language="fr") -> str:
    return f"/{language}/learning/{module.course.slug}/modules/{module.pk}/offline/"


def download(module, member=None, language="fr"):
    client = Client()
    client.force_login(member or verified_member())
    return client.get(offline_url(module, language))


def test_a_visitor_is_invited_to_log_in_or_join(module):
    response = Client().get(offline_url(module))
    assert response.status_code == 403
    page = parse(response)
    links = [node.attrs["href"] for node in find_all(find(page, "section"), "a")]
    assert links == [
        f"/fr/accounts/login/?next={offline_url(module)}",
        "/fr/accounts/signup/",
    ]
    assert "Content-Disposition" not in response


def test_a_member_downloads_the_module_as_one_html_file(module):
    response = download(module)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="migration-pourquoi-les-autorites-locales-fr.html"'
    )
    assert response["Content-Language"] == "fr"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    page = parse(response)
    assert find(page, "html").attrs["lang"] == "fr"
    assert text(find(page, "h1")) == "Pourquoi les autorités locales"
    titles = [text(node) for node in find_all(page, "h2")]
    assert titles == [tr("Contents"), "Le rôle des communes", "Les acteurs", tr("Quiz")]
    assert "Une leçon du module suivant" not in response.content.decode()
    body = find(page, "div", "body")
    assert text(find(body, "strong")) == "autorités locales"
    assert [text(cell) for cell in find_all(find(body, "table"), "td")] == ["Commune", "Planifier"]


def test_the_file_loads_nothing_and_embeds_the_courses_own_images(module):
    html = download(module).content.decode()
    page = parse(download(module))

    assert "<script" not in html and "<link" not in html and "<iframe" not in html
    assert "<script>alert('x')</script>" in text(page)  # shown as text, as on the site
    assert " style=" not in html
    shown = find_all(page, "img")
    assert [image.attrs["alt"] for image in shown] == [
        "Carte de l'oasis de Figuig",  # no text in the Markdown: the image's own
        "Le conseil réuni",
    ]
    for image in shown:
        assert image.attrs["src"].startswith("data:image/png;base64,")
    # Images from elsewhere, or of another course, are replaced by their text.
    assert "Logo venu d'ailleurs" in text(page)
    assert "Hors du cours" in text(page)
    assert "tracker.example.com" not in html
    # Nothing in the stylesheet fetches anything either.
    assert "url(" not in text(find(page, "style")) and "@import" not in html
    policy = find(page, "meta", http_equiv="Content-Security-Policy").attrs["content"]
    assert policy.startswith("default-src 'none'; img-src data:; style-src 'sha256-")


def test_links_lead_to_the_site_with_absolute_addresses(module):
    page = parse(download(module))
    links = {text(node): node.attrs["href"] for node in find_all(page, "a")}
    online = [
        node.attrs["href"] for node in find_all(page, "a") if text(node) == tr("This lesson online")
    ]
    assert online[0] == f"{SITE}/fr/learning/migration/lessons/role-des-communes/"
    assert links["le projet de Figuig"] == f"{SITE}/fr/projects/figuig/"
    assert links["une page externe"] == "https://example.org/page"
    assert links["la suite"] == "#quiz"
    assert links["Guide des partenariats"] == f"{SITE}/fr/library/guide/"
    assert links["La palmeraie de Figuig"] == f"{SITE}/fr/projects/figuig/"
    quiz = Quiz.objects.get()
    assert links[tr("Take the quiz online")] == (
        f"{SITE}/fr/learning/migration/modules/{quiz.module_id}/quiz/"
    )
    for href in links.values():
        parts = urlsplit(href)
        assert href.startswith("#") or parts.scheme == "https", href


def test_the_quiz_is_there_without_its_answers(module):
    page = parse(download(module))
    quiz = find(page, "section", "quiz")
    assert "Qui planifie le développement local ?" in text(quiz)
    assert [text(node) for node in find_all(quiz, "li") if not find_all(node, "p")] == [
        "La commune",
        "Personne",
        "Les associations de migrants",
    ]
    assert tr("Several answers") in text(quiz)
    html = download(module).content.decode()
    assert "Bravo" not in html and "Relisez" not in html  # no feedback
    assert "correct" not in html.lower()


def test_the_file_is_in_the_pages_language_with_fallbacks_marked(module):
    response = download(module, language="en")
    assert response["Content-Language"] == "en"
    assert response["Content-Disposition"].endswith('-en.html"')
    page = parse(response)
    assert find(page, "html").attrs["lang"] == "en"
    assert text(find(page, "h1")) == "Why local authorities"
    lesson = find(page, "article")
    assert text(find(lesson, "h2")) == "The role of municipalities"
    assert "Local authorities are at the heart of migration." in text(lesson)
    # The second lesson exists in French only: shown in French, marked so.
    second = find_all(page, "article")[1]
    assert find(find(second, "h2"), "span").attrs["lang"] == "fr"
    assert find(second, "div", "body").attrs["lang"] == "fr"
    assert tr("Only available in %(language)s", "en") % {"language": "French"} in text(second)


def test_unpublished_courses_and_unknown_modules(module):
    client = Client()
    client.force_login(verified_member())
    of_another_course = ModuleFactory()
    assert (
        client.get(f"/fr/learning/migration/modules/{of_another_course.pk}/offline/").status_code
        == 404
    )
    assert client.get("/fr/learning/nowhere/modules/1/offline/").status_code == 404
    module.course.published = False
    module.course.save()
    assert download(module).status_code == 404
    assert Client().get(offline_url(module)).status_code == 404
    assert download(module, member=StaffFactory()).status_code == 200  # a preview


@pytest.mark.parametrize("size", [1, 5])
def test_the_file_takes_the_same_queries_whatever_the_modules_size(size, django_assert_num_queries):
    course = CourseFactory()
    module = ModuleFactory(course=course)
    quiz = Quiz.objects.create(module=module)
    for number in range(size):
        image = add_image(course, f"Image {number}")
        lesson = LessonFactory(module=module, body=f"![](/fr/learning/images/{image.pk}/)")
        lesson.resources.add(ResourceFactory())
        lesson.projects.add(ProjectFactory())
        question = Question.objects.create(quiz=quiz, text=f"Question {number}")
        for answer in range(3):
            Choice.objects.create(question=question, text=f"Réponse {answer}")
    client = Client()
    client.force_login(verified_member())
    # Course, module; session, member; lessons, their downloads and cases; the quiz, its
    # questions and their answers; the images.
    with django_assert_num_queries(11):
        response = client.get(offline_url(module))
    assert len(re.findall(r'src="data:image/png', response.content.decode())) == size


# --- In a real Chromium, with the network cut ------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_file_opens_in_chromium_without_a_single_request(module, browser, tmp_path):
    saved = tmp_path / "module.html"
    saved.write_bytes(download(module).content)
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    attempted = []

    def refuse(route):
        if route.request.url == saved.as_uri():  # the file itself, from the disk
            route.continue_()
            return
        attempted.append(route.request.url)
        route.abort()

    context.route("**/*", refuse)
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(saved.as_uri())
        page.wait_for_load_state("load")

        assert attempted == []
        assert [url for url in requests if url != saved.as_uri()] == []
        assert page.get_by_role("heading", name="Le rôle des communes").is_visible()
        assert page.get_by_text("sont au cœur des migrations").is_visible()
        loaded = page.evaluate(
            "Array.from(document.images).map(i => [i.complete, i.naturalWidth,"
            " i.getBoundingClientRect().width])"
        )
        assert len(loaded) == 2
        assert all(complete and width > 0 and shown > 0 for complete, width, shown in loaded)
        # Styled by its own stylesheet (which the policy in the file allowed).
        width = page.evaluate("getComputedStyle(document.body).maxWidth")
        assert width != "none"
        from tests.browser.axe import report, serious, violations

        found = serious(violations(page))
        assert not found, report(found)
        # Printing keeps the images and the text.
        page.emulate_media(media="print")
        assert page.get_by_text("sont au cœur des migrations").is_visible()
    finally:
        context.close()
