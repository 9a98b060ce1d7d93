"""The inbox in the admin: escaped reader input, statuses, pending notifications, reply, CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.utils import timezone

from contact.admin import csv_cell, reply_href
from contact.models import Message

CHANGELIST = "/admin/contact/message/"
HOSTILE = '<script>alert("x")</script> Bcc: victim@example.net'


@pytest.fixture
def inbox(db):
    now = timezone.now()

    def make(name: str, **fields) -> Message:
        fields.setdefault("email", f"{name.lower()}@example.org")
        fields.setdefault("message", f"Bonjour, c’est {name}.")
        fields.setdefault("created_at", now - timedelta(hours=len(name)))
        return Message.objects.create(name=name, **fields)

    return make


def test_changelist_escapes_reader_input_and_counts_unread(admin_client, inbox):
    inbox(HOSTILE, subject=HOSTILE, email="lou@example.org")
    inbox("Lu", status=Message.Status.READ)
    response = admin_client.get(CHANGELIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "1 message non lu" in html


def test_changelist_runs_a_fixed_number_of_queries(
    admin_client, inbox, django_assert_max_num_queries
):
    for i in range(30):
        inbox(f"Lecteur{i}")
    admin_client.get(CHANGELIST)
    with django_assert_max_num_queries(12):
        assert admin_client.get(CHANGELIST).status_code == 200


def test_change_page_shows_fields_read_only_escaped_and_marks_read(admin_client, inbox):
    message = inbox(HOSTILE, subject=HOSTILE, message=f"{HOSTILE}\nligne deux")
    response = admin_client.get(f"{CHANGELIST}{message.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    # Read-only: the reader's words are shown, not offered for editing.
    for field in ("name", "email", "subject", "message"):
        assert f'name="{field}"' not in html
    assert 'name="status"' in html
    assert "ligne deux" in html and "<br>ligne deux" in html
    message.refresh_from_db()
    assert message.status == Message.Status.READ


def test_the_author_can_change_the_status_but_not_the_words(admin_client, inbox):
    message = inbox("Lou")
    response = admin_client.post(
        f"{CHANGELIST}{message.pk}/change/",
        {"status": Message.Status.ANSWERED, "name": "Changé", "message": "Changé"},
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == Message.Status.ANSWERED
    assert message.name == "Lou" and message.message == "Bonjour, c’est Lou."


def test_messages_cannot_be_added_from_the_admin(admin_client, db):
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("mark_read", Message.Status.READ),
        ("mark_answered", Message.Status.ANSWERED),
        ("mark_spam", Message.Status.SPAM),
        ("mark_archived", Message.Status.ARCHIVED),
    ],
)
def test_status_actions(admin_client, inbox, action, status):
    chosen = [inbox("Lou"), inbox("Sam")]
    other = inbox("Noé")
    response = admin_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [m.pk for m in chosen]},
        follow=True,
    )
    assert response.status_code == 200
    assert "2 messages marqués" in response.content.decode()
    assert {m.status for m in Message.objects.filter(pk__in=[m.pk for m in chosen])} == {status}
    other.refresh_from_db()
    assert other.status == Message.Status.NEW


def test_a_spam_false_positive_stays_readable_and_can_be_rescued(admin_client, inbox):
    message = inbox(
        "Casino",
        status=Message.Status.SPAM,
        spam_reason="le mot « casino »",
        notification_status=Message.Notification.SKIPPED,
    )
    response = admin_client.get(CHANGELIST, {"status__exact": "spam"})
    assert "Bonjour, c’est Casino." not in response.content.decode()  # list shows the subject
    assert f"{message.pk}/change/" in response.content.decode()
    page = admin_client.get(f"{CHANGELIST}{message.pk}/change/").content.decode()
    assert "Bonjour, c’est Casino." in page and "le mot « casino »" in page
    admin_client.post(CHANGELIST, {"action": "mark_read", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.status == Message.Status.READ


def test_pending_notifications_have_a_filter_and_a_column(admin_client, inbox):
    inbox("Envoyé", notification_status=Message.Notification.SENT)
    inbox(
        "Refusé",
        notification_status=Message.Notification.FAILED,
        notification_attempts=2,
        notification_error="554 Relay refused",
    )
    inbox("Attente")
    inbox("Spam", status=Message.Status.SPAM, notification_status=Message.Notification.SKIPPED)

    html = admin_client.get(CHANGELIST).content.decode()
    assert "En échec (2 tentatives)" in html
    assert "2 notifications pas encore envoyées" in html

    pending = admin_client.get(CHANGELIST, {"notification": "pending"})
    names = {m.name for m in pending.context["cl"].result_list}
    assert names == {"Refusé", "Attente"}
    sent = admin_client.get(CHANGELIST, {"notification": "sent"})
    assert {m.name for m in sent.context["cl"].result_list} == {"Envoyé"}


def test_search_finds_words_in_the_message(admin_client, inbox):
    inbox("Lou", message="Une question sur la coopérative")
    inbox("Sam")
    response = admin_client.get(CHANGELIST, {"q": "coopérative"})
    assert [m.name for m in response.context["cl"].result_list] == ["Lou"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("cooperative", ["Lou"]),
        ("COOPÉRATIVE", ["Lou"]),
        ("zoe", ["Zoé"]),
        ("zoe reponse", ["Zoé"]),
        ("zoé velo", []),
        ("REPONSE", ["Zoé"]),
        ("example.org", ["Lou", "Zoé"]),
    ],
)
def test_search_ignores_accents_and_case(admin_client, inbox, query, found):
    inbox("Lou", message="Une question sur la Coopérative")
    inbox("Zoé", subject="Réponse à votre billet", email="zoe@example.org")
    response = admin_client.get(CHANGELIST, {"q": query})
    assert sorted(m.name for m in response.context["cl"].result_list) == found


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("Mon site : <https://asso-velo.example/atelier>", "asso-velo"),
        ("Écrivez-moi à <jean.dupont@asso.example>", "jean.dupont"),
        ("J’ai lu <Le Monde diplomatique> ce matin", "diplomatique"),
    ],
)
def test_search_finds_what_a_reader_wrote_between_angle_brackets(admin_client, inbox, text, query):
    # Readers write plain text, not HTML: nothing there is a tag to leave out.
    inbox("Lou", message=text)
    inbox("Sam")
    response = admin_client.get(CHANGELIST, {"q": query})
    assert [m.name for m in response.context["cl"].result_list] == ["Lou"]


def test_search_takes_a_quoted_phrase_as_one(admin_client, inbox):
    inbox("Jean Dupont", email="jd@example.org")
    inbox("Dupont Jean", email="dj@example.org")
    response = admin_client.get(CHANGELIST, {"q": '"jean dupont"'})
    assert [m.name for m in response.context["cl"].result_list] == ["Jean Dupont"]


def test_messages_stored_before_the_search_are_found_after_migrate(admin_client, inbox):
    from importlib import import_module

    from django.apps import apps

    inbox("Zoé", subject="Réponse")
    Message.objects.update(search_document="")
    migration = import_module("contact.migrations.0002_message_search_document")
    migration.fill_search_documents(apps, None)
    response = admin_client.get(CHANGELIST, {"q": "reponse"})
    assert [m.name for m in response.context["cl"].result_list] == ["Zoé"]


def test_a_message_edited_in_place_is_searched_as_it_is_now(inbox):
    message = inbox("Lou")
    message.subject = "Été"
    message.save(update_fields=["subject"])
    message.mark_read()
    assert "ete" in Message.objects.get().search_document


def test_reply_link_quotes_the_message_url_encoded(admin_client, inbox):
    message = inbox(
        "Lou & Sam",
        email="lou+blog@example.org",
        subject="Café & co ? 100% d’accord",
        message="Première ligne\nSeconde & dernière ligne",
    )
    href = reply_href(message)
    parts = urlsplit(href)
    assert parts.scheme == "mailto"
    assert unquote(parts.path) == "lou+blog@example.org"
    assert "+" not in parts.query.replace("%2B", "")  # spaces are %20, never "+"
    query = parse_qs(parts.query)
    assert query["subject"] == ["Re: Café & co ? 100% d’accord"]
    body = query["body"][0]
    assert "Lou & Sam a écrit" in body
    assert "> Première ligne\r\n> Seconde & dernière ligne" in body
    # In the page the link is an attribute, escaped once more.
    html = admin_client.get(f"{CHANGELIST}{message.pk}/change/").content.decode()
    assert 'href="mailto:lou%2Bblog@example.org?subject=Re%3A%20Caf%C3%A9%20%26%20co' in html


def test_reply_link_cuts_a_very_long_message(inbox):
    message = inbox("Lou", message="mot " * 2000)
    assert len(reply_href(message)) < 6000


def test_csv_export_neutralises_formulas(admin_client, inbox):
    inbox('=HYPERLINK("http://evil.example")', subject="+33 6 12", message="@SUM(A1)")
    inbox("Lou", subject="-1", message="Ligne 1\nLigne 2, avec virgule")
    response = admin_client.post(
        CHANGELIST,
        {
            "action": "export_csv",
            "_selected_action": list(Message.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    # Semicolons: French spreadsheets read commas as decimal marks, not columns.
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["reçu le", "état", "nom"]
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", rows[1][0])
    by_name = {row[2]: row for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example")' in by_name
    evil = by_name['\'=HYPERLINK("http://evil.example")']
    assert evil[4:6] == ["'+33 6 12", "'@SUM(A1)"]
    assert by_name["Lou"][4:6] == ["'-1", "Ligne 1\nLigne 2, avec virgule"]
    assert by_name["Lou"][1] == "Nouveau"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("ok", "ok"),
        ("", ""),
        (None, ""),
    ],
)
def test_csv_cell(value, expected):
    assert csv_cell(value) == expected


def test_unread_count(inbox):
    inbox("Lou")
    inbox("Sam")
    inbox("Noé", status=Message.Status.READ)
    assert Message.objects.unread_count() == 2


def test_messages_restored_from_an_older_backup_are_found(transactional_db, tmp_path):
    import json
    import tarfile

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from blog.backup import create_backup

    Message.objects.create(name="Zoé", email="zoe@example.org", subject="Réponse", message="Merci")
    archive = create_backup(tmp_path / "backups").path
    # The same archive as written before the inbox's search: no search_document.
    work = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    records = json.loads((work / "data.json").read_text())
    for record in records:
        if record["model"] == "contact.message":
            del record["fields"]["search_document"]
    (work / "data.json").write_text(json.dumps(records))
    older = tmp_path / "older.tar.gz"
    with tarfile.open(older, "w:gz") as tar:
        for path in sorted(work.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(work)), recursive=False)
    call_command("flush", interactive=False, verbosity=0)
    call_command("restore_site", str(older), stdout=io.StringIO())
    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "x" * 12)
    client = Client()
    client.force_login(admin)
    response = client.get(CHANGELIST, {"q": "reponse"})
    assert [m.name for m in response.context["cl"].result_list] == ["Zoé"]
