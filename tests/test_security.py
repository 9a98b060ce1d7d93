"""Trust: security headers, the CSP in Chromium, the admin door, oversized requests, errors."""

from __future__ import annotations

import importlib
import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import clear_url_caches, include, path, reverse
from django.utils import timezone
from taggit.models import Tag

from site_config.security import client_ip

PASSWORD = "un mot de passe assez long"


def boom(request):
    raise RuntimeError("boom: something broke in a view")


# The site's own URLs plus one view that fails, for the error tests (pytest.mark.urls).
urlpatterns = [path("boom/", boom), path("", include("site_config.urls"))]


def policy(response) -> dict[str, str]:
    """The CSP header as {directive: sources}."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, _sep, value = part.strip().partition(" ")
        directives[name] = value
    return directives


# --- Headers ------------------------------------------------------------------------------


def test_public_pages_carry_the_security_headers(client, make_post):
    make_post("Bonjour")
    response = client.get(reverse("blog:home"))
    assert response.status_code == 200
    csp = policy(response)
    assert csp["default-src"] == "'self'"
    assert csp["img-src"] == "'self' data: https:"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'"
    assert csp["form-action"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    # No inline script anywhere; only style attributes (alignment, image sizes in posts).
    assert "script-src" not in csp
    assert "style-src" not in csp
    assert csp["style-src-attr"] == "'unsafe-inline'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    # Plain HTTP (tests, serve-prod): no HSTS.
    assert "Strict-Transport-Security" not in response


def test_pages_served_from_the_cache_keep_the_policy(client, make_post, settings):
    settings.PAGE_CACHE_ENABLED = True
    make_post("Bonjour")
    first = client.get(reverse("blog:home"))
    second = client.get(reverse("blog:home"))
    assert second["ETag"] == first["ETag"]  # the second came from the cache
    assert policy(second) == policy(first)
    assert second["X-Frame-Options"] == "DENY"


def test_frame_src_allows_exactly_the_hosts_the_sanitiser_allows(client, make_post, settings):
    settings.EMBED_HOSTS = ["video.example.org"]
    post = make_post(
        "Vidéos",
        body=(
            '<iframe src="https://video.example.org/embed/1"></iframe>\n\n'
            '<iframe src="https://evil.example.com/embed/2"></iframe>'
        ),
    )
    response = client.get(post.get_absolute_url())
    frames = policy(response)["frame-src"].split()
    assert "https://video.example.org" in frames
    assert "https://www.youtube-nocookie.com" in frames
    assert "https://player.vimeo.com" in frames
    assert not any("evil" in source for source in frames)
    assert all(source.startswith("https://") for source in frames)
    html = response.content.decode()
    assert "https://video.example.org/embed/1" in html
    assert "evil.example.com" not in html


def test_hsts_is_sent_on_https_requests_when_https_is_declared(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get(reverse("blog:home"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_behind_the_proxy_http_is_redirected_and_https_is_trusted(client, db, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"
    response = client.get("/", headers={"x-forwarded-proto": "https"})
    assert response.status_code == 200
    assert "max-age=31536000" in response["Strict-Transport-Security"]


@pytest.fixture
def author(db):
    return get_user_model().objects.create_superuser("claire", "claire@example.org", PASSWORD)


def test_cookies_are_secure_and_http_only_in_production(client, author, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = Client(enforce_csrf_checks=True)
    login_url = reverse("admin:login")
    page = client.get(login_url, secure=True)
    assert page.cookies["csrftoken"]["secure"] is True
    response = client.post(
        login_url,
        {
            "username": "claire",
            "password": PASSWORD,
            "csrfmiddlewaretoken": page.context["csrf_token"],
        },
        secure=True,
        headers={"origin": "https://testserver", "referer": "https://testserver" + login_url},
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


# --- The admin door -----------------------------------------------------------------------


@pytest.fixture
def admin_at(settings):
    """Rebuild the URL map with another ADMIN_URL (it is read when urls.py is imported)."""
    import site_config.urls

    def move(prefix: str) -> None:
        settings.ADMIN_URL = prefix
        importlib.reload(site_config.urls)
        clear_url_caches()

    yield move
    settings.ADMIN_URL = "admin/"
    importlib.reload(site_config.urls)
    clear_url_caches()


def test_the_admin_address_comes_from_admin_url(client, admin_at, author):
    admin_at("porte-de-service/")
    assert reverse("admin:index") == "/porte-de-service/"
    assert client.get("/porte-de-service/login/").status_code == 200
    assert client.get("/admin/login/").status_code == 404
    client.force_login(author)
    assert client.get("/porte-de-service/").status_code == 200


def login(client: Client, username: str, password: str, address: str = "203.0.113.7", **extra):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
        **extra,
    )


def test_five_failed_logins_lock_that_account_from_that_address(client, author):
    get_user_model().objects.create_superuser("invite", "invite@example.org", PASSWORD)
    for _attempt in range(4):
        response = login(client, "claire", "pas le bon")
        assert response.status_code == 200  # the login form again, with its error
    response = login(client, "claire", "pas le bon")
    assert response.status_code == 429
    text = response.content.decode()
    assert "Trop de tentatives de connexion" in text
    assert "60\u00a0minutes" in text or "60 minutes" in text
    assert '<html lang="fr">' in text
    # Locked: even the right password is refused from this address.
    assert login(client, "claire", PASSWORD).status_code == 429
    # The same account from another address, another account from this one: both open.
    assert login(Client(), "claire", PASSWORD, address="198.51.100.9").status_code == 302
    assert login(Client(), "invite", PASSWORD).status_code == 302


def test_the_lock_lifts_after_an_hour(client, author):
    for _attempt in range(5):
        login(client, "claire", "pas le bon")
    assert login(client, "claire", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=61))
    assert login(client, "claire", PASSWORD).status_code == 302


def test_a_successful_login_forgets_earlier_failures(client, author):
    for _attempt in range(4):
        login(client, "claire", "pas le bon")
    assert login(client, "claire", PASSWORD).status_code == 302
    other = Client()
    for _attempt in range(4):
        assert login(other, "claire", "pas le bon").status_code == 200
    assert login(other, "claire", PASSWORD).status_code == 302


def test_behind_the_proxy_the_forwarded_address_is_counted(client, author, settings):
    settings.CONTACT_TRUST_X_FORWARDED_FOR = True
    proxy = {"address": "127.0.0.1"}
    for _attempt in range(5):
        login(client, "claire", "non", headers={"x-forwarded-for": "203.0.113.7"}, **proxy)
    assert (
        login(client, "claire", PASSWORD, headers={"x-forwarded-for": "203.0.113.7"}, **proxy)
    ).status_code == 429
    # Another reader behind the same proxy is not locked with the first.
    other = login(Client(), "claire", PASSWORD, headers={"x-forwarded-for": "198.51.100.9"})
    assert other.status_code == 302


def test_without_a_proxy_a_forged_forwarded_header_does_not_escape_the_lock(client, author):
    for _attempt in range(5):
        login(client, "claire", "non")
    forged = login(client, "claire", PASSWORD, headers={"x-forwarded-for": "192.0.2.1"})
    assert forged.status_code == 429


@pytest.mark.parametrize(
    ("remote", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.7", "", False, "203.0.113.7"),
        ("127.0.0.1", "192.0.2.1, 203.0.113.7", True, "203.0.113.7"),
        ("127.0.0.1", "192.0.2.1, 203.0.113.7", False, "127.0.0.1"),
        ("127.0.0.1", "pas une adresse", True, None),
        ("", "", False, None),
        ("2001:db8::1", "", False, "2001:db8::1"),
    ],
)
def test_client_ip(settings, remote, forwarded, trusted, expected):
    settings.CONTACT_TRUST_X_FORWARDED_FOR = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# --- Oversized requests -------------------------------------------------------------------


def test_an_oversized_request_gets_a_french_413_and_no_mail(db, settings):
    settings.ADMINS = [("Admin", "claire@example.org")]
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("contact:form"))  # the CSRF cookie, so the body is what gets refused
    body = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(reverse("contact:form"), {"message": body})
    assert response.status_code == 413
    text = response.content.decode()
    assert "trop volumineux" in text.lower()
    assert '<meta name="robots" content="noindex">' in text
    # A bot's noise: logged, not mailed.
    assert mail.outbox == []


def test_too_many_fields_gets_a_french_400(db, settings):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("admin:login"))
    fields = {f"champ{number}": "x" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post(reverse("admin:login"), fields)
    assert response.status_code == 400
    assert "Requête refusée" in response.content.decode()


def test_the_limits_leave_room_for_a_long_post_and_stay_bounded(settings):
    assert 1_000_000 <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 10_000_000
    assert 500 <= settings.DATA_UPLOAD_MAX_NUMBER_FIELDS <= 5000
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES <= 100


# --- Errors seen --------------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_a_server_error_shows_the_french_page_and_mails_the_admins(db, settings, capsys):
    settings.ADMINS = [("Admin", "claire@example.org")]
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    text = response.content.decode()
    assert '<html lang="fr">' in text
    # The reader's page, translated (templates/500.html), not Django's bare one.
    assert "Something broke on our side" not in text
    assert "Server Error (500)" not in text
    assert len(mail.outbox) == 1
    report = mail.outbox[0]
    assert report.to == ["claire@example.org"]
    assert "/boom/" in report.subject
    assert "RuntimeError at /boom/" in report.body
    assert "boom: something broke in a view" in report.body


def test_errors_are_logged_to_stderr():
    handlers = logging.getLogger("django").handlers
    console = [handler for handler in handlers if type(handler) is logging.StreamHandler]
    assert console
    assert console[0].level <= logging.ERROR
    mailers = [handler for handler in handlers if handler.__class__.__name__ == "AdminEmailHandler"]
    assert mailers and mailers[0].level == logging.ERROR


# --- The policy in a real browser ---------------------------------------------------------

CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""

TABLE_AND_IMAGE = (
    "Un tableau aligné :\n\n| Gauche | Centre | Droite |\n|:--|:-:|--:|\n| a | b | c |\n\n"
    '<img src="/static/admin/img/icon-yes.svg" alt="oui" style="width: 24px">\n\n'
    "<!--more-->\n\nLa suite."
)


@pytest.mark.browser
def test_no_page_breaks_the_policy_in_chromium(browser_page, transactional_db, make_post, author):
    post = make_post("Un billet avec un tableau", body=TABLE_AND_IMAGE, tags=["et moi"])
    page = browser_page
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.add_init_script(CSP_WATCH)

    def visit(name: str, url: str) -> None:
        response = page.goto(url)
        assert response is not None and response.status < 400, (name, response and response.status)
        assert "default-src 'self'" in response.headers["content-security-policy"], name
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(page.screenshot_dir / f"csp-{name}.png"), full_page=True)
        violations = page.evaluate("window.__cspViolations")
        assert violations == [], (name, violations)

    tag = Tag.objects.get(name="et moi")
    visit("home", reverse("blog:home"))
    visit("post", post.get_absolute_url())
    visit("tag", reverse("blog:tag", kwargs={"slug": tag.slug}))
    visit("search", reverse("blog:search") + "?q=tableau")
    visit("contact", reverse("contact:form"))
    visit("admin-login", reverse("admin:login"))
    page.fill("input[name=username]", "claire")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**" + reverse("admin:index"))
    visit("admin-index", reverse("admin:index"))
    visit("admin-post-list", reverse("admin:blog_post_changelist"))
    visit("admin-post-add", reverse("admin:blog_post_add"))
    visit("admin-post-change", reverse("admin:blog_post_change", args=[post.pk]))
    # The preview puts the rendered post (style attributes included) into the admin page.
    page.click(".carnet-tab-preview")
    page.wait_for_selector(".carnet-preview table")
    page.screenshot(path=str(page.screenshot_dir / "csp-admin-preview.png"))
    assert page.evaluate("window.__cspViolations") == []

    # The lockout page as the author would meet it: French, in the site's layout, CSP-clean.
    page.context.clear_cookies()
    for _attempt in range(5):
        page.goto(reverse("admin:login"))
        page.fill("input[name=username]", "claire")
        page.fill("input[name=password]", "pas le bon")
        page.click("input[type=submit]")
    assert page.locator("h1").inner_text() == "Trop de tentatives de connexion"
    page.screenshot(path=str(page.screenshot_dir / "csp-admin-lockout.png"), full_page=True)
    assert page.evaluate("window.__cspViolations") == []

    assert not [line for line in console if "Content Security Policy" in line], console
    assert not [line for line in console if line.startswith("pageerror")], console
    # The watch itself works: an inline script is reported.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '1';"
        " document.body.append(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__cspViolations")
