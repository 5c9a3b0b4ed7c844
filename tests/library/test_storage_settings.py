"""Where uploaded files go (MEDIA_STORAGE_URL) and how large they may be
(LIBRARY_UPLOAD_MAX_MB): read from the environment, refused with a clear line when wrong."""

import os
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from storages.backends.s3 import S3Storage

from icmd.settings import storage_from_url

URL = (
    "s3://icmd-media/portal/files?endpoint_url=https://s3.fr-par.scw.cloud"
    "&region=fr-par&addressing_style=path&expire=120"
)


def test_without_an_address_files_stay_on_the_file_system():
    assert storage_from_url("") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_an_s3_address_gives_a_private_object_store():
    storage = storage_from_url(URL)

    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"] == {
        "bucket_name": "icmd-media",
        "location": "portal/files",
        "endpoint_url": "https://s3.fr-par.scw.cloud",
        "region_name": "fr-par",
        "addressing_style": "path",
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": 120,
        "file_overwrite": False,
        "object_parameters": {"ContentDisposition": "attachment"},
    }


def test_the_backend_takes_these_options_and_signs_short_lived_links(monkeypatch):
    # Credentials come from the environment, as in production; signing needs no network.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-example")
    storage = S3Storage(**storage_from_url(URL)["OPTIONS"])

    link = urlsplit(storage.url("library/2026/05/abc.pdf"))

    assert link.hostname == "s3.fr-par.scw.cloud"
    assert link.path == "/icmd-media/portal/files/library/2026/05/abc.pdf"
    query = parse_qs(link.query)
    assert query["X-Amz-Expires"] == ["120"]
    assert "X-Amz-Signature" in query
    assert "secret-example" not in link.geturl()


def test_a_bucket_alone_takes_the_defaults():
    options = storage_from_url("s3://icmd-media")["OPTIONS"]

    assert options["bucket_name"] == "icmd-media"
    assert options["location"] == ""
    assert options["querystring_expire"] == 300
    assert "endpoint_url" not in options


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://icmd-media", "unknown scheme"),
        ("s3://KEY:SECRET@icmd-media", "AWS_ACCESS_KEY_ID"),
        ("s3:///portal", "s3://<bucket>"),
        ("s3://icmd-media?endpoint=https://s3.example.org", "unknown option 'endpoint'"),
        ("s3://icmd-media?endpoint_url=s3.example.org", "endpoint_url"),
        ("s3://icmd-media?expire=forever", "expire"),
        ("s3://icmd-media?expire=0", "expire"),
    ],
)
def test_a_wrong_address_is_refused_with_a_clear_line(url, says):
    with pytest.raises(ImproperlyConfigured, match=says):
        storage_from_url(url)


def settings_value(expression: str, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "-c", f"from icmd import settings; print({expression})"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_upload_limit_comes_from_the_environment():
    default = settings_value("settings.LIBRARY_UPLOAD_MAX_BYTES", LIBRARY_UPLOAD_MAX_MB="")
    assert default.stdout.strip() == str(25 * 1024 * 1024)
    larger = settings_value(
        "settings.LIBRARY_UPLOAD_MAX_BYTES, settings.STORAGES['default']['BACKEND']",
        LIBRARY_UPLOAD_MAX_MB="40",
        MEDIA_STORAGE_URL="s3://icmd-media",
    )
    assert larger.stdout.split() == [str(40 * 1024 * 1024), "storages.backends.s3.S3Storage"]
    wrong = settings_value("1", LIBRARY_UPLOAD_MAX_MB="lots")
    assert wrong.returncode != 0
    assert "LIBRARY_UPLOAD_MAX_MB: megabytes, from 1 to 1024." in wrong.stderr


def test_a_file_of_the_limit_fits_under_the_cap_of_a_request():
    assert settings.FILE_UPLOAD_CAP_BYTES > settings.LIBRARY_UPLOAD_MAX_BYTES
    assert settings.FILE_UPLOAD_HANDLERS[0] == "common.upload_handlers.CappedUploadHandler"
