"""A Redis cache that is down costs speed, not pages (site_config/cache.py).

The cache here is Redis at an address where nothing listens: every call fails at once, as when
the server is stopped. No Redis is needed to run these tests.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError

from blog.models import SiteIdentity
from contact.models import Message
from site_config import cache as forgiving

from .test_contact import form_data

DEAD_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing answers there


@pytest.fixture(autouse=True)
def fresh_health(monkeypatch):
    monkeypatch.setattr(forgiving, "_health", forgiving._Health())


@pytest.fixture
def redis_down(settings, db, monkeypatch):
    settings.CACHES = {
        "default": {
            "BACKEND": "site_config.cache.ForgivingRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.PAGE_CACHE_ENABLED = True
    SiteIdentity.forget_current()
    # A test starts with an outage not yet noticed.
    monkeypatch.setattr(forgiving, "_health", forgiving._Health())


def test_every_public_page_answers_while_redis_is_down(redis_down, client, make_post, caplog):
    post = make_post("Un billet", tags=["ess"], categories=["good_job"])
    with caplog.at_level(logging.ERROR, logger="carnet.cache"):
        for url in ("/", post.get_absolute_url(), "/tags/ess/", "/feed.xml", "/search/?q=billet"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert post.get_absolute_url() in response.content.decode(), url
    # Said once, not once a request (the error is mailed to ADMINS in production).
    outages = [record for record in caplog.records if "cannot be reached" in record.message]
    assert len(outages) == 1
    assert "127.0.0.1:9" in outages[0].message


def test_an_edit_made_while_redis_is_down_shows_at_once(
    redis_down, client, make_post, django_capture_on_commit_callbacks
):
    post = make_post("Avant")
    assert "Avant" in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        post.title = "Après"
        post.save()
    home = client.get("/").content.decode()
    assert "Après" in home and "Avant" not in home


def test_a_readers_message_is_stored_and_sent_while_redis_is_down(redis_down, client, db, settings):
    settings.CONTACT_RATE_LIMIT = "1/h"
    settings.CONTACT_RECIPIENTS = ["autrice@example.org"]
    settings.CONTACT_SEND_ACKNOWLEDGEMENT = False
    for n in range(3):
        response = client.post("/contact/", form_data(message=f"Bonjour n°{n}, à bientôt."))
        assert response.status_code == 302, response.content.decode()[:500]
    # The rate limit cannot count without the cache: it lets the messages through.
    assert Message.objects.count() == 3
    assert len(mail.outbox) == 3


def test_a_failing_redis_is_left_alone_for_a_while_then_tried_again(monkeypatch, redis_down):
    calls = []

    def failing_get(self, key, default=None, version=None):
        calls.append(key)
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(RedisCache, "get", failing_get)
    monkeypatch.setattr(
        forgiving.ForgivingRedisCache, "get", forgiving._or_miss("get", forgiving._default)
    )
    # Past the delay the fixture's own failed calls started.
    clock = [forgiving.time.monotonic() + 3600]
    monkeypatch.setattr(forgiving.time, "monotonic", lambda: clock[0])
    assert cache.get("a", "miss") == "miss"
    assert cache.get("b", "miss") == "miss"
    assert calls == ["a"], "no second try within the retry delay"
    clock[0] += forgiving.RETRY_SECONDS
    assert cache.get("c", "miss") == "miss"
    assert calls == ["a", "c"]


def test_redis_back_is_used_again_emptied_and_said(monkeypatch, redis_down, caplog):
    answers = {"up": False}
    cleared = []
    monkeypatch.setattr(RedisCache, "clear", lambda self: cleared.append(True) or True)

    def flaky_get(self, key, default=None, version=None):
        if not answers["up"]:
            raise RedisConnectionError("Connection refused")
        return "kept"

    monkeypatch.setattr(RedisCache, "get", flaky_get)
    monkeypatch.setattr(
        forgiving.ForgivingRedisCache, "get", forgiving._or_miss("get", forgiving._default)
    )
    # Past the delay the fixture's own failed calls started.
    clock = [forgiving.time.monotonic() + 3600]
    monkeypatch.setattr(forgiving.time, "monotonic", lambda: clock[0])
    with caplog.at_level(logging.WARNING, logger="carnet.cache"):
        assert cache.get("k") is None
        answers["up"] = True
        clock[0] += forgiving.RETRY_SECONDS
        assert cache.get("k") == "kept"
        # What was kept from before or during the outage (an old stamp) is not trusted.
        assert cleared == [True]
        assert cache.get("k") == "kept"
    assert cleared == [True], "emptied once, when Redis came back"
    messages = [record.message for record in caplog.records]
    assert sum("cannot be reached" in message for message in messages) == 1
    assert sum("answers again" in message for message in messages) == 1


def test_the_admin_answers_while_redis_is_down(redis_down, admin_client, make_post):
    post = make_post("Un billet")
    admin = f"/{django_settings.ADMIN_URL}"
    for url in (admin, f"{admin}blog/post/", f"{admin}blog/post/{post.pk}/change/"):
        assert admin_client.get(url).status_code == 200, url


def test_a_redis_cache_url_gets_the_forgiving_backend_with_timeouts():
    script = (
        "from django.conf import settings; c = settings.CACHES['default']; o = c['OPTIONS']; "
        "print(c['BACKEND'], o['socket_connect_timeout'], o['socket_timeout'])"
    )
    env = dict(
        os.environ,
        CACHE_URL="redis://127.0.0.1:6379/7",
        DJANGO_SETTINGS_MODULE="site_config.settings",
    )
    out = (
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", script],
            cwd=django_settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.splitlines()[-1]
        .split()
    )
    assert out == ["site_config.cache.ForgivingRedisCache", "1", "1"]
