"""Old addresses: the Jekyll blog's posts, tag and category pages, and posts that moved."""

import unicodedata
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from django.urls import reverse

from blog.importer import import_site
from blog.models import OldURL, Page, Post
from tests.conftest import write


@pytest.fixture
def solo(make_post):
    post = make_post(
        "Sauter à pieds joints",
        slug="solo",
        published_at=datetime(2017, 1, 3, 9, 0, tzinfo=UTC),
        old_permalink="https://blog.example/good_job/2017/01/03/solo.html",
    )
    OldURL.objects.create(path="/good_job/2017/01/03/solo.html", post=post)
    OldURL.objects.create(path="/2017/01/solo-ancien/", post=post)  # a redirect_from
    return post


def test_imported_post_old_url_answers_301_then_the_post(client, solo):
    response = client.get("/good_job/2017/01/03/solo.html")
    assert response.status_code == 301
    assert response["Location"] == "/2017/01/03/solo/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "<h1>Sauter à pieds joints</h1>" in page.content.decode()


@pytest.mark.parametrize(
    "old",
    [
        "/good_job/2017/01/03/solo",  # without the extension, as some links had it
        "/good_job/2017/01/03/solo/",
        "/2017/01/solo-ancien/",  # redirect_from
        "/2017/01/solo-ancien",
    ],
)
def test_other_forms_of_old_addresses_redirect(client, solo, old):
    response = client.get(old)
    assert response.status_code == 301, old
    assert response["Location"] == solo.get_absolute_url()


def test_the_query_string_is_kept(client, solo):
    response = client.get("/good_job/2017/01/03/solo.html?utm_source=mastodon")
    assert response["Location"] == "/2017/01/03/solo/?utm_source=mastodon"


def test_an_unpublished_post_old_url_stays_404(client, solo):
    Post.objects.filter(pk=solo.pk).update(status=Post.Status.DRAFT)
    assert client.get("/good_job/2017/01/03/solo.html").status_code == 404


@pytest.fixture
def old_pages(make_post):
    make_post("Étiqueté", tags=["et moi", "écoconception"], categories=["code-decroissant"])
    OldURL.objects.create(path="/tag/et moi/", target="/tags/et-moi/")
    OldURL.objects.create(path="/tag/écoconception/", target="/tags/ecoconception/")
    OldURL.objects.create(path="/lubies/code décroissant/", target="/categories/code-decroissant/")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/tag/et moi/", "/tags/et-moi/"),
        ("/tag/et%20moi/", "/tags/et-moi/"),
        ("/tag/et%2520moi/", "/tags/et-moi/"),  # encoded twice by an old link
        ("/tag/et moi/index.html", "/tags/et-moi/"),
        ("/tag/et moi", "/tags/et-moi/"),
        ("/tag/écoconception/", "/tags/ecoconception/"),
        ("/tag/" + quote("écoconception") + "/", "/tags/ecoconception/"),
        (
            "/tag/" + quote(unicodedata.normalize("NFD", "écoconception")) + "/",
            "/tags/ecoconception/",
        ),
        ("/lubies/code décroissant/", "/categories/code-decroissant/"),
        ("/lubies/code%20d%C3%A9croissant/", "/categories/code-decroissant/"),
        ("/lubies/code décroissant/index.html", "/categories/code-decroissant/"),
    ],
)
def test_old_tag_and_category_pages_redirect(client, old_pages, old, new):
    response = client.get(old)
    assert response.status_code == 301, old
    assert response["Location"] == new
    assert client.get(new).status_code == 200


def test_unknown_old_address_stays_404(client, old_pages):
    assert client.get("/tag/inconnu/").status_code == 404


def test_a_changed_slug_leaves_a_301(client, make_post):
    post = make_post("Titre", slug="ancien", published_at=datetime(2017, 1, 3, 9, 0, tzinfo=UTC))
    post.slug = "nouveau"
    post.save()
    response = client.get("/2017/01/03/ancien/")
    assert response.status_code == 301
    assert response["Location"] == "/2017/01/03/nouveau/"
    assert client.get(response["Location"]).status_code == 200


def test_moving_twice_leaves_no_chain(client, make_post):
    post = make_post("Titre", slug="premier", published_at=datetime(2017, 1, 3, 9, 0, tzinfo=UTC))
    post.slug = "deuxieme"
    post.save()
    post.slug = "troisieme"
    post.save()
    for old in ("/2017/01/03/premier/", "/2017/01/03/deuxieme/"):
        assert client.get(old)["Location"] == "/2017/01/03/troisieme/", old


def test_a_changed_date_leaves_a_301(client, make_post):
    post = make_post("Titre", slug="date", published_at=datetime(2017, 1, 3, 9, 0, tzinfo=UTC))
    post.published_at = datetime(2017, 2, 5, 9, 0, tzinfo=UTC)
    post.save()
    response = client.get("/2017/01/03/date/")
    assert response.status_code == 301
    assert response["Location"] == "/2017/02/05/date/"


def test_a_draft_changing_slug_leaves_nothing(make_post):
    draft = make_post("Brouillon", slug="essai", status=Post.Status.DRAFT)
    draft.slug = "final"
    draft.save()
    assert not OldURL.objects.exists()


def test_a_live_address_is_never_shadowed_by_an_old_one(client, make_post):
    first = make_post("Premier", slug="a", published_at=datetime(2017, 1, 3, 9, 0, tzinfo=UTC))
    first.slug = "b"
    first.save()
    # Another post now takes the freed address: readers get it, not a redirect.
    make_post("Second", slug="a", published_at=datetime(2017, 1, 3, 10, 0, tzinfo=UTC))
    response = client.get("/2017/01/03/a/")
    assert response.status_code == 200
    assert "<h1>Second</h1>" in response.content.decode()


def test_an_index_file_address_leads_to_its_folder(client, make_post):
    # Jekyll's server answered /a-propos/index.html as well as /a-propos/.
    Page.objects.create(title="À propos", slug="a-propos", body="Moi.")
    make_post("Un billet", slug="billet", published_at=datetime(2017, 1, 3, 9, tzinfo=UTC))
    for old, new in [
        ("/index.html", "/"),
        ("/a-propos/index.html", "/a-propos/"),
        ("/2017/01/03/billet/index.html?utm=x", "/2017/01/03/billet/?utm=x"),
        ("/archives/index.htm", "/archives/"),
    ]:
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, new), old
        assert client.get(new).status_code == 200, new
    assert client.get("/nulle-part/ailleurs/index.html").status_code == 404


def test_a_permalink_ending_in_index_html_is_found_at_its_folder(client, make_post):
    post = make_post("Neuf", slug="neuf", published_at=datetime(2019, 3, 4, 9, tzinfo=UTC))
    OldURL.objects.create(path="/p9/2019/03/04/billet-9/index.html", post=post)
    for old in ("/p9/2019/03/04/billet-9/", "/p9/2019/03/04/billet-9"):
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, "/2019/03/04/neuf/"), old


def page_form_data(page: Page, **overrides) -> dict:
    """What the admin's page form sends for `page`, with `overrides`."""
    data = {
        "title": page.title,
        "slug": page.slug,
        "body": page.body,
        "description": page.description,
        "hard_wrap": "on" if page.hard_wrap else "",
        "markdown": "on" if page.markdown else "",
        "is_published": "on" if page.is_published else "",
        "show_in_menu": "on" if page.show_in_menu else "",
        "menu_order": page.menu_order,
        "front_matter": "{}",
    }
    data.update(overrides)
    return data


def test_a_page_with_a_changed_slug_leaves_a_301(admin_client, client, db):
    page = Page.objects.create(title="À propos", slug="a-propos", body="Bonjour.")
    response = admin_client.post(
        reverse("admin:blog_page_change", args=[page.pk]),
        page_form_data(page, slug="qui-suis-je"),
    )
    assert response.status_code == 302
    old = client.get("/a-propos/")
    assert old.status_code == 301 and old["Location"] == "/qui-suis-je/"
    assert client.get(old["Location"]).status_code == 200
    page.slug = "a-propos"  # back again: no loop, the page answers at its address
    page.save()
    assert client.get("/a-propos/").status_code == 200
    assert client.get("/qui-suis-je/")["Location"] == "/a-propos/"


def test_an_unpublished_page_changing_slug_leaves_nothing(db):
    page = Page.objects.create(title="Bientôt", slug="bientot", is_published=False)
    page.slug = "plus-tard"
    page.save()
    assert not OldURL.objects.exists()


def test_an_imported_page_at_its_slug_keeps_its_old_address_when_renamed(
    admin_client, client, tmp_path
):
    # Served at /a-propos/ by Jekyll, as by Carnet: the import needed no old address.
    write(tmp_path / "_config.yml", "timezone: Europe/Paris\n")
    write(tmp_path / "a-propos.md", "---\ntitle: À propos\npermalink: /a-propos/\n---\nBonjour.\n")
    import_site([tmp_path])
    page = Page.objects.get()
    assert page.slug == "a-propos" and not page.old_urls.exists()
    admin_client.post(
        reverse("admin:blog_page_change", args=[page.pk]),
        page_form_data(page, slug="qui-suis-je"),
    )
    old = client.get("/a-propos/")
    assert old.status_code == 301 and old["Location"] == "/qui-suis-je/"
