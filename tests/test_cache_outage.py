"""A Redis cache that is down costs speed, not pages (site_config/cache.py).

The cache here is Redis at an address where nothing listens: every call fails at once, as when
the server is stopped. No Redis is needed to run these tests.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from blog import cache as page_cache
from blog.models import Post, SiteIdentity
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


@pytest.fixture
def redis_get(monkeypatch, redis_down):
    """Stand in for Redis's GET (`install(function)`), on a clock the test moves (`clock[0]`)."""
    # Past the pause the fixture's own failed calls started.
    clock = [forgiving.time.monotonic() + 3600]
    monkeypatch.setattr(forgiving.time, "monotonic", lambda: clock[0])

    def install(function):
        monkeypatch.setattr(RedisCache, "get", function)
        # The wrapper reads RedisCache's method when it is made.
        wrapped = forgiving._or_miss("get", forgiving._default)
        monkeypatch.setattr(forgiving.ForgivingRedisCache, "get", wrapped)

    return install, clock


def test_every_public_page_answers_while_redis_is_down(redis_down, client, make_post, caplog):
    post = make_post("Un billet", tags=["ess"], categories=["good_job"])
    with caplog.at_level(logging.WARNING, logger="carnet.cache"):
        for url in ("/", post.get_absolute_url(), "/tags/ess/", "/feed.xml", "/search/?q=billet"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert post.get_absolute_url() in response.content.decode(), url
    # Said once, not once a request, and as a warning: a blip mails nobody.
    outages = [record for record in caplog.records if "failed (" in record.message]
    assert [record.levelname for record in outages] == ["WARNING"]
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


def test_a_failing_redis_is_left_alone_for_a_while_then_tried_again(redis_get):
    install, clock = redis_get
    calls = []

    def failing_get(self, key, default=None, version=None):
        calls.append(key)
        raise RedisConnectionError("Connection refused")

    install(failing_get)
    assert cache.get("a", "miss") == "miss"
    assert cache.get("b", "miss") == "miss"
    assert calls == ["a"], "no second try within the retry delay"
    clock[0] += forgiving.RETRY_SECONDS
    assert cache.get("c", "miss") == "miss"
    assert calls == ["a", "c"]


def test_redis_back_is_used_again_and_said(monkeypatch, redis_get, caplog):
    install, clock = redis_get
    answers = {"up": False}
    cleared = []
    monkeypatch.setattr(RedisCache, "clear", lambda self: cleared.append(True) or True)

    def flaky_get(self, key, default=None, version=None):
        if not answers["up"]:
            raise RedisConnectionError("Connection refused")
        return "kept"

    install(flaky_get)
    with caplog.at_level(logging.WARNING, logger="carnet.cache"):
        assert cache.get("k") is None
        answers["up"] = True
        clock[0] += forgiving.QUIET_SECONDS
        assert cache.get("k") == "kept"
        assert cache.get("k") == "kept"
    messages = [record.message for record in caplog.records]
    assert sum("failed (" in message for message in messages) == 1
    assert sum("answers again" in message for message in messages) == 1
    # Nothing is emptied: the content stamp in its file already keeps old pages away.
    assert cleared == []


def test_an_outage_that_lasts_is_mailed_once(redis_get, caplog):
    install, clock = redis_get

    def failing_get(self, key, default=None, version=None):
        raise RedisConnectionError("Connection refused")

    install(failing_get)
    with caplog.at_level(logging.WARNING, logger="carnet.cache"):
        for _minute in range(3):
            for _try in range(20):
                cache.get("k")
                clock[0] += forgiving.RETRY_SECONDS
    levels = [record.levelname for record in caplog.records]
    assert levels == ["WARNING", "ERROR"]


def test_a_slow_redis_is_left_alone_like_a_dead_one(redis_get, caplog):
    install, clock = redis_get
    calls = []

    def slow_get(self, key, default=None, version=None):
        calls.append(key)
        clock[0] += 0.4  # answers, but late
        return "late"

    install(slow_get)
    with caplog.at_level(logging.WARNING, logger="carnet.cache"):
        assert cache.get("a") == "late"
        assert cache.get("b", "miss") == "miss"
    assert calls == ["a"]
    assert "took 0.40 s to answer" in caplog.records[0].message


def test_the_servers_password_is_never_logged(settings, db, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "site_config.cache.ForgivingRedisCache",
            "LOCATION": "redis://:s3cr3t-pass@127.0.0.1:9/0",
        }
    }
    with caplog.at_level(logging.WARNING, logger="carnet.cache"):
        cache.get("k")
    assert caplog.records
    assert "s3cr3t" not in caplog.text
    assert "redis://127.0.0.1:9/0" in caplog.records[0].message


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
    assert out == ["site_config.cache.ForgivingRedisCache", "0.5", "0.5"]


# The content stamp with a shared cache: in its file and in the cache ------------------------


@pytest.fixture
def shared_cache(settings, monkeypatch, db):
    """The local-memory cache standing for Redis: the stamp is kept in it and in its file."""
    settings.PAGE_CACHE_ENABLED = True
    monkeypatch.setattr(page_cache, "_uses_shared_cache", lambda: True)
    cache.clear()


def test_an_edit_the_shared_cache_missed_is_shown_when_it_is_back(
    shared_cache, client, make_post, monkeypatch, django_capture_on_commit_callbacks
):
    post = make_post("Avant")
    assert "Avant" in client.get("/").content.decode()
    etag = client.get("/")["ETag"]
    # Redis away while the author saves: the stamp's new copy never reaches it.
    with monkeypatch.context() as outage:
        outage.setattr(cache, "set", lambda *args, **kwargs: None)
        with django_capture_on_commit_callbacks(execute=True):
            post.title = "Après"
            post.save()
    # Back, with the old stamp and the page cached under it.
    response = client.get("/")
    assert "Après" in response.content.decode()
    assert response["ETag"] != etag
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_an_edit_on_another_host_is_shown_here(shared_cache, client, make_post):
    url = make_post("Avant").get_absolute_url()
    assert "Avant" in client.get(url).content.decode()
    # Another host saved: its stamp is in Redis; this host's file has not changed.
    Post.objects.update(title="Après")
    other = page_cache.Stamp("another-host", time.time(), None)
    cache.set(page_cache.STAMP_KEY, other, None)
    assert "Après" in client.get(url).content.decode()


def test_a_stamp_lost_by_the_shared_cache_is_made_anew_once(shared_cache, client, make_post):
    make_post("Un billet")
    client.get("/")
    etag = client.get("/")["ETag"]
    cache.delete(page_cache.STAMP_KEY)  # evicted, or Redis restarted empty
    # Another host's last edit may be what it lost: old ETags are not honoured any more...
    renewed = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert renewed.status_code == 200 and renewed["ETag"] != etag
    # ...and the new stamp holds: no new one every request.
    assert client.get("/")["ETag"] == renewed["ETag"]
    assert client.get("/", HTTP_IF_NONE_MATCH=renewed["ETag"]).status_code == 304


def test_after_redis_loses_its_stamp_a_page_from_before_another_hosts_edit_is_not_kept(
    shared_cache, client, make_post, monkeypatch
):
    url = make_post("Avant").get_absolute_url()
    first = client.get(url)
    old_etag, old_modified = first["ETag"], first["Last-Modified"]
    # Another host saves, a few seconds later: its stamp reaches Redis, not this host's file.
    Post.objects.update(title="Après")
    later = page_cache.Stamp("other-host", page_cache.content_stamp().changed_at + 5, None)
    cache.set(page_cache.STAMP_KEY, later, None)
    assert "Après" in client.get(url).content.decode()
    cache.clear()  # Redis restarts empty
    assert client.get(url, HTTP_IF_NONE_MATCH=old_etag).status_code == 200
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=old_modified).status_code == 200


def test_an_unwritable_stamp_file_costs_speed_not_pages(
    shared_cache, client, make_post, settings, tmp_path, caplog
):
    settings.CACHE_STAMP_FILE = tmp_path / "no-such-folder" / "content-stamp"
    make_post("Un billet")
    with caplog.at_level(logging.ERROR, logger="carnet.cache"):
        for _ in range(3):
            assert client.get("/").status_code == 200
    assert [record.levelname for record in caplog.records] == ["ERROR"]
    assert "cannot be written" in caplog.records[0].message


# A Redis that answers reads but refuses writes (disk full: MISCONF; memory full: OOM) --------


@pytest.fixture
def read_only_redis(settings, db, monkeypatch):
    """ForgivingRedisCache over a dict: GET answers, SET fails as Redis's OOM or MISCONF do."""
    settings.CACHES = {
        "default": {
            "BACKEND": "site_config.cache.ForgivingRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
    settings.PAGE_CACHE_ENABLED = True
    store: dict = {}
    clock = [forgiving.time.monotonic() + 3600]
    monkeypatch.setattr(forgiving.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(forgiving, "_health", forgiving._Health())
    state = {"writable": True, "slow": False}

    def get(self, key, default=None, version=None):
        if state["slow"]:
            clock[0] += 0.4  # answers, in 0.4 s
        return store.get(self.make_and_validate_key(key, version=version), default)

    def write(self, key, value, timeout=None, version=None):
        if not state["writable"]:
            raise ResponseError("OOM command not allowed when used memory > 'maxmemory'.")
        store[self.make_and_validate_key(key, version=version)] = value
        return True

    def delete(self, key, version=None):
        return store.pop(self.make_and_validate_key(key, version=version), None) is not None

    misses = {
        "get": forgiving._default,
        "set": forgiving._nothing,
        "add": forgiving._false,
        "delete": forgiving._false,
    }
    for name, function in (("get", get), ("set", write), ("add", write), ("delete", delete)):
        monkeypatch.setattr(RedisCache, name, function)
        # The wrapper reads RedisCache's method when it is made.
        monkeypatch.setattr(
            forgiving.ForgivingRedisCache, name, forgiving._or_miss(name, misses[name])
        )
    SiteIdentity._shown = None
    return state, clock


def test_a_redis_refusing_writes_for_minutes_is_reported_as_an_error(
    read_only_redis, client, make_post, caplog
):
    state, clock = read_only_redis
    make_post("Un billet")
    state["writable"] = False
    with caplog.at_level(logging.WARNING, logger="carnet.cache"):
        for n in range(40):  # three minutes of readers, every page's SET refused
            client.get(f"/?page={n}")
            clock[0] += forgiving.RETRY_SECONDS
    levels = [record.levelname for record in caplog.records if record.name == "carnet.cache"]
    assert levels == ["WARNING", "ERROR"]


@pytest.mark.parametrize("trouble", ["refuses writes", "answers slowly"])
def test_a_redis_in_trouble_does_not_make_the_stamp_new_every_few_seconds(
    read_only_redis, client, make_post, monkeypatch, trouble
):
    state, clock = read_only_redis
    make_post("Déjà là")
    soon = timezone.now() + timedelta(minutes=5)
    make_post("Programmé", published_at=soon, days_ago=None)
    client.get("/")  # the stamp, in the file and in Redis, expires at the post's time
    if trouble == "refuses writes":
        state["writable"] = False
    else:
        state["slow"] = True
    later = soon + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    etags = set()
    for _ in range(12):  # a minute of readers
        response = client.get("/")
        assert "Programmé" in response.content.decode()
        etags.add(response["ETag"])
        clock[0] += forgiving.RETRY_SECONDS
    assert len(etags) <= 2


def test_an_edit_within_the_same_second_still_moves_last_modified(
    settings, client, make_post, monkeypatch, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_ENABLED = True
    post = make_post("Avant")
    second = timezone.now().replace(microsecond=100_000)
    monkeypatch.setattr(timezone, "now", lambda: second)
    page_cache.bump_content_stamp()
    first = client.get("/")
    monkeypatch.setattr(timezone, "now", lambda: second + timedelta(milliseconds=500))
    with django_capture_on_commit_callbacks(execute=True):
        post.title = "Après"
        post.save()
    # A feed reader or a proxy that asks If-Modified-Since only:
    assert client.get("/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 200
