"""Production configuration: `check --deploy`, production settings, and `make serve-prod`."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def production_env(**extra: str) -> dict[str, str]:
    """The environment a production server has: DEBUG off, a real key, its host, HTTPS on."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_")) and key not in ("DEBUG", "SECURE_HTTPS")
    }
    env.update(
        DEBUG="off",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="carnet.example",
        SECURE_HTTPS="on",
        DJANGO_SETTINGS_MODULE="site_config.settings",
    )
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_flags_a_site_left_in_debug():
    # The same check fails the other way, so the test above is not passing on a silenced check.
    result = manage("check", "--deploy", env=production_env(DEBUG="on"))
    assert "security.W018" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    dot_env = ROOT / ".env"
    if dot_env.exists() and "SECRET_KEY" in dot_env.read_text():
        pytest.skip(".env sets SECRET_KEY on this machine")
    env = production_env()
    del env["SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


PRINT_SETTINGS = """
import json
from django.conf import settings
names = [
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_PROXY_SSL_HEADER", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS", "AXES_ENABLED", "ADMINS",
]
values = {name: getattr(settings, name, None) for name in names}
values["upgrade"] = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"]
values["mail_filters"] = settings.LOGGING["handlers"]["mail_admins"]["filters"]
values["staticfiles"] = settings.STORAGES["staticfiles"]["BACKEND"]
print(json.dumps(values))
"""


def production_settings(**extra: str) -> dict:
    result = manage("shell", "-v0", "-c", PRINT_SETTINGS, env=production_env(**extra))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_are_hardened():
    values = production_settings(ADMINS="claire@example.org")
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "strict-origin-when-cross-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["AXES_ENABLED"] is True
    assert values["upgrade"] is True
    # Error reports by mail go to ADMINS, and only with DEBUG off.
    assert values["ADMINS"] == [["Admin", "claire@example.org"]]
    assert values["mail_filters"] == ["require_debug_false"]
    assert values["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_plain_http_locally_turns_off_the_https_only_settings():
    values = production_settings(SECURE_HTTPS="off")
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["upgrade"] is False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def served(tmp_path):
    """`make serve-prod` on a free port, with its own empty database, static and media folders."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_")) and key not in ("DEBUG", "SECRET_KEY")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        CACHE_STAMP_FILE=str(tmp_path / "stamp"),
        CACHE_URL="locmemcache://serve-prod",
    )
    log = open(tmp_path / "serve-prod.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        ["make", "-s", "serve-prod", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                fetch(base + "/")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail((tmp_path / "serve-prod.log").read_text()[-3000:])
                time.sleep(0.5)
        yield base, tmp_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def test_make_serve_prod_runs_the_production_configuration(served):
    base, tmp_path = served
    status, headers, body = fetch(base + "/")
    assert status == 200
    assert headers["Server"] == "gunicorn"
    # The database was empty: the sample blog was imported, posts and images.
    assert body.decode().count('<a href="/20') >= 3
    images = [path for path in (tmp_path / "media").rglob("*") if path.is_file()]
    assert images
    # Without nginx, Django serves them (SERVE_MEDIA=on).
    status, _headers, _body = fetch(f"{base}/media/{images[0].relative_to(tmp_path / 'media')}")
    assert status == 200
    # Production headers, but plain HTTP: no HSTS, no redirect to https.
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in headers
    # DEBUG is off: an unknown address gets the 404 page, not Django's debug page.
    status, _headers, body = fetch(base + "/nulle-part/ni-ailleurs/")
    assert status == 404
    assert b"URLconf" not in body
    # Static files were collected (hashed names) and WhiteNoise serves them.
    assert list((tmp_path / "static" / "css").glob("site.*.css"))
    status, headers, _body = fetch(base + "/static/css/site.css")
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    # Two gunicorn workers besides the arbiter.
    log = (tmp_path / "serve-prod.log").read_text()
    assert log.count("Booting worker") == 2
