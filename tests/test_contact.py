"""The contact form: storing, notifying, retrying, and keeping bots and hostile input out."""

from __future__ import annotations

import re
import signal
import socketserver
import threading
import time
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from html import unescape
from io import StringIO

import pytest
from django.core import signing
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blog.models import SiteIdentity
from contact import spam
from contact.models import Message
from contact.notifications import send_notification

from .conftest import skip_or_fail

URL = "/contact/"
HOSTILE = '<script>alert("x")</script>\r\nBcc: victim@example.net\r\n\r\nInjected'


def aged_token(seconds: float) -> str:
    """A genuine token, as if the form had been shown `seconds` ago."""

    class PastSigner(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time() - seconds))

    return PastSigner(salt=spam.TOKEN_SALT).sign("contact")


def form_data(**overrides) -> dict:
    data = {
        "name": "Camille Martin",
        "email": "camille@example.org",
        "subject": "Votre billet sur l’écoconception",
        "message": "Bonjour,\n\nMerci pour ce billet.\nÀ bientôt.",
        "consent": "on",
        "website": "",
        "token": aged_token(60),
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _contact_settings(settings):
    settings.CONTACT_RECIPIENTS = ["autrice@example.org"]
    settings.CONTACT_SEND_ACKNOWLEDGEMENT = False
    settings.CONTACT_RATE_LIMIT = "5/h"
    settings.CONTACT_MIN_SECONDS = 3
    settings.CONTACT_MAX_AGE_SECONDS = 3600
    settings.CONTACT_TRUST_X_FORWARDED_FOR = False
    settings.SITE_URL = "https://carnet.example"


# The form page ----------------------------------------------------------------------------


def test_form_shows_fields_intro_and_subject_from_a_post(client, db):
    SiteIdentity.objects.create(contact_intro="Écrivez-moi <script>x()</script>\n\nVraiment.")
    response = client.get(URL, {"subject": "Re: Un billet\r\nBcc: x@example.net"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    for name in ("name", "email", "subject", "message", "consent", "website", "token"):
        assert f'name="{name}"' in html
    assert "Écrivez-moi &lt;script&gt;x()&lt;/script&gt;" in html
    assert "<script>" not in html
    # The pre-filled subject is one line: no header smuggled in through the address bar.
    assert 'value="Re: Un billet Bcc: x@example.net"' in html
    assert "365 jours" in html  # the consent text says for how long
    assert 'tabindex="-1"' in html and 'autocomplete="off"' in html
    assert 'class="contact-trap visually-hidden" aria-hidden="true"' in html


def test_a_post_links_to_the_form_with_its_title_as_subject(client, make_post):
    post = make_post("L’écoconception & moi")
    html = client.get(post.get_absolute_url()).content.decode()
    link = re.search(r'href="(/contact/\?subject=[^"]+)"', html).group(1)
    form = client.get(unescape(link)).context["form"]
    assert form.initial["subject"] == "L’écoconception & moi"


def test_the_invitation_written_in_a_post_fills_the_subject_too(client, make_post):
    # "prendre contact" written in the text links to /contact/ with no subject: the post it
    # comes from says it (browsers send the address of same-site pages).
    post = make_post("Le grand saut", body="Ne vous retenez pas de [prendre contact](/contact/).")
    page = "http://testserver" + post.get_absolute_url()
    form = client.get(URL, HTTP_REFERER=page).context["form"]
    assert form.initial["subject"] == "Le grand saut"
    for elsewhere in ("https://ailleurs.example" + post.get_absolute_url(), "http://testserver/"):
        assert "subject" not in client.get(URL, HTTP_REFERER=elsewhere).context["form"].initial
    given = client.get(URL, {"subject": "Autre"}, HTTP_REFERER=page).context["form"]
    assert given.initial["subject"] == "Autre"


def test_form_page_runs_few_queries(client, db, django_assert_max_num_queries):
    client.get(URL)  # warms the cached site identity
    with django_assert_max_num_queries(1):
        assert client.get(URL).status_code == 200


def test_long_subject_from_a_post_is_cut_to_fit(client, db):
    response = client.get(URL, {"subject": "é" * 400})
    form = response.context["form"]
    assert len(form.initial["subject"]) == 150


# A valid message ------------------------------------------------------------------------


def test_an_address_with_an_accented_domain_is_notified(client, db, mailoutbox):
    # Valid for Django's EmailField; the mail server needs its domain in punycode.
    response = client.post(URL, form_data(email="zoe@exämple.org", name="Zoé, « la vraie »"))
    assert response["Location"] == reverse("contact:thanks")
    message = Message.objects.get()
    assert message.notification_status == Message.Notification.SENT
    [email] = mailoutbox
    reply_to = email.message()["Reply-To"]
    assert "xn--exmple-cua.org" in reply_to and reply_to.isascii()
    assert str(make_header(decode_header(email.reply_to[0]))).startswith("Zoé, « la vraie »")


def test_a_message_no_mail_can_carry_does_not_block_the_others(db, mailoutbox, monkeypatch):
    from contact import notifications

    broken = Message.objects.create(name="Casse", email="casse@example.org", message="x")
    after = Message.objects.create(name="Après", email="apres@example.org", message="y")
    Message.objects.filter(pk__in=[broken.pk, after.pk]).update(
        notification_status=Message.Notification.FAILED
    )
    real = notifications.notification_body

    def body(message):
        if message.pk == broken.pk:
            raise UnicodeEncodeError("ascii", "ä", 0, 1, "a bug")
        return real(message)

    monkeypatch.setattr(notifications, "notification_body", body)
    with pytest.raises(CommandError, match="1 en échec"):  # cron mails the failure
        call_command("send_contact_notifications", stdout=StringIO())
    [email] = mailoutbox
    assert str(make_header(decode_header(email.reply_to[0]))) == "Après <apres@example.org>"
    broken.refresh_from_db()
    assert broken.notification_status == Message.Notification.FAILED
    assert "UnicodeEncodeError" in broken.notification_error


def test_valid_message_is_stored_then_notified_with_reply_to(client, db, mailoutbox):
    response = client.post(URL, form_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("contact:thanks")

    message = Message.objects.get()
    assert message.name == "Camille Martin"
    assert message.consent is True
    assert message.status == Message.Status.NEW
    assert message.notification_status == Message.Notification.SENT
    assert message.notification_attempts == 1
    assert message.notified_at is not None

    [email] = mailoutbox
    assert email.to == ["autrice@example.org"]
    assert email.reply_to == ["Camille Martin <camille@example.org>"]
    assert email.subject == "[Carnet] Votre billet sur l’écoconception"
    assert "Merci pour ce billet.\nÀ bientôt." in email.body
    assert f"https://carnet.example/admin/contact/message/{message.pk}/change/" in email.body
    assert not getattr(email, "alternatives", [])  # plain text only

    thanks = client.get(response["Location"])
    assert "Merci, votre message est bien arrivé" in thanks.content.decode()


def test_a_message_sent_twice_is_stored_and_notified_once(client, db, mailoutbox, settings):
    settings.CONTACT_RATE_LIMIT = "1/h"
    for _click in range(2):
        response = client.post(URL, form_data())
        # The second click gets the same thanks, not the rate limit's refusal.
        assert response.status_code == 302
        assert response["Location"] == reverse("contact:thanks")
    assert Message.objects.count() == 1
    assert len(mailoutbox) == 1
    # Another message is another message (and now the rate limit speaks).
    assert client.post(URL, form_data(message="Et une autre question.")).status_code == 429


@pytest.mark.django_db(transaction=True)
def test_two_clicks_sent_together_are_stored_once(settings, monkeypatch, mailoutbox):
    """The second click arrives while the first is still on its way (a slow rate limit)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: no two clicks to store at once")
    settings.CONTACT_RATE_LIMIT = "0"
    real = spam.register_submission

    def slow(address, now=None):
        time.sleep(0.4)
        return real(address, now)

    monkeypatch.setattr(spam, "register_submission", slow)
    codes = []

    def click():
        codes.append(Client().post(URL, form_data()).status_code)
        connection.close()

    clicks = [threading.Thread(target=click) for _ in range(2)]
    for thread in clicks:
        thread.start()
        time.sleep(0.1)
    for thread in clicks:
        thread.join()
    assert codes == [302, 302]
    assert Message.objects.count() == 1
    assert len(mailoutbox) == 1


def test_the_same_text_is_a_new_message_later_or_from_someone_else(client, db, mailoutbox):
    client.post(URL, form_data())
    Message.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    client.post(URL, form_data())
    client.post(URL, form_data(email="dominique@example.org"))
    client.post(URL, form_data(subject="Un autre sujet"))
    assert Message.objects.count() == 4
    assert len(mailoutbox) == 4


def test_message_without_subject_is_named_after_its_author(client, db, mailoutbox):
    client.post(URL, form_data(subject=""))
    assert mailoutbox[0].subject == "[Carnet] Message de Camille Martin"


def test_notification_falls_back_to_managers(client, db, mailoutbox, settings):
    settings.CONTACT_RECIPIENTS = []
    settings.MANAGERS = [("Autrice", "gerante@example.org")]
    client.post(URL, form_data())
    assert mailoutbox[0].to == ["gerante@example.org"]


def test_no_recipient_keeps_message_failed_with_a_reason(client, db, mailoutbox, settings):
    settings.CONTACT_RECIPIENTS = []
    settings.MANAGERS = []
    assert client.post(URL, form_data()).status_code == 302
    message = Message.objects.get()
    assert message.notification_status == Message.Notification.FAILED
    assert "CONTACT_RECIPIENTS" in message.notification_error
    assert mailoutbox == []


def test_acknowledgement_carries_nothing_the_reader_typed(client, db, mailoutbox, settings):
    settings.CONTACT_SEND_ACKNOWLEDGEMENT = True
    client.post(URL, form_data(name="Achetez", subject="Promo", message="Promo promo promo"))
    notification, acknowledgement = mailoutbox
    assert acknowledgement.to == ["camille@example.org"]
    assert "est bien arrivé" in acknowledgement.body
    for typed in ("Achetez", "Promo"):
        assert typed not in acknowledgement.body + acknowledgement.subject
    assert Message.objects.get().acknowledged_at is not None


def test_missing_fields_keep_what_was_typed(client, db):
    response = client.post(URL, form_data(email="", consent=""))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Votre message n’est pas encore parti" in html
    assert "Merci pour ce billet." in html
    assert 'aria-invalid="true"' in html
    assert "conservé" in html  # the consent error says why it is needed
    assert not Message.objects.exists()


# CSRF -------------------------------------------------------------------------------------


def test_csrf_is_enforced(db, mailoutbox):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(URL, form_data()).status_code == 403
    assert not Message.objects.exists()

    page = browser.get(URL)
    token = page.context["csrf_token"]
    response = browser.post(URL, form_data(csrfmiddlewaretoken=str(token)))
    assert response.status_code == 302
    assert Message.objects.count() == 1


def test_an_expired_csrf_cookie_keeps_the_readers_text(db, mailoutbox):
    # The cookie expired, or was refused: the text she typed comes back, in French, with
    # what it takes to send it again at once.
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(URL, form_data(message="Un long message tapé avec soin."))
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="fr">' in html and "Votre texte est toujours là" in html
    assert "Un long message tapé avec soin." in html
    again = response.context["form"].data
    data = {key: again[key] for key in again}
    data["csrfmiddlewaretoken"] = str(response.context["csrf_token"])
    assert browser.post(URL, data).status_code == 302
    assert Message.objects.get().message == "Un long message tapé avec soin."


def test_a_bot_refused_by_the_csrf_check_gets_no_ripe_time_token(db):
    # No cookie, a forged time token: the form comes back, but sending it at once is still
    # "too fast", as for any bot.
    bot = Client(enforce_csrf_checks=True)
    first = bot.post(URL, form_data(token="forged"))
    assert first.status_code == 403
    again = first.context["form"].data
    data = {key: again[key] for key in again}
    data["csrfmiddlewaretoken"] = str(first.context["csrf_token"])
    response = bot.post(URL, data)
    assert response.status_code == 400 and "bien vite" in response.content.decode()
    assert not Message.objects.exists()


def test_other_forms_refused_by_the_csrf_check_get_a_french_page(db):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/search/", {"q": "x"})
    assert response.status_code in (403, 405)
    login = browser.post("/admin/login/", {"username": "a", "password": "b"})
    assert login.status_code == 403
    assert (
        '<html lang="fr">' in login.content.decode()
        and "Formulaire expiré" in login.content.decode()
    )


# Bots ---------------------------------------------------------------------------------------


def test_honeypot_blocks_a_bot_and_says_so(client, db, mailoutbox):
    response = client.post(URL, form_data(website="https://spam.example"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "rempli par un programme" in html
    assert "Merci pour ce billet." in html  # a person who tripped on it keeps the text
    assert "https://spam.example" not in html  # and gets an empty trap back
    assert not Message.objects.exists() and mailoutbox == []


def test_a_form_sent_too_fast_is_refused_and_kept(client, db):
    response = client.post(URL, form_data(token=aged_token(1)))
    html = response.content.decode()
    assert response.status_code == 400
    assert "bien vite" in html
    assert "Merci pour ce billet." in html
    assert not Message.objects.exists()
    # The same token, once old enough, goes through: the reader only has to wait.
    token = response.context["form"].data["token"]
    spam.check_token(token, now=time.time() + 5)


def test_a_form_opened_too_long_ago_is_refused_with_a_new_token(client, db):
    old = aged_token(7200)
    response = client.post(URL, form_data(token=old))
    assert response.status_code == 400
    assert "ouvert il y a trop longtemps" in response.content.decode()
    assert response.context["form"].data["token"] != old
    assert not Message.objects.exists()
    # She has long typed her text: sending again at once is no "very fast" refusal.
    again = response.context["form"].data
    response = client.post(URL, {key: again[key] for key in again})
    assert response.status_code == 302 and Message.objects.count() == 1


@pytest.mark.parametrize("token", ["", "contact:1a2b3c:forged", signing.Signer().sign("contact")])
def test_missing_or_forged_token_blocks_a_bot(client, db, token):
    response = client.post(URL, form_data(token=token))
    assert response.status_code == 400
    assert "n’a pas pu être vérifié" in response.content.decode()
    assert not Message.objects.exists()


def test_rate_limit_blocks_a_bot_that_waits_and_fills_the_form_right(client, db, mailoutbox):
    for n in range(5):
        assert client.post(URL, form_data(message=f"Message n°{n}")).status_code == 302
    response = client.post(URL, form_data(message="Encore un"))
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    html = response.content.decode()
    assert "plusieurs messages en peu de temps" in html
    assert "Encore un" in html
    assert Message.objects.count() == 5
    # Another address is not affected.
    other = client.post(URL, form_data(message="Un autre"), REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302


def test_rate_limit_zero_is_off(client, db, settings):
    settings.CONTACT_RATE_LIMIT = "0"
    for _ in range(8):
        assert client.post(URL, form_data()).status_code == 302


def test_forwarded_address_is_only_trusted_when_told(client, db, settings):
    settings.CONTACT_RATE_LIMIT = "1/h"

    def text(n):
        return form_data(message=f"Message n°{n}")

    assert client.post(URL, text(1), HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 302
    # Not trusted: a forged header does not buy a new allowance.
    assert client.post(URL, text(2), HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 429

    settings.CONTACT_TRUST_X_FORWARDED_FOR = True
    via_proxy = {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 198.51.100.3"}
    assert client.post(URL, text(3), **via_proxy).status_code == 302
    assert client.post(URL, text(4), **via_proxy).status_code == 429


def test_client_address_groups_ipv6_by_64(rf, settings):
    settings.CONTACT_TRUST_X_FORWARDED_FOR = False
    one = rf.get("/", REMOTE_ADDR="2001:db8:1:2::1")
    two = rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert spam.client_address(one) == spam.client_address(two) == "2001:db8:1:2::/64"
    assert spam.client_address(rf.get("/", REMOTE_ADDR="::ffff:192.0.2.1")) == "192.0.2.1"
    assert spam.client_address(rf.get("/", REMOTE_ADDR="garbage")) == "unknown"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5/h", spam.Rate(5, 3600)),
        ("10/30m", spam.Rate(10, 1800)),
        ("2/d", spam.Rate(2, 86400)),
        ("1/s", spam.Rate(1, 1)),
        ("0", None),
        ("", None),
        ("0/h", None),
    ],
)
def test_parse_rate(value, expected):
    assert spam.parse_rate(value) == expected


def test_parse_rate_refuses_nonsense():
    with pytest.raises(ValueError, match="CONTACT_RATE_LIMIT"):
        spam.parse_rate("five an hour")


def test_rate_limit_window_restarts(settings):
    settings.CONTACT_RATE_LIMIT = "2/m"
    start = 1_000_040.0  # 20 s into a minute window
    assert spam.register_submission("192.0.2.1", now=start) == 0
    assert spam.register_submission("192.0.2.1", now=start + 1) == 0
    assert spam.register_submission("192.0.2.1", now=start + 2) == 38
    assert spam.register_submission("192.0.2.1", now=start + 41) == 0


@pytest.mark.redis
def test_rate_limit_holds_in_redis_across_processes(client, db, settings):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/2", socket_timeout=1).ping()
    except redis.exceptions.RedisError as error:
        skip_or_fail(f"Redis is not reachable at 127.0.0.1:6379 ({error})")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/2",
            "KEY_PREFIX": f"carnet-test-{time.time_ns()}",
        }
    }
    settings.CONTACT_RATE_LIMIT = "3/h"
    results = [client.post(URL, form_data(message=f"N°{n}")).status_code for n in range(4)]
    assert results == [302, 302, 302, 429]
    # The counter is in Redis, where another gunicorn worker would read it.
    raw = redis.Redis.from_url("redis://127.0.0.1:6379/2")
    keys = raw.keys(f"{settings.CACHES['default']['KEY_PREFIX']}:*contact:rate:127.0.0.1:*")
    assert len(keys) == 1 and int(raw.get(keys[0])) == 4
    raw.delete(*keys)


# Heuristics ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"message": " ".join(f"https://s{i}.example" for i in range(4))}, "4 liens"),
        ({"name": "www.cheap.example"}, "un lien dans le nom"),
        ({"message": "Best CASINO bonus"}, "le mot «\u00a0casino\u00a0»"),
    ],
)
def test_spammy_message_is_filed_as_spam_not_notified(client, db, mailoutbox, fields, reason):
    response = client.post(URL, form_data(**fields))
    assert response.status_code == 302  # a false positive is not told off
    message = Message.objects.get()
    assert message.status == Message.Status.SPAM
    assert message.notification_status == Message.Notification.SKIPPED
    assert message.spam_reason == reason
    assert mailoutbox == []


@pytest.mark.parametrize(
    "links",
    [
        "https://www.exemple-coop.fr/ et https://www.wiki-coop.org/",
        '<a href="https://a.example">a</a>, [url=http://b.example]b[/url] et www.c.example',
    ],
)
def test_each_link_counts_once(links):
    # `https://www.…` is one link, not two: a reader pasting two or three is no spammer.
    assert spam.spam_reason(name="Lou", subject="Liens", message=links) == ""


def test_links_joined_by_commas_each_count():
    text = ",".join(f"https://spam{i}.example/buy" for i in range(8))
    assert spam.spam_reason(name="Lou", subject="Hi", message=text) == "8 liens"


def test_ordinary_words_and_a_link_are_not_spam():
    assert (
        spam.spam_reason(
            name="Lou",
            subject="Casinos et écologie ?",  # "casinos" is not the word "casino"
            message="Voici mon site : https://lou.example, et www.asso.example",
        )
        == ""
    )


# Mail server down ---------------------------------------------------------------------------


class SMTPStub(socketserver.ThreadingTCPServer):
    """A tiny SMTP server on loopback that refuses recipients (554) or accepts mail."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SMTPHandler)
        self.accept = False
        self.drip = 0.0
        self.received: list[bytes] = []


class SMTPHandler(socketserver.StreamRequestHandler):
    timeout = 5

    def reply(self, line: str) -> None:
        if self.server.drip:
            # Just in time for each network step, far too slow in all.
            for byte in line.encode() + b"\r\n":
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(self.server.drip)
            return
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 stub ESMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.reply("250-stub")
                self.reply("250 8BITMIME")
            elif verb in (b"HELO", b"MAIL", b"RSET", b"NOOP"):
                self.reply("250 OK")
            elif verb == b"RCPT":
                self.reply("250 OK" if self.server.accept else "554 5.7.1 Relay refused")
            elif verb == b"DATA":
                self.reply("354 Go ahead")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                self.server.received.append(b"".join(lines))
                self.reply("250 Queued")
            elif verb == b"QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Not implemented")


@pytest.fixture
def smtp_stub(settings):
    server = SMTPStub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.server_address[1]
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.shutdown()
    server.server_close()


def test_a_slow_mail_server_keeps_the_reader_waiting_no_longer_than_email_timeout(
    client, db, smtp_stub, settings
):
    # Each byte in 0.1 s, each step well within EMAIL_TIMEOUT, the whole exchange ~10 s:
    # past gunicorn's 30 s timeout with a few more steps, and the reader got no page.
    smtp_stub.accept = True
    smtp_stub.drip = 0.1
    settings.EMAIL_TIMEOUT = 1
    started = time.monotonic()
    response = client.post(URL, form_data())
    assert response.status_code == 302  # the thank-you page
    assert time.monotonic() - started < 5
    message = Message.objects.get()
    assert message.notification_status == Message.Notification.FAILED
    assert "plus de 1\u00a0s" in message.notification_error  # the cron command sends it later


def test_the_acknowledgement_gets_only_what_is_left_of_the_wait(client, db, smtp_stub, settings):
    # Each exchange takes about 0.75 s: the notification fits in EMAIL_TIMEOUT, the
    # acknowledgement after it does not, and is given up rather than doubling the wait.
    smtp_stub.accept = True
    smtp_stub.drip = 0.008
    settings.EMAIL_TIMEOUT = 1
    settings.CONTACT_SEND_ACKNOWLEDGEMENT = True
    assert client.post(URL, form_data()).status_code == 302
    message = Message.objects.get()
    assert message.notification_status == Message.Notification.SENT
    assert message.acknowledged_at is None
    assert len(smtp_stub.received) == 1


def test_a_deadline_gives_back_a_timer_already_running():
    from contact.notifications import deadline

    previous = signal.signal(signal.SIGALRM, lambda *args: None)
    signal.setitimer(signal.ITIMER_REAL, 100)
    try:
        with deadline(5):
            pass
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert 90 < remaining <= 100


def test_refusing_mail_server_keeps_the_message_and_the_command_sends_it(
    client, db, smtp_stub, settings
):
    response = client.post(URL, form_data())
    assert response.status_code == 302  # the reader still sees the thank-you page
    message = Message.objects.get()
    assert message.notification_status == Message.Notification.FAILED
    assert "554" in message.notification_error
    assert message.notification_attempts == 1
    assert smtp_stub.received == []

    # Still refusing: the command says so with a non-zero exit, the message waits.
    with pytest.raises(CommandError, match="1 en échec"):
        call_command("send_contact_notifications")
    message.refresh_from_db()
    assert message.notification_attempts == 2

    smtp_stub.accept = True
    call_command("send_contact_notifications")
    message.refresh_from_db()
    assert message.notification_status == Message.Notification.SENT
    assert message.notification_error == ""
    assert message.notification_attempts == 3
    [raw] = smtp_stub.received
    sent = message_from_bytes(raw)
    assert sent["Reply-To"] == "Camille Martin <camille@example.org>"
    assert sent["To"] == "autrice@example.org"

    # Nothing left: a second run sends nothing again.
    call_command("send_contact_notifications")
    assert len(smtp_stub.received) == 1


def test_unreachable_mail_server_keeps_the_message(client, db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard port: nothing listens, the connection is refused
    settings.EMAIL_TIMEOUT = 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    assert client.post(URL, form_data()).status_code == 302
    message = Message.objects.get()
    assert message.notification_status == Message.Notification.FAILED
    assert message.notification_error


def test_command_sends_later_to_a_server_that_accepts(db, mailoutbox):
    message = Message.objects.create(
        name="Lou",
        email="lou@example.org",
        message="Bonjour",
        notification_status=Message.Notification.FAILED,
        notification_attempts=1,
        last_attempt_at=timezone.now(),
    )
    call_command("send_contact_notifications")
    message.refresh_from_db()
    assert message.notification_status == Message.Notification.SENT
    assert mailoutbox[0].reply_to == ["Lou <lou@example.org>"]


def test_command_leaves_sent_spam_and_in_flight_messages_alone(db, mailoutbox):
    now = timezone.now()
    Message.objects.create(
        name="Envoyé",
        email="a@example.org",
        message="x",
        notification_status=Message.Notification.SENT,
    )
    Message.objects.create(
        name="Spam",
        email="b@example.org",
        message="x",
        status=Message.Status.SPAM,
        notification_status=Message.Notification.SKIPPED,
    )
    # Being sent by a request right now: not the command's to take.
    Message.objects.create(
        name="En cours",
        email="c@example.org",
        message="x",
        notification_attempts=1,
        last_attempt_at=now,
    )
    # Left pending by a worker that died twenty minutes ago: taken over.
    stale = Message.objects.create(
        name="Abandonné",
        email="d@example.org",
        message="x",
        notification_attempts=1,
        last_attempt_at=now - timedelta(minutes=20),
    )
    out = StringIO()
    call_command("send_contact_notifications", stdout=out)
    [email] = mailoutbox
    assert str(make_header(decode_header(email.reply_to[0]))) == "Abandonné <d@example.org>"
    stale.refresh_from_db()
    assert stale.notification_status == Message.Notification.SENT
    assert "1 envoyée" in out.getvalue()


def test_two_senders_never_send_the_same_notification_twice(db, mailoutbox):
    message = Message.objects.create(name="Lou", email="lou@example.org", message="x")
    twin = Message.objects.get(pk=message.pk)  # what a second process read at the same time
    assert send_notification(message) is True
    assert send_notification(twin) is None
    assert len(mailoutbox) == 1


# Hostile input ------------------------------------------------------------------------------


def test_script_and_header_injection_come_out_inert(client, db, mailoutbox):
    response = client.post(URL, form_data(name=HOSTILE, subject=HOSTILE, message=HOSTILE))
    assert response.status_code == 302
    message = Message.objects.get()
    assert "\n" not in message.name and "\r" not in message.subject
    assert message.message.startswith('<script>alert("x")</script>\nBcc: victim@example.net')

    [email] = mailoutbox
    raw = email.message().as_bytes()
    headers = raw.split(b"\n\n", 1)[0]
    assert b"victim@example.net" not in headers.replace(b"\n ", b" ").split(b"Subject:")[0]
    parsed = message_from_bytes(raw)
    assert parsed["Bcc"] is None and parsed.get_all("To") == ["autrice@example.org"]
    assert "\n" not in parsed["Subject"].replace("\n ", " ").strip()
    assert email.recipients() == ["autrice@example.org"]
    assert '<script>alert("x")</script>' in email.body  # text, in a text/plain e-mail
    assert parsed.get_content_type() == "text/plain"


def test_header_injection_in_the_email_field_is_refused(client, db, mailoutbox):
    response = client.post(URL, form_data(email="camille@example.org\r\nBcc: victim@example.net"))
    assert response.status_code == 400
    assert "Saisissez une adresse de courriel valide" in response.content.decode()
    assert not Message.objects.exists()


def test_hostile_input_is_escaped_when_the_form_comes_back(client, db):
    response = client.post(URL, form_data(name=HOSTILE, message=HOSTILE, consent=""))
    html = response.content.decode()
    assert response.status_code == 400
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_oversized_input_is_refused_with_a_message(client, db):
    response = client.post(URL, form_data(message="a" * 5001, name="n" * 101))
    html = response.content.decode()
    assert response.status_code == 400
    assert "au plus 5000 caractères" in html
    assert "au plus 100 caractères" in html
    assert not Message.objects.exists()


def test_line_breaks_count_once_as_the_browser_counts_them(client, db, mailoutbox):
    # 5,000 characters as the textarea's maxlength counts them; the browser sends CR LF.
    lines = ["Une ligne de mon message."] * 190
    typed = "\n".join(lines).ljust(5000, ".")
    assert len(typed) == 5000 and typed.count("\n") == 189
    response = client.post(URL, form_data(message=typed.replace("\n", "\r\n")))
    assert response.status_code == 302
    assert Message.objects.get().message == typed.rstrip()

    response = client.post(URL, form_data(message=typed.replace("\n", "\r\n") + "!"))
    assert response.status_code == 400


def test_the_form_and_thanks_pages_have_their_own_titles(client, db):
    page = client.get(URL).content.decode()
    assert "<title>Contact · Carnet</title>" in page
    assert '<meta name="description" content="Écrire à' in page
    refused = client.post(URL, form_data(email="pas une adresse")).content.decode()
    assert "<title>Erreur\u00a0: Contact · Carnet</title>" in refused
    thanks = client.get(client.post(URL, form_data())["Location"]).content.decode()
    assert "<title>Message envoyé · Carnet</title>" in thanks
    assert '<meta name="robots" content="noindex">' in thanks


def test_null_characters_are_refused(client, db):
    response = client.post(URL, form_data(message="a\x00b"))
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_other_control_characters_are_dropped(client, db):
    client.post(URL, form_data(name="Lou\x1b[31m", message="Un\x07 deux\r\ntrois\x0c"))
    message = Message.objects.get()
    assert message.name == "Lou [31m"
    assert message.message == "Un deux\ntrois"


# Purge --------------------------------------------------------------------------------------


def test_purge_deletes_old_archived_and_spam_only(db, settings):
    settings.CONTACT_RETENTION_DAYS = 30
    now = timezone.now()
    old, recent = now - timedelta(days=31), now - timedelta(days=29)

    def make(status, when):
        return Message.objects.create(
            name=status, email="a@example.org", message="x", status=status, created_at=when
        )

    make(Message.Status.ARCHIVED, old)
    make(Message.Status.SPAM, old)
    kept = [
        make(Message.Status.ARCHIVED, recent),
        make(Message.Status.SPAM, recent),
        make(Message.Status.NEW, old),
        make(Message.Status.READ, old),
        make(Message.Status.ANSWERED, old),
    ]
    out = StringIO()
    call_command("purge_contact_messages", "--dry-run", stdout=out)
    assert Message.objects.count() == 7
    assert "2 messages seraient supprimés" in out.getvalue()

    call_command("purge_contact_messages", stdout=out)
    assert set(Message.objects.all()) == set(kept)
    assert "2 messages supprimés" in out.getvalue()

    call_command("purge_contact_messages", "--days", "0", stdout=out)
    assert set(Message.objects.values_list("status", flat=True)) == {"new", "read", "answered"}
