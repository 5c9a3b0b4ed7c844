"""Configuration from environment variables: production checks, email, local database."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from icmd import localdb
from icmd.settings import mailer_from_url

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k3Jq9vXr2LmN8pQwZt5YbHc7DfGs4AeUo1IiRx6WnVjKl0MzPyCqEd-xT_wBsRu",
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://portal.example.org",
    "EMAIL_URL": "smtp://mailer:secret@smtp.example.org:587",
}


def manage(*args, **env):
    environment = {**os.environ, "DATABASE_URL": database_url(), **env}
    # Set for the browser tests of this process; a deployment never has it.
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def database_url():
    return os.environ.get("DATABASE_URL") or localdb.database_url()


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def setting(name: str, **env) -> str:
    code = f"from django.conf import settings; print(repr(settings.{name}))"
    result = manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_behind_proxies_rate_limits_count_the_address_the_proxies_saw():
    assert setting("TRUSTED_PROXIES", **PRODUCTION) == "0"
    assert setting("TRUSTED_PROXIES", **PRODUCTION, DJANGO_BEHIND_PROXY="1") == "1"
    two = {**PRODUCTION, "DJANGO_BEHIND_PROXY": "1", "DJANGO_TRUSTED_PROXIES": "2"}
    assert setting("TRUSTED_PROXIES", **two) == "2"


def test_a_wrong_number_of_proxies_stops_the_start():
    env = {**PRODUCTION, "DJANGO_BEHIND_PROXY": "1", "DJANGO_TRUSTED_PROXIES": "one"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXIES" in result.stderr


def test_production_pages_ask_the_browser_to_upgrade_insecure_requests():
    assert "'upgrade-insecure-requests': True" in setting("SECURE_CSP", **PRODUCTION)
    assert "upgrade-insecure-requests" not in setting("SECURE_CSP", DJANGO_DEBUG="1")


def test_the_policy_can_be_rolled_out_in_report_only_mode():
    env = {**PRODUCTION, "DJANGO_CSP_REPORT_ONLY": "1"}
    assert setting("SECURE_CSP", **env) == "{}"
    report_only = setting("SECURE_CSP_REPORT_ONLY", **env)
    assert "'default-src'" in report_only and "'report-uri': '/csp-report/'" in report_only
    assert "upgrade-insecure-requests" not in report_only


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": ""}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_with_development_email_fails_the_deploy_check():
    env = {**PRODUCTION, "EMAIL_URL": ""}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "development-only email backend" in result.stderr


def test_development_email_is_written_to_files_under_var_mail():
    mailer = mailer_from_url("")
    assert mailer["BACKEND"].endswith("filebased.EmailBackend")
    assert mailer["OPTIONS"]["file_path"].endswith("var/mail")


def test_smtp_url_gives_host_port_credentials_and_tls():
    mailer = mailer_from_url("smtp://me%40example.org:p%40ss@smtp.example.org:2525")
    assert mailer["BACKEND"].endswith("smtp.EmailBackend")
    assert mailer["OPTIONS"] | {} == {
        "host": "smtp.example.org",
        "port": 2525,
        "username": "me@example.org",
        "password": "p@ss",
        "use_ssl": False,
        "use_tls": True,
        "timeout": 10,
    }
    assert mailer_from_url("smtps://smtp.example.org")["OPTIONS"]["port"] == 465


def test_unknown_email_scheme_is_a_clear_configuration_error():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="unknown scheme"):
        mailer_from_url("carrier-pigeon://coop")


def test_local_socket_moves_to_tmp_when_the_project_path_is_too_long(monkeypatch):
    monkeypatch.setattr(localdb, "BASE_DIR", localdb.BASE_DIR / ("x" * 120))
    socket_dir = localdb.socket_dir()
    assert str(socket_dir).startswith("/tmp/")
    assert len(str(socket_dir / localdb.SOCKET_FILE)) <= localdb.MAX_SOCKET_PATH


def test_missing_postgresql_binaries_give_one_clear_line(monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(localdb.shutil, "which", lambda name: None)
    monkeypatch.setattr(localdb.glob, "glob", lambda pattern: [])
    assert localdb.main(["localdb", "start"]) == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert "install PostgreSQL" in error and "DATABASE_URL" in error


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another user")
def test_a_project_in_a_private_folder_keeps_its_cluster_under_tmp(monkeypatch, tmp_path):
    private = tmp_path / "home"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    monkeypatch.setattr(localdb, "BASE_DIR", private / "icmd")
    assert str(localdb.data_dir()).startswith("/tmp/icmd-")
    assert str(localdb.socket_dir()).startswith("/tmp/icmd-")
    assert localdb.database_url().endswith(f"host={localdb.socket_dir()}")
