"""The anonymous page cache: fast, never stale, never for staff."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.http import parse_http_date

from blog import cache as page_cache
from blog.models import Category, Page, Post, SiteIdentity


@pytest.fixture
def cached(settings):
    settings.PAGE_CACHE_ENABLED = True
    return settings


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a block registers with on_commit, as the real commit would (tests never commit)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_second_anonymous_request_runs_no_query(
    cached, client, make_post, django_assert_num_queries
):
    make_post("Premier billet")
    assert client.get("/").status_code == 200
    with django_assert_num_queries(0):
        response = client.get("/")
    assert "Premier billet" in response.content.decode()


@pytest.mark.parametrize("kind", ["post", "category", "tag", "page", "identity"])
def test_any_edit_shows_at_once(cached, committed, client, make_post, kind):
    post = make_post("Titre d’origine", categories=["lectures"], tags=["ess"])
    page = Page.objects.create(title="À propos", slug="a-propos", body="Bonjour")
    home = client.get("/").content.decode()
    assert "Titre d’origine" in home
    client.get("/a-propos/")

    stamp = page_cache.content_stamp()
    with committed():
        if kind == "post":
            post.title = "Titre corrigé"
            post.save()
        elif kind == "category":
            Category.objects.filter(slug="lectures").get().save()
        elif kind == "tag":
            post.tags.add("nouvelle étiquette")
        elif kind == "page":
            page.body = "Texte revu"
            page.save()
        else:
            SiteIdentity.objects.create(title="Nouveau titre du site")
    assert page_cache.content_stamp() != stamp
    if kind == "post":
        assert "Titre corrigé" in client.get("/").content.decode()
    elif kind == "tag":
        assert client.get("/tags/nouvelle-etiquette/").status_code == 200
    elif kind == "page":
        assert "Texte revu" in client.get("/a-propos/").content.decode()
    elif kind == "identity":
        assert "Nouveau titre du site" in client.get("/").content.decode()


def test_scheduled_post_appears_at_its_time(cached, client, make_post, monkeypatch):
    make_post("Déjà là")
    soon = timezone.now() + timedelta(minutes=5)
    make_post("Programmé", published_at=soon)
    assert "Programmé" not in client.get("/").content.decode()
    later = soon + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "Programmé" in client.get("/").content.decode()


def test_staff_are_never_served_from_the_cache(cached, client, admin_user, make_post):
    post = make_post("Public")
    client.get(post.get_absolute_url())
    client.force_login(admin_user)
    Post.objects.filter(pk=post.pk).update(title="Changé sans signal")
    assert "Changé sans signal" in client.get(post.get_absolute_url()).content.decode()


@pytest.mark.parametrize("path", ["/", "/feed.xml", "/atom.xml", "post", "/tags/ess/"])
def test_conditional_get_answers_304(cached, committed, client, make_post, path):
    post = make_post(tags=["ess"])
    path = post.get_absolute_url() if path == "post" else path
    first = client.get(path)
    assert first.status_code == 200
    assert first["ETag"] and first["Last-Modified"]
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    since = client.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    with committed():
        make_post("Nouveau")
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_an_update_of_the_code_is_served_at_once_and_old_copies_are_not_kept(
    cached, client, make_post, monkeypatch
):
    post = make_post()
    path = post.get_absolute_url()
    first = client.get(path)
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    Post.objects.filter(pk=post.pk).update(title="Rendu par la nouvelle version")
    assert "Rendu par la nouvelle version" not in client.get(path).content.decode()  # cached

    # A deploy: other templates or code, no content edit, no new stamp.
    key, released_at = page_cache.release()
    monkeypatch.setattr(page_cache, "release", lambda: ("0123456789abcdef", released_at + 3600))
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "Rendu par la nouvelle version" in again.content.decode()
    assert again["ETag"] != first["ETag"]
    assert parse_http_date(again["Last-Modified"]) > parse_http_date(first["Last-Modified"])
    assert client.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 200


def test_conditional_get_without_the_page_cache(client, make_post):
    make_post()
    first = client.get("/feed.xml")
    assert first["ETag"]
    assert client.get("/feed.xml", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_one_bump_groups_many_saves(cached, committed, make_post, monkeypatch):
    bumps = []
    real_bump = page_cache.bump_content_stamp
    monkeypatch.setattr(page_cache, "bump_content_stamp", lambda: bumps.append(1) or real_bump())
    with committed():
        make_post("Un")
        make_post("Deux")
    assert len(bumps) >= 2
    bumps.clear()
    with committed(), page_cache.one_bump():
        make_post("Trois")
        make_post("Quatre")
    assert len(bumps) == 1


def test_stamp_file_is_seen_by_another_process(cached, committed, make_post):
    """Workers share no memory: a change of the stamp file is what they see."""
    first = page_cache.content_stamp()
    page_cache._file_memo.clear()  # as a fresh worker would
    assert page_cache.content_stamp() == first
    with committed():
        make_post("Change")
    page_cache._file_memo.clear()
    assert page_cache.content_stamp() != first


def test_compressed_and_plain_copies_are_kept_apart(cached, client, make_post):
    import gzip

    make_post("Billet compressé")
    compressed = client.get("/feed.xml", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert compressed["Content-Encoding"] == "gzip"
    assert "Billet compressé" in gzip.decompress(compressed.content).decode()
    plain = client.get("/feed.xml")
    assert not plain.has_header("Content-Encoding")
    assert "Billet compressé" in plain.content.decode()
    again = client.get("/feed.xml", HTTP_ACCEPT_ENCODING="gzip")
    assert again["Content-Encoding"] == "gzip"


def test_a_host_not_allowed_gets_a_400_from_the_cache_too(cached, client, make_post, settings):
    settings.ALLOWED_HOSTS = ["carnet.example"]
    make_post("Billet")
    assert client.get("/", HTTP_HOST="carnet.example").status_code == 200  # now in the cache
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400


def test_without_any_cache_pages_read_only_their_own_queries_and_edits_show(
    committed, client, make_post, settings, django_assert_num_queries
):
    """CACHE_URL=dummycache://: the stamp lives in its file, not anew on every request."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.PAGE_CACHE_ENABLED = True
    identity = SiteIdentity.objects.create(title="Mon carnet")
    make_post("Avant")
    client.get("/")
    with django_assert_num_queries(1):
        assert "Avant" in client.get("/").content.decode()
    with committed():
        identity.title = "Autre titre"
        identity.save()
        Post.objects.update(title="Après")
        Post.objects.get().save()
    home = client.get("/").content.decode()
    assert "Autre titre" in home and "Après" in home
