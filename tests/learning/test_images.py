"""Images of lessons: uploaded by staff in the admin, checked by their content (PNG or JPEG
only, small), shown in a lesson by the Markdown the admin gives to copy, served by their
own address (nosniff, cached for a year) to anyone for a published course and to staff
only for the others."""

import html

import pytest
from django.core.files.base import ContentFile
from django.test import Client, TestCase

from learning.images import check_image, image_ids, markdown_snippet, render_lesson
from learning.models import Lesson, LessonImage
from tests.factories import CourseFactory, LessonFactory, MemberFactory, ModuleFactory
from tests.forms import form_values
from tests.html import tr
from tests.library.files import jpeg_bytes, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media) -> list:
    folder = media / "learning"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def make_image(course, content: bytes = b"", alt: str = "La palmeraie de Figuig") -> LessonImage:
    image = LessonImage(course=course, alt=alt, content_type="image/png", size=0)
    content = content or png_bytes()
    image.size = len(content)
    image.storage_name = f"test-{course.pk}-{LessonImage.objects.count()}.png"
    image.file.save(image.storage_name, ContentFile(content), save=False)
    image.save()
    return image


def course_url(course) -> str:
    return f"/admin/learning/course/{course.pk}/change/"


def post_image(staff_client, course, file, alt: str = "Une carte du Maroc"):
    data = form_values(staff_client.get(course_url(course)), "course_form")
    index = int(data["images-INITIAL_FORMS"])
    data[f"images-{index}-alt_fr"] = alt
    data[f"images-{index}-upload"] = file
    data["images-TOTAL_FORMS"] = str(max(int(data["images-TOTAL_FORMS"]), index + 1))
    return staff_client.post(course_url(course), data)


def image_errors(response) -> str:
    formsets = response.context["inline_admin_formsets"]
    return " ".join(
        str(form.errors)
        for inline in formsets
        if inline.formset.model is LessonImage
        for form in inline.formset.forms
    ) + " ".join(
        str(inline.formset.non_form_errors())
        for inline in formsets
        if inline.formset.model is LessonImage
    )


class TestUpload:
    def test_a_png_uploaded_in_the_admin_is_stored_and_its_markdown_shown(
        self, staff_client, media
    ):
        course = CourseFactory(published=False)

        response = post_image(staff_client, course, upload("carte.png", png_bytes(), "image/png"))

        assert response.status_code == 302, image_errors(response)
        image = LessonImage.objects.get(course=course)
        assert image.content_type == "image/png"
        assert image.size == len(png_bytes())
        assert image.file.name.endswith(".png")
        assert "carte" not in image.file.name  # a random name, never the uploader's
        assert len(stored_files(media)) == 1
        page = html.unescape(staff_client.get(course_url(course)).content.decode())
        assert f"![Une carte du Maroc](/fr/learning/images/{image.pk}/)" in page

    def test_a_jpeg_is_accepted_whatever_it_is_called(self, staff_client):
        course = CourseFactory()

        response = post_image(staff_client, course, upload("photo.bin", jpeg_bytes()))

        assert response.status_code == 302, image_errors(response)
        image = LessonImage.objects.get(course=course)
        assert image.content_type == "image/jpeg"
        assert image.file.name.endswith(".jpg")

    @pytest.mark.parametrize(
        "name, content",
        [
            ("dessin.png", SVG),
            ("anime.png", GIF),
            ("guide.png", pdf_bytes(["Guide"])),
            ("programme.png", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" * 20),
            ("page.jpg", b"<!doctype html><script>alert(1)</script>"),
            ("faux.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),
        ],
    )
    def test_anything_but_a_png_or_jpeg_is_refused(self, staff_client, media, name, content):
        course = CourseFactory()

        response = post_image(staff_client, course, upload(name, content, "image/png"))

        assert response.status_code == 200
        assert name in image_errors(response)
        assert not LessonImage.objects.exists()
        assert stored_files(media) == []

    def test_a_large_image_is_refused_saying_the_limit(self, staff_client, settings, media):
        settings.LEARNING_IMAGE_MAX_BYTES = 100
        course = CourseFactory()

        response = post_image(staff_client, course, upload("grande.png", png_bytes() + b"\0" * 200))

        assert response.status_code == 200
        assert "grande.png" in image_errors(response)
        assert "100" in image_errors(response)
        assert not LessonImage.objects.exists()
        assert stored_files(media) == []

    def test_a_new_row_needs_a_file(self, staff_client):
        course = CourseFactory()
        data = form_values(staff_client.get(course_url(course)), "course_form")
        data["images-0-alt_fr"] = "Sans fichier"

        response = staff_client.post(course_url(course), data)

        assert response.status_code == 200
        assert tr("Choose the image file.") in image_errors(response)

    def test_a_stored_image_is_not_replaced(self, staff_client, media):
        course = CourseFactory()
        image = make_image(course)
        data = form_values(staff_client.get(course_url(course)), "course_form")
        data["images-0-upload"] = upload("autre.png", png_bytes())

        response = staff_client.post(course_url(course), data)

        assert response.status_code == 200
        assert tr(
            "An image cannot be replaced (browsers keep it): add the new picture as a new image, "
            "then delete this one."
        ) in html.unescape(image_errors(response))
        image.refresh_from_db()
        assert image.size == len(png_bytes())

    def test_an_image_no_lesson_shows_is_deleted_with_its_file(self, staff_client, media):
        course = CourseFactory()
        make_image(course)
        assert len(stored_files(media)) == 1
        data = form_values(staff_client.get(course_url(course)), "course_form")
        data["images-0-DELETE"] = "on"

        with TestCase.captureOnCommitCallbacks(execute=True):
            response = staff_client.post(course_url(course), data)

        assert response.status_code == 302
        assert not LessonImage.objects.exists()
        assert stored_files(media) == []

    def test_an_image_a_lesson_shows_is_not_deleted(self, staff_client, media):
        course = CourseFactory()
        image = make_image(course)
        LessonFactory(
            module=ModuleFactory(course=course),
            title="La palmeraie",
            body=f"Voici la palmeraie : ![Palmeraie](/fr/learning/images/{image.pk}/)",
        )
        data = form_values(staff_client.get(course_url(course)), "course_form")
        data["images-0-DELETE"] = "on"

        response = staff_client.post(course_url(course), data)

        assert response.status_code == 200
        assert tr("The lesson “%(lesson)s” shows this image: take it out of the lesson first.") % {
            "lesson": "La palmeraie"
        } in html.unescape(image_errors(response))
        assert LessonImage.objects.filter(pk=image.pk).exists()
        assert len(stored_files(media)) == 1

    def test_the_lesson_page_shows_the_course_images_to_copy(self, staff_client):
        course = CourseFactory()
        image = make_image(course, alt="Figuig")
        image.alt_en = "Figuig palm grove"
        image.save()
        lesson = LessonFactory(module=ModuleFactory(course=course))

        page = html.unescape(
            staff_client.get(f"/admin/learning/lesson/{lesson.pk}/change/").content.decode()
        )

        assert f"![Figuig](/fr/learning/images/{image.pk}/)" in page
        assert f"![Figuig palm grove](/en/learning/images/{image.pk}/)" in page


class TestCheck:
    def test_the_check_reads_the_content_not_the_name(self):
        assert check_image(upload("x.gif", png_bytes())).content_type == "image/png"
        assert check_image(upload("x.png", jpeg_bytes())).content_type == "image/jpeg"

    def test_an_empty_file_is_refused(self):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            check_image(upload("vide.png", b""))


class TestServing:
    def test_an_image_of_a_published_course_is_for_anyone_and_cached(self, client):
        image = make_image(CourseFactory())

        response = client.get(f"/fr/learning/images/{image.pk}/")

        assert response.status_code == 200
        assert b"".join(response.streaming_content) == png_bytes()
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "max-age=31536000" in response["Cache-Control"]
        assert "public" in response["Cache-Control"]
        assert "sandbox" in response["Content-Security-Policy"]
        assert "attachment" not in response.get("Content-Disposition", "")

    def test_the_same_image_in_every_language(self, client):
        image = make_image(CourseFactory())

        for code in ["fr", "en", "es"]:
            assert client.get(f"/{code}/learning/images/{image.pk}/").status_code == 200

    def test_an_image_of_an_unpublished_course_is_for_staff_only(self, staff):
        image = make_image(CourseFactory(published=False, published_at=None))
        address = f"/fr/learning/images/{image.pk}/"
        visitor, member, staff_client = Client(), Client(), Client()
        member.force_login(MemberFactory())
        staff_client.force_login(staff)

        assert visitor.get(address).status_code == 404
        assert member.get(address).status_code == 404
        response = staff_client.get(address)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"

    def test_unknown_image_and_wrong_method(self, client):
        image = make_image(CourseFactory())

        assert client.get("/fr/learning/images/999999/").status_code == 404
        assert client.post(f"/fr/learning/images/{image.pk}/").status_code == 405

    def test_a_file_missing_from_the_storage_is_not_found(self, client, media):
        image = make_image(CourseFactory())
        (media / image.file.name).unlink()

        assert client.get(f"/fr/learning/images/{image.pk}/").status_code == 404


class TestLessonText:
    def test_the_course_images_are_shown(self):
        rendered = render_lesson("Voici : ![La palmeraie](/fr/learning/images/12/)")

        assert '<img src="/fr/learning/images/12/" alt="La palmeraie"' in rendered
        assert 'loading="lazy"' in rendered

    def test_other_images_are_dropped_and_scripts_never_pass(self):
        rendered = render_lesson(
            "![traceur](https://tracker.example/pixel.png) "
            "![local](/media/learning/x.png) "
            '<img src="/fr/learning/images/1/" onerror="alert(1)"> '
            "[lien](javascript:alert(1))"
        )

        assert "tracker.example" not in rendered
        assert "/media/" not in rendered
        assert "<img" not in rendered  # the raw HTML one is shown as text, escaped
        assert "&lt;img" in rendered
        assert 'href="javascript' not in rendered

    def test_the_snippet_renders_as_the_image(self):
        image = make_image(CourseFactory(), alt="Carte [Maroc]")

        rendered = render_lesson(markdown_snippet(image, "fr"))

        assert f'src="/fr/learning/images/{image.pk}/"' in rendered
        assert 'alt="Carte [Maroc]"' in rendered

    def test_image_ids_finds_the_images_of_a_text(self):
        text = (
            "![a](/fr/learning/images/3/) ![b](/en/learning/images/7/) ![a](/es/learning/images/3/)"
        )

        assert image_ids(text) == [3, 7]

    def test_a_lesson_showing_an_image_counts_as_using_it(self):
        course = CourseFactory()
        image = make_image(course)
        lesson = LessonFactory(
            module=ModuleFactory(course=course), body=markdown_snippet(image, "fr")
        )

        assert image_ids(Lesson.objects.get(pk=lesson.pk).body) == [image.pk]
