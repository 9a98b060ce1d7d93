"""The contact form in headless Chromium: a reader writes, the author finds it in her inbox."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from contact.models import Message

pytestmark = pytest.mark.browser

CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def assert_no_csp_violation(page) -> None:
    assert page.evaluate("window.__cspViolations || []") == []


@pytest.fixture
def contact_settings(settings):
    settings.CONTACT_RECIPIENTS = ["autrice@example.org"]
    settings.CONTACT_MIN_SECONDS = 0  # a script types faster than a person
    settings.CONTACT_RATE_LIMIT = "5/h"


def test_a_reader_writes_and_the_author_finds_it_in_the_admin(
    browser_page, axe_violations, contact_settings, mailoutbox
):
    page = browser_page
    shots = page.screenshot_dir
    # Without JavaScript: the form must work as plain HTML.
    page.context.route("**/*.js", lambda route: route.abort())
    page.add_init_script(CSP_WATCH)

    page.goto("/contact/?subject=Votre%20billet%20sur%20la%20sobri%C3%A9t%C3%A9")
    assert page.locator("h1").inner_text() == "Prendre contact"
    assert page.get_by_label("Objet (facultatif)").input_value() == "Votre billet sur la sobriété"
    page.get_by_label("Votre nom").fill("Camille <b>Martin</b>")
    page.get_by_label("Votre adresse e-mail").fill("camille@example.org")
    page.get_by_label("Votre message").fill("Bonjour,\nmerci pour ce billet <script>x()</script>.")
    # The honeypot is there for bots, out of sight for people.
    trap = page.locator(".contact-trap").bounding_box()
    assert trap is not None and trap["width"] <= 1 and trap["height"] <= 1
    page.screenshot(path=shots / "contact-form.png", full_page=True)
    assert axe_violations(page) == []
    assert_no_csp_violation(page)

    # Forgetting the consent: the server says what is missing and keeps the text.
    page.locator("form.contact-form").evaluate("form => form.noValidate = true")
    page.get_by_role("button", name="Envoyer").click()
    assert page.locator(".form-errors").is_visible()
    assert page.get_by_label("Votre message").input_value().startswith("Bonjour,\nmerci")
    assert page.locator("#id_consent").get_attribute("aria-invalid") == "true"
    page.screenshot(path=shots / "contact-error.png", full_page=True)
    assert axe_violations(page) == []
    assert_no_csp_violation(page)

    page.locator("#id_consent").check()
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url("**/contact/merci/")
    assert "Merci, votre message est bien arrivé" in page.locator("h1").inner_text()
    page.screenshot(path=shots / "contact-thanks.png", full_page=True)

    message = Message.objects.get()
    assert message.notification_status == Message.Notification.SENT
    assert mailoutbox[0].reply_to == ['"Camille <b>Martin</b>" <camille@example.org>']

    page.context.unroute("**/*.js")
    get_user_model().objects.create_superuser("autrice", "autrice@example.org", "un-mot-de-passe")
    page.goto("/admin/login/?next=/admin/contact/message/")
    page.get_by_label("Nom d’utilisateur").fill("autrice")
    page.get_by_label("Mot de passe").fill("un-mot-de-passe")
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url("**/admin/contact/message/")
    row = page.locator("#result_list tbody tr").first
    assert "Votre billet sur la sobriété" in row.inner_text()
    assert "Camille <b>Martin</b>" in row.inner_text()  # shown as text, not as markup
    assert "1 message non lu" in page.content()
    page.screenshot(path=shots / "contact-admin-inbox.png", full_page=True)
    assert_no_csp_violation(page)

    row.get_by_role("link", name="Votre billet sur la sobriété").click()
    content = page.locator("#content").inner_text()
    assert "merci pour ce billet <script>x()</script>." in content
    reply = page.get_by_role("link", name="Répondre depuis ma messagerie")
    assert reply.get_attribute("href").startswith("mailto:camille@example.org?subject=Re%3A%20")
    page.screenshot(path=shots / "contact-admin-message.png", full_page=True)
    assert_no_csp_violation(page)
