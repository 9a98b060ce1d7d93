"""The frame around every page (blog.frame): stored with the site identity, never stale."""

from __future__ import annotations

import io
import json
import re
import tarfile
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from taggit.models import Tag

from blog import cache as page_cache
from blog import frame
from blog.backup import create_backup, restore_backup
from blog.models import Page, Post, SiteIdentity
from site_config.errors import bad_request

ABOUT = ("/a-propos/", "À propos")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what a block registers with on_commit, as the real commit would (tests never commit)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(params=[True, False], ids=["page-cache", "no-page-cache"])
def page_cache_on(request, settings):
    settings.PAGE_CACHE_ENABLED = request.param
    return request.param


def get(client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def header_of(page: str) -> str:
    start = page.index('<header class="site-header">')
    return page[start : page.index("</header>", start)]


def footer_of(page: str) -> str:
    start = page.index('<footer class="site-footer">')
    return page[start : page.index("</footer>", start)]


def menu_of(page: str) -> list[tuple[str, str]]:
    """The main menu's links, (address, label), in order."""
    header = header_of(page)
    nav = header[header.index('<nav class="site-nav"') :]
    return re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', nav)


def marked_links(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="([^"]*)"[^>]*aria-current="page"[^>]*>([^<]*)</a>', page)


def about_page(**fields) -> Page:
    return Page.objects.create(
        title="À propos", slug="a-propos", body="Moi.", show_in_menu=True, **fields
    )


# -- What is stored ---------------------------------------------------------------------------


def test_the_stored_frame_is_what_the_templates_render_now(client, make_post):
    post = make_post("Un billet")
    about_page()
    SiteIdentity.objects.create(
        title="Mon carnet",
        tagline="Des notes.",
        author_name="Claire",
        links="Mastodon | https://mastodon.example/@claire",
    )
    row = SiteIdentity.objects.get()
    assert row.frame == frame.render_frame(row)
    assert set(row.frame) == {"head", "header", "footer", "home"}
    assert row.frame_key == frame.current_key()
    assert "Mon carnet" in row.frame["header"] and "Des notes." in row.frame["header"]
    assert '<a href="/a-propos/">À propos</a>' in row.frame["header"]
    assert "Écrit par Claire." in row.frame["footer"]
    assert 'href="https://mastodon.example/@claire" rel="me">Mastodon</a>' in row.frame["footer"]
    assert 'title="Mon carnet\u00a0: tous les billets (RSS)" href="/feed.xml"' in row.frame["head"]

    home = get(client, "/")
    assert row.frame["head"] in home
    assert frame.mark_current(row.frame["header"], "/") in home
    assert row.frame["footer"] in home
    reading = get(client, post.get_absolute_url())
    assert row.frame["header"] in reading and row.frame["footer"] in reading


def test_without_an_identity_row_the_frame_comes_from_the_settings(client, db, settings):
    settings.SITE_TITLE = "Carnet par défaut"
    settings.SITE_AUTHOR = "Personne"
    page = get(client)
    assert '<a href="/" aria-current="page">Carnet par défaut</a>' in header_of(page)
    assert "Écrit par Personne." in footer_of(page)
    assert 'title="Carnet par défaut\u00a0: tous les billets (Atom)"' in page
    assert not SiteIdentity.objects.exists()  # reading the site creates no row


# -- The identity's edits show at once --------------------------------------------------------


def assert_new_identity_everywhere(page: str) -> None:
    assert "Ancien titre" not in page and "Ancienne devise" not in page
    assert "Ancienne autrice" not in page
    assert '<a href="/" aria-current="page">Nouveau titre</a>' in header_of(page)
    assert '<p class="tagline">Nouvelle devise</p>' in header_of(page)
    assert 'title="Nouveau titre\u00a0: tous les billets (RSS)"' in page
    assert 'title="Nouveau titre\u00a0: tous les billets (Atom)"' in page
    footer = footer_of(page)
    assert "Écrit par Nouvelle autrice." in footer
    assert '<a href="https://mastodon.example/@claire" rel="me">Mastodon</a>' in footer


def test_an_identity_saved_shows_at_once_in_head_header_and_footer(
    page_cache_on, committed, client, db
):
    with committed():
        identity = SiteIdentity.objects.create(
            title="Ancien titre", tagline="Ancienne devise", author_name="Ancienne autrice"
        )
    assert "Ancien titre" in header_of(get(client))
    with committed():
        identity.title = "Nouveau titre"
        identity.tagline = "Nouvelle devise"
        identity.author_name = "Nouvelle autrice"
        identity.links = "Mastodon | https://mastodon.example/@claire"
        identity.save()
    assert_new_identity_everywhere(get(client))


def test_an_identity_edited_in_the_admin_shows_at_once(
    page_cache_on, committed, client, admin_user, db
):
    with committed():
        identity = SiteIdentity.objects.create(
            title="Ancien titre", tagline="Ancienne devise", author_name="Ancienne autrice"
        )
    assert "Ancien titre" in get(client)
    staff = Client()
    staff.force_login(admin_user)
    with committed():
        response = staff.post(
            reverse("admin:blog_siteidentity_change", args=[identity.pk]),
            {
                "title": "Nouveau titre",
                "tagline": "Nouvelle devise",
                "author_name": "Nouvelle autrice",
                "contact_intro": "",
                "links": "Mastodon | https://mastodon.example/@claire",
                "_save": "Enregistrer",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert_new_identity_everywhere(get(client))  # the anonymous reader, cached or not
    assert "Nouveau titre" in header_of(get(staff))


def test_a_title_emptied_falls_back_on_the_settings(committed, client, db, settings):
    settings.SITE_TITLE = "Carnet par défaut"
    with committed():
        identity = SiteIdentity.objects.create(title="Mon carnet")
    assert "Mon carnet" in header_of(get(client))
    with committed():
        identity.title = ""
        identity.save()
    page = get(client)
    assert "Mon carnet" not in page
    assert '<a href="/" aria-current="page">Carnet par défaut</a>' in header_of(page)
    assert "<title>Carnet par défaut</title>" in page
    assert SiteIdentity.current().title == "Carnet par défaut"


def test_new_default_settings_show_in_a_frame_stored_before_them(client, db, settings):
    settings.SITE_TITLE = "Ancien nom"
    SiteIdentity.objects.create(tagline="Des notes.")  # the title left to the settings
    assert "Ancien nom" in header_of(get(client))
    settings.SITE_TITLE = "Nouveau nom"  # a deploy with another environment
    page = get(client)
    assert "Ancien nom" not in page
    assert '<a href="/" aria-current="page">Nouveau nom</a>' in header_of(page)
    assert SiteIdentity.objects.get().frame_key == frame.current_key()


# -- The menu follows the pages ---------------------------------------------------------------


@pytest.mark.parametrize("with_identity", [True, False], ids=["identity", "no-identity-row"])
def test_the_menu_follows_its_pages_on_every_page(
    page_cache_on, committed, client, make_post, with_identity
):
    if with_identity:
        SiteIdentity.objects.create(title="Mon carnet")
    post = make_post("Un billet", categories=["lectures"])
    urls = ["/", "/archives/", "/categories/lectures/", post.get_absolute_url()]
    for url in urls:  # every cache warm: the identity's, and the pages'
        assert "À propos" not in header_of(get(client, url))

    with committed():
        page = about_page()
    for url in [*urls, "/a-propos/"]:
        assert ABOUT in menu_of(get(client, url)), url

    with committed():
        page.title = "Qui suis-je"
        page.save()
    for url in urls:
        menu = menu_of(get(client, url))
        assert ("/a-propos/", "Qui suis-je") in menu and ABOUT not in menu, url

    with committed():
        Page.objects.create(
            title="Mentions légales", slug="mentions", show_in_menu=True, menu_order=0
        )
        page.menu_order = 1
        page.save()
    menu = menu_of(get(client, "/"))
    assert menu.index(("/mentions/", "Mentions légales")) < menu.index(
        ("/a-propos/", "Qui suis-je")
    )

    with committed():
        page.show_in_menu = False
        page.save()
    for url in urls:
        assert "/a-propos/" not in dict(menu_of(get(client, url))), url

    with committed():
        page.show_in_menu = True
        page.save()
    assert "/a-propos/" in dict(menu_of(get(client, "/")))
    with committed():
        page.is_published = False
        page.save()
    for url in urls:
        assert "/a-propos/" not in dict(menu_of(get(client, url))), url

    with committed():
        page.is_published = True
        page.save()
    assert "/a-propos/" in dict(menu_of(get(client, "/")))
    with committed():
        page.delete()
    for url in urls:
        menu = dict(menu_of(get(client, url)))
        assert "/a-propos/" not in menu and "/mentions/" in menu, url


def test_pages_deleted_from_the_admin_list_leave_the_menu(committed, client, admin_user, db):
    SiteIdentity.objects.create(title="Mon carnet")
    page = about_page()
    assert ABOUT in menu_of(get(client))
    staff = Client()
    staff.force_login(admin_user)
    with committed():
        response = staff.post(
            reverse("admin:blog_page_changelist"),
            {"action": "delete_selected", "_selected_action": [page.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert not Page.objects.exists()
    assert ABOUT not in menu_of(get(client))


# -- Other server processes, other deploys -----------------------------------------------------


def test_an_edit_made_by_another_process_is_seen_on_the_next_request(settings, client, db):
    settings.PAGE_CACHE_ENABLED = True
    SiteIdentity.objects.create(title="Titre d’avant")
    assert SiteIdentity.current().title == "Titre d’avant"  # this process caches it
    assert "Titre d’avant" in header_of(get(client))
    key = SiteIdentity.cache_key()
    held = cache.get(key)
    assert held is not None and held.title == "Titre d’avant"
    shown = SiteIdentity._shown
    assert shown is not None and shown[2].title == "Titre d’avant"

    # Another process saves the identity: it writes the row and drops the copies in its own
    # cache and memory, not in this process's (put back here); its commit replaces the
    # content stamp.
    other = SiteIdentity.objects.get()
    other.title = "Titre d’après"
    other.save()
    cache.set(key, held)
    SiteIdentity._shown = shown
    assert SiteIdentity.current().title == "Titre d’avant"
    page_cache.bump_content_stamp()

    assert SiteIdentity.current().title == "Titre d’après"
    page = get(client)
    assert "Titre d’avant" not in page
    assert '<a href="/" aria-current="page">Titre d’après</a>' in header_of(page)
    assert 'title="Titre d’après\u00a0: tous les billets (RSS)"' in page


def test_a_row_changed_behind_the_cache_is_read_once_the_stamp_changes(settings, client, db):
    settings.PAGE_CACHE_ENABLED = True
    SiteIdentity.objects.create(title="Titre d’avant")
    assert SiteIdentity.current().title == "Titre d’avant"
    get(client)
    SiteIdentity.objects.update(title="Titre d’après")
    page_cache.bump_content_stamp()
    assert SiteIdentity.current().title == "Titre d’après"
    # Only the fields: a write past save() leaves the stored frame as it was.
    assert "<title>Titre d’après</title>" in get(client)


def test_the_identity_is_kept_in_memory_as_long_as_the_cache_would_keep_it(
    settings, monkeypatch, db
):
    settings.CACHE_PAGE_SECONDS = 60
    SiteIdentity.objects.create(title="Titre d’avant")
    assert SiteIdentity.current().title == "Titre d’avant"
    with CaptureQueriesContext(connection) as queries:
        assert SiteIdentity.current().title == "Titre d’avant"
    assert not queries.captured_queries

    # Behind every copy, with no new stamp: as long as the cache would keep it, then read.
    SiteIdentity.objects.update(title="Titre d’après")
    cache.delete(SiteIdentity.cache_key())
    assert SiteIdentity.current().title == "Titre d’avant"
    later = time.monotonic() + 61
    monkeypatch.setattr("blog.models.time.monotonic", lambda: later)
    assert SiteIdentity.current().title == "Titre d’après"


def test_a_frame_from_other_templates_is_rendered_and_stored_on_the_next_read(client, db):
    SiteIdentity.objects.create(title="Mon carnet")
    about_page()
    SiteIdentity.objects.update(
        frame={"head": "", "header": "<header>vieux cadre</header>", "footer": ""},
        frame_key="old",
    )
    cache.clear()
    stamp = page_cache.content_stamp()

    page = get(client)
    assert "vieux cadre" not in page
    assert "Mon carnet" in header_of(page) and ABOUT in menu_of(page)
    row = SiteIdentity.objects.get()
    assert row.frame_key == frame.current_key()
    assert row.frame == frame.render_frame(row)
    assert page_cache.content_stamp() == stamp  # no content changed: cached pages stay


def test_old_and_new_code_side_by_side_render_the_frame_once_each(db, monkeypatch):
    # A deploy where old and new processes overlap, or a cron job of the new code before the
    # restart, on a shared cache: each keeps its own copy rather than storing its frame over
    # the other's on every request.
    SiteIdentity.objects.create(title="Mon carnet")
    new_key = frame.current_key()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            for key in ("0" * 32, new_key):
                monkeypatch.setattr(frame, "current_key", lambda key=key: key)
                SiteIdentity.current()
    writes = [query for query in queries if query["sql"].startswith("UPDATE")]
    assert len(writes) <= 2, f"{len(writes)} writes of the identity for 10 requests"


# -- The page being read ----------------------------------------------------------------------


@pytest.fixture
def reader_site(make_post):
    post = make_post("Un billet", tags=["ess"], categories=["lectures"])
    about_page()
    SiteIdentity.objects.create(title="Mon carnet")
    return post


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("/", ("/", "Mon carnet")),
        ("/archives/", ("/archives/", "Archives")),
        ("/categories/", ("/categories/", "Catégories")),
        ("/tags/", ("/tags/", "Étiquettes")),
        ("/search/", ("/search/", "Rechercher")),
        ("/search/?q=billet", ("/search/", "Rechercher")),
        ("/a-propos/", ABOUT),
        ("/contact/", ("/contact/", "Contact")),
        ("/?page=1", ("/", "Mon carnet")),
    ],
)
def test_the_link_to_the_page_being_read_is_marked_and_only_it(client, reader_site, url, link):
    page = get(client, url)
    assert page.count('aria-current="page"') == 1
    assert marked_links(header_of(page)) == [link]


def test_pages_outside_the_menu_mark_no_link(client, reader_site):
    Page.objects.create(title="Mentions légales", slug="mentions", body="Hébergeur.")
    for url in (
        reader_site.get_absolute_url(),
        "/categories/lectures/",
        "/tags/ess/",
        "/mentions/",
    ):
        assert "aria-current" not in get(client, url), url


def test_the_mark_is_not_stored_nor_cached_for_other_pages(settings, client, reader_site):
    settings.PAGE_CACHE_ENABLED = True
    for url in ("/", "/archives/", "/a-propos/"):
        get(client, url)
    for identity in (SiteIdentity.objects.get(), SiteIdentity.current()):
        shared = {part: identity.frame[part] for part in frame.PARTS}
        assert "aria-current" not in json.dumps(shared)
        # The home page's own layout marks the home page's link, and only it.
        for before, _between, _after in (identity.frame["home"][n] for n in ("more", "last")):
            assert marked_links(before) == [("/", "Mon carnet")]
    assert marked_links(get(client, "/tags/")) == [("/tags/", "Étiquettes")]


def test_links_lead_only_to_pages_and_addresses_never_to_scripts(client, db):
    links = "\n".join(
        [
            "Mastodon | https://mastodon.example/@claire",
            "Écrire | mailto:claire@example.org",
            "À propos | /a-propos/",
            "Piège | javascript:alert(1)",
            "Autre piège | JavaScript:alert(2)",
            "Données | data:text/html,<b>x</b>",
            "Ailleurs | //evil.example/",
        ]
    )
    identity = SiteIdentity(links=links)
    with pytest.raises(ValidationError) as refused:
        identity.full_clean()
    message = str(refused.value)
    for wrong in ("javascript:alert(1)", "JavaScript:alert(2)", "data:text", "//evil.example/"):
        assert wrong in message
    for good in ("mastodon.example", "mailto:claire", "/a-propos/"):
        assert good not in message

    # A row written past the form (a raw update, an old backup) shows the good links only.
    SiteIdentity.objects.create()
    SiteIdentity.objects.update(links=links)
    SiteIdentity.objects.get().save()
    footer = footer_of(get(client))
    for good in ("https://mastodon.example/@claire", "mailto:claire@example.org", "/a-propos/"):
        assert f'href="{good}"' in footer
    for wrong in ("javascript", "JavaScript", "data:", "evil.example"):
        assert wrong not in footer


def test_what_the_author_writes_is_escaped_in_the_frame(client, db):
    Page.objects.create(
        title="<script>alert(1)</script>", slug="piege", body="Piège.", show_in_menu=True
    )
    SiteIdentity.objects.create(
        title="Mon <b>carnet</b>",
        tagline='Des "notes" & <i>idées</i>',
        author_name="<em>Claire</em>",
        links='<img src=x onerror=alert(1)> | https://exemple.org/?a=1&b="2"',
    )
    page = get(client)
    for raw in ("<script>", "<b>", "<i>", "<em>", "<img"):
        assert raw not in page, raw
    header = header_of(page)
    assert '<a href="/piege/">&lt;script&gt;alert(1)&lt;/script&gt;</a>' in header
    assert '<a href="/" aria-current="page">Mon &lt;b&gt;carnet&lt;/b&gt;</a>' in header
    assert "Des &quot;notes&quot; &amp; &lt;i&gt;idées&lt;/i&gt;" in header
    assert 'title="Mon &lt;b&gt;carnet&lt;/b&gt;\u00a0: tous les billets (RSS)"' in page
    footer = footer_of(page)
    assert "Écrit par &lt;em&gt;Claire&lt;/em&gt;." in footer
    assert 'href="https://exemple.org/?a=1&amp;b=&quot;2&quot;"' in footer
    assert "&lt;img src=x onerror=alert(1)&gt;</a>" in footer


# -- Errors, backups, cost --------------------------------------------------------------------


def test_a_400_while_the_database_is_down_still_has_the_default_frame(rf, db, settings):
    settings.SITE_TITLE = "Carnet de secours"
    settings.SITE_AUTHOR = "l’autrice de secours"
    SiteIdentity.objects.create(title="Mon carnet")
    about_page()
    cache.clear()
    Path(settings.CACHE_STAMP_FILE).unlink(missing_ok=True)

    def database_down(execute, sql, params, many, context):
        raise DatabaseError("la base ne répond pas")

    with connection.execute_wrapper(database_down):
        response = bad_request(rf.get("/"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "<h1>Requête refusée</h1>" in page
    header = header_of(page)
    assert '<a href="/">Carnet de secours</a>' in header
    assert ("/archives/", "Archives") in menu_of(page)
    assert "Mon carnet" not in page and "À propos" not in page  # nothing read from the base
    assert "Écrit par l’autrice de secours." in footer_of(page)
    assert 'title="Carnet de secours\u00a0: tous les billets (RSS)"' in page


def test_a_400_with_the_database_up_has_the_stored_frame(rf, db):
    SiteIdentity.objects.create(title="Mon carnet")
    about_page()
    response = bad_request(rf.get("/"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Mon carnet" in header_of(page) and ABOUT in menu_of(page)


def rewrite_archive(archive: Path, change) -> None:
    """The archive with its data.json records passed through `change`."""
    with tarfile.open(archive) as tar:
        members = [(member, tar.extractfile(member).read()) for member in tar.getmembers()]
    with tarfile.open(archive, "w:gz") as tar:
        for member, content in members:
            if member.name == "data.json":
                content = json.dumps(change(json.loads(content))).encode()
                member.size = len(content)
            tar.addfile(member, io.BytesIO(content))


def empty_frame_site() -> None:
    Page.objects.all().delete()
    SiteIdentity.objects.all().delete()
    cache.clear()


@pytest.mark.parametrize("from_before_the_frame", [False, True], ids=["same", "older-version"])
def test_a_restored_backup_shows_its_identity_and_menu(
    page_cache_on, client, db, tmp_path, from_before_the_frame
):
    SiteIdentity.objects.create(title="Carnet sauvegardé", tagline="Des notes gardées.")
    about_page()
    archive = create_backup(tmp_path / "backups").path
    if from_before_the_frame:
        # A backup made before the frame was stored with the identity.
        def drop_frame(records):
            for record in records:
                if record["model"] == "blog.siteidentity":
                    record["fields"].pop("frame")
                    record["fields"].pop("frame_key")
            return records

        rewrite_archive(archive, drop_frame)
    empty_frame_site()
    page = get(client)  # the empty site, cached under the stamp of the moment
    assert "Carnet sauvegardé" not in page and ABOUT not in menu_of(page)

    restore_backup(archive)
    row = SiteIdentity.objects.get()
    assert row.frame_key == frame.current_key()
    assert row.frame == frame.render_frame(row)
    for url in ("/", "/archives/", "/a-propos/"):
        page = get(client, url)
        assert "Carnet sauvegardé" in header_of(page) and ABOUT in menu_of(page), url


@pytest.mark.parametrize("with_identity", [True, False], ids=["identity", "no-identity-row"])
def test_a_page_served_with_the_identity_cached_reads_nothing_for_its_frame(
    client, make_post, with_identity
):
    post = make_post("Un billet", categories=["lectures"])
    about_page()
    if with_identity:
        SiteIdentity.objects.create(title="Mon carnet")
    for url in ("/", "/archives/", "/categories/lectures/", post.get_absolute_url()):
        get(client, url)  # warm: the identity is read once per content stamp
        with CaptureQueriesContext(connection) as queries:
            page = get(client, url)
        assert ABOUT in menu_of(page)
        frame_sql = [
            query["sql"]
            for query in queries
            if "blog_page" in query["sql"] or "blog_siteidentity" in query["sql"]
        ]
        assert frame_sql == [], url
        if url == "/":
            assert len(queries) <= 2  # as pinned in test_views


def test_the_first_read_after_a_change_reads_the_stored_frame_not_the_menu(client, make_post):
    make_post("Un billet")
    about_page()
    SiteIdentity.objects.create(title="Mon carnet")
    cache.clear()
    page_cache.bump_content_stamp()
    with CaptureQueriesContext(connection) as queries:
        page = get(client, "/archives/")
    assert ABOUT in menu_of(page)
    assert [query for query in queries if "blog_page" in query["sql"]] == []
    assert len([query for query in queries if "blog_siteidentity" in query["sql"]]) == 1


def test_the_author_can_write_before_the_static_files_are_collected(client, db, settings, tmp_path):
    manifest_storage = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    settings.STATIC_ROOT = str(tmp_path / "static")  # nothing collected there
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": manifest_storage},
    }
    # An import before `collectstatic` saves the identity and pages: neither may fail.
    identity = SiteIdentity.objects.create(title="Écrit avant collectstatic")
    Page.objects.create(title="À propos", slug="a-propos", show_in_menu=True)
    identity.refresh_from_db()
    assert identity.frame == {} and identity.frame_key == ""
    # Once the files are there, the first read renders and stores the frame.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    page = get(client)
    assert "Écrit avant collectstatic" in header_of(page)
    assert ABOUT in menu_of(page)
    identity.refresh_from_db()
    assert identity.frame_key == frame.current_key()


def test_a_menu_page_loaded_with_loaddata_shows_in_the_menu(
    client, db, tmp_path, django_capture_on_commit_callbacks
):
    SiteIdentity.objects.create(title="Mon carnet")
    assert ABOUT not in menu_of(get(client))
    fields = {"title": "À propos", "slug": "a-propos", "body_html": "<p>Moi.</p>"}
    fields["modified_at"] = "2025-01-01T00:00:00Z"
    fixture = tmp_path / "pages.json"
    fixture.write_text(
        json.dumps([{"model": "blog.page", "pk": 1, "fields": {**fields, "show_in_menu": True}}])
    )
    with django_capture_on_commit_callbacks(execute=True):  # as the real commit would
        call_command("loaddata", str(fixture), verbosity=0)
    assert ABOUT in menu_of(get(client))


@pytest.mark.django_db(transaction=True)
def test_two_pages_added_at_once_are_both_in_the_menu():
    import threading
    import time

    from django.db import connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: no concurrent edit to lose")
    SiteIdentity.objects.create(title="Mon carnet")
    first_saved, errors = threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                Page.objects.create(title="Première", slug="premiere", show_in_menu=True)
                first_saved.set()
                time.sleep(1.5)  # the second edit renders its frame meanwhile, then waits
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    def second():
        try:
            first_saved.wait(5)
            with transaction.atomic():
                Page.objects.create(title="Seconde", slug="seconde", show_in_menu=True)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not errors, errors
    menu = menu_of(get(Client()))
    assert ("/premiere/", "Première") in menu and ("/seconde/", "Seconde") in menu


def test_a_backup_restores_before_collectstatic(db, make_post, settings, tmp_path):
    make_post("Un billet", tags=["ess"])
    Page.objects.create(title="À propos", slug="a-propos", body="Moi.", show_in_menu=True)
    SiteIdentity.objects.create(title="Mon carnet")
    archive = create_backup(tmp_path / "backups").path
    Post.objects.all().delete()
    Page.objects.all().delete()
    SiteIdentity.objects.all().delete()
    Tag.objects.all().delete()
    cache.clear()
    # A new server between `migrate` and `collectstatic`, as in docs/DEPLOY.md.
    settings.STATIC_ROOT = tmp_path / "not-collected-yet"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("restore_site", str(archive), stdout=io.StringIO())
    assert SiteIdentity.objects.get().title == "Mon carnet"
    assert Post.objects.get().summary_html


# -- The home page's stored layout ------------------------------------------------------------


def rendered_by_the_template(rf, url: str = "/") -> str:
    """The home page as its template renders it, the way its other pages are rendered."""
    from django.contrib.auth.models import AnonymousUser
    from django.views.generic import ListView

    from blog.views import HomeView

    request = rf.get(url)
    request.user = AnonymousUser()
    view = HomeView()
    view.setup(request)
    return ListView.get(view, request).render().content.decode()


@pytest.mark.parametrize("posts", [1, 2, 10, 11, 25])
def test_the_home_page_from_its_stored_layout_is_what_its_template_renders(
    client, rf, make_post, posts
):
    for n in range(posts):
        make_post(f"Billet « {n} » <b>&</b> ?", tags=["ess", "et moi"], categories=["good_job"])
    about_page()
    SiteIdentity.objects.create(
        title="Zoé & <Cie>",
        tagline="Des notes : « vraies » !",
        author_name="Claire",
        links="Mastodon | https://mastodon.example/@claire",
    )
    response = client.get("/")
    assert response.status_code == 200
    assert not response.templates, "the first page is served from its stored layout"
    assert response.content.decode() == rendered_by_the_template(rf)
    assert response["Content-Type"] == "text/html; charset=utf-8"
    # The stored layout in use, with or without an older page.
    assert ('rel="next"' in response.content.decode()) == (posts > 10)


def test_the_home_page_shows_an_edit_of_the_identity_menu_or_posts_at_once(
    committed, client, rf, make_post
):
    make_post("Premier")
    identity = SiteIdentity.objects.create(title="Avant")
    assert "Avant" in get(client)
    identity.title = "Après"
    identity.save()
    with committed():
        about_page()
    make_post("Second", days_ago=0.5)
    home = get(client)
    assert "<title>Après</title>" in home and "Avant" not in home
    assert menu_of(home)[-3] == ABOUT
    assert home.index("Second") < home.index("Premier")
    assert home == rendered_by_the_template(rf)


def test_the_home_page_reads_one_query_from_its_stored_layout(client, make_post):
    for n in range(12):
        make_post(f"Billet {n}")
    SiteIdentity.objects.create(title="Mon carnet")
    get(client)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert not response.templates
    assert len(queries) == 1, [query["sql"] for query in queries]


@pytest.mark.parametrize("url", ["/?page=2", "/?page=last"])
def test_other_pages_of_the_home_page_come_from_the_template(client, rf, make_post, url):
    for n in range(12):
        make_post(f"Billet {n}")
    response = client.get(url)
    assert response.status_code == 200
    assert "blog/post_list.html" in [template.name for template in response.templates]
    assert response.content.decode() == rendered_by_the_template(rf, url)


def test_a_home_page_with_nothing_published_comes_from_the_template(client, db):
    response = client.get("/")
    assert "blog/post_list.html" in [template.name for template in response.templates]
    assert "Rien de publié pour l’instant." in response.content.decode()


def test_the_home_layout_is_kept_only_for_the_address_it_was_rendered_at(
    client, make_post, monkeypatch
):
    make_post("Un billet")
    identity = SiteIdentity.current()
    # A site served under a prefix its frame was not rendered with (FORCE_SCRIPT_NAME).
    monkeypatch.setitem(identity.frame, "home", {**identity.frame["home"], "path": "/blog/"})
    response = client.get("/")
    assert "blog/post_list.html" in [template.name for template in response.templates]


@pytest.fixture
def home_with_older_page(make_post):
    for n in range(11):
        make_post(f"Billet {n}")
    return SiteIdentity.objects.create(title="Mon carnet", tagline="Des notes.")


def test_the_home_layout_follows_a_new_site_url(client, rf, home_with_older_page, settings):
    # A restart with another SITE_URL (the domain set after a first import, a move to https).
    settings.SITE_URL = "https://carnet.example"
    cache.clear()
    SiteIdentity._shown = None
    served = get(client)
    assert '<link rel="canonical" href="https://carnet.example/">' in served
    assert '<link rel="next" href="https://carnet.example/?page=2">' in served
    assert served == rendered_by_the_template(rf)


def test_an_identity_row_written_past_save_shows_on_the_home_page(client, rf, home_with_older_page):
    SiteIdentity.current()
    SiteIdentity.objects.update(title="Titre d’après")
    page_cache.bump_content_stamp()
    served = get(client)
    assert "<title>Titre d’après</title>" in served
    assert served == rendered_by_the_template(rf)


@pytest.mark.parametrize("query", ["", "?page=1", "?utm_source=x", "?q=x"])
def test_the_home_layout_answers_with_the_templates_headers(
    client, admin_client, home_with_older_page, page_cache_on, query
):
    for visitor in (client, admin_client):
        served = visitor.get("/" + query)
        rendered = visitor.get("/?page=0001")  # the same page, from its template
        assert not served.templates and rendered.templates
        assert served.content == rendered.content
        unstamped = ("ETag", "Last-Modified")
        assert {k: v for k, v in served.headers.items() if k not in unstamped} == {
            k: v for k, v in rendered.headers.items() if k not in unstamped
        }
        head = visitor.head("/" + query)
        assert head.status_code == 200 and head.content == b""
