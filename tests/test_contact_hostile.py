"""Random and hostile input thrown at the contact form: never a 500, never a second header line."""

from __future__ import annotations

from email import message_from_bytes

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from contact.models import Message

from .test_contact import aged_token

URL = "/contact/"
# Text with the characters that break things: controls, line and paragraph separators, markup,
# quotes, right-to-left marks, emoji, NUL.
nasty = st.lists(
    st.one_of(
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20),
        st.sampled_from(["\r", "\n", "\x00", "\x1b", "\u2028", "\u202e", "<", ">", '"', "'", "&"]),
        st.sampled_from(["<script>", "Bcc: x@example.net", "=cmd|' /C calc'!A0", "%0d%0a"]),
    ),
    max_size=15,
).map("".join)
fuzz = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.CONTACT_RECIPIENTS = ["autrice@example.org"]
    settings.CONTACT_RATE_LIMIT = "0"
    settings.CONTACT_MIN_SECONDS = 3


@fuzz
@given(name=nasty, email=nasty, subject=nasty, message=nasty, consent=nasty, website=nasty)
def test_any_form_input_gets_an_answer_not_a_crash(
    client, db, mailoutbox, name, email, subject, message, consent, website
):
    data = {
        "name": name,
        "email": email,
        "subject": subject,
        "message": message,
        "consent": consent,
        "website": website,
        "token": aged_token(60),
    }
    before = Message.objects.count()
    response = client.post(URL, data)
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert Message.objects.count() == before
        assert "Votre message n’est pas encore parti" in response.content.decode()
        return
    stored = Message.objects.latest("id")
    for line in (stored.name, stored.subject):
        assert not any(char in line for char in "\r\n\x00\u2028")
    for sent in mailoutbox:
        parsed = message_from_bytes(sent.message().as_bytes())
        assert parsed["Bcc"] is None and parsed["Cc"] is None
        assert parsed.get_all("To") == ["autrice@example.org"]
    mailoutbox.clear()


@fuzz
@given(token=nasty)
def test_any_token_is_refused_cleanly(client, db, token):
    response = client.post(
        URL,
        {
            "name": "Lou",
            "email": "lou@example.org",
            "message": "Bonjour",
            "consent": "on",
            "token": token,
        },
    )
    assert response.status_code == 400
    assert not Message.objects.exists()


@fuzz
@given(subject=nasty, extra=st.dictionaries(nasty, nasty, max_size=3))
def test_any_query_string_shows_the_form(client, db, subject, extra):
    response = client.get(URL, {**extra, "subject": subject})
    assert response.status_code == 200
    prefilled = response.context["form"].initial.get("subject", "")
    assert "\n" not in prefilled and "\r" not in prefilled and len(prefilled) <= 150


@fuzz
@given(name=nasty, subject=nasty, message=nasty)
def test_hostile_text_in_a_valid_form_is_stored_one_line_and_mailed_safely(
    client, db, mailoutbox, name, subject, message
):
    data = {
        "name": name,
        "email": "lou@example.org",
        "subject": subject,
        "message": message,
        "consent": "on",
        "website": "",
        "token": aged_token(60),
    }
    response = client.post(URL, data)
    event(f"HTTP {response.status_code}")
    if response.status_code == 400:
        # Only what the form documents: empty after cleaning, too long, or a NUL character.
        form = response.context["form"]
        assert set(form.errors) <= {"name", "message", "subject"}
        return
    assert response.status_code == 302
    stored = Message.objects.latest("id")
    assert not any(char in stored.name + stored.subject for char in "\r\n\x00\u2028\u2029")
    for sent in mailoutbox:
        raw = sent.message().as_bytes()
        parsed = message_from_bytes(raw)
        assert parsed["Bcc"] is None and parsed["Cc"] is None
        assert parsed.get_all("To") == ["autrice@example.org"]
        assert parsed.get_content_type() == "text/plain"
    mailoutbox.clear()
