"""What search engines and assistive technology read: head metadata, structure, sitemap, robots."""

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from blog.models import Category, Page, Post

SITE = "https://carnet.example"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


class Document(HTMLParser):
    """The tags of a page with their attributes, and the text of its JSON-LD scripts."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.json_ld: list[str] = []
        self._in_json = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        self._in_json = tag == "script" and attributes.get("type") == "application/ld+json"

    def handle_endtag(self, tag):
        self._in_json = False

    def handle_data(self, data):
        if self._in_json:
            self.json_ld.append(data)

    def all(self, tag: str, **attrs) -> list[dict]:
        return [
            found
            for name, found in self.tags
            if name == tag and all(found.get(key) == value for key, value in attrs.items())
        ]

    def meta(self, **attrs) -> str | None:
        found = self.all("meta", **attrs)
        return found[0]["content"] if found else None

    def link(self, rel: str) -> list[str]:
        return [found["href"] for found in self.all("link", rel=rel)]


def document(client, url: str) -> Document:
    response = client.get(url)
    assert response.status_code == 200, url
    return Document(response.content.decode())


@pytest.fixture
def post(make_post):
    return make_post(
        "Sauter à pieds joints",
        slug="solo",
        body="Je me lance en solo.\n\n<!--more-->\n\nLa suite.",
        published_at=datetime(2017, 1, 3, 9, 0, tzinfo=UTC),
        tags=["ess", "et moi"],
        categories=["good-job"],
    )


def test_post_head_has_title_description_canonical_and_social_tags(client, post):
    page = document(client, post.get_absolute_url())
    url = f"{SITE}/2017/01/03/solo/"
    assert page.all("html")[0]["lang"] == "fr"
    assert page.meta(name="description") == "Je me lance en solo."
    assert page.link("canonical") == [url]
    assert page.meta(property="og:type") == "article"
    assert page.meta(property="og:title") == "Sauter à pieds joints"
    assert page.meta(property="og:url") == url
    assert page.meta(property="og:locale") == "fr_FR"
    assert page.meta(name="twitter:card") == "summary"
    assert page.meta(name="twitter:title") == "Sauter à pieds joints"
    assert page.meta(property="article:published_time") == "2017-01-03T10:00:00+01:00"
    assert [tag["content"] for tag in page.all("meta", property="article:tag")] == ["ess", "et moi"]
    assert page.meta(name="robots") is None


def test_the_authors_description_wins(client, make_post):
    post = make_post("Titre", description="Ce que la page dit aux moteurs.")
    page = document(client, post.get_absolute_url())
    assert page.meta(name="description") == "Ce que la page dit aux moteurs."
    assert page.meta(property="og:description") == "Ce que la page dit aux moteurs."


def test_post_has_json_ld_blogposting(client, post):
    page = document(client, post.get_absolute_url())
    (data,) = [json.loads(text) for text in page.json_ld]
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Sauter à pieds joints"
    assert data["url"] == f"{SITE}/2017/01/03/solo/"
    assert data["datePublished"].startswith("2017-01-03T09:00:00")
    assert data["keywords"] == ["ess", "et moi"]
    assert data["inLanguage"] == "fr"
    assert data["author"]["@type"] == "Person"


def test_a_hostile_title_cannot_escape_the_json_ld(client, make_post):
    title = '</script><script>alert("x")</script> & <!--'
    post = make_post(title)
    text = client.get(post.get_absolute_url()).content.decode()
    assert "<script>alert" not in text
    page = Document(text)
    assert json.loads(page.json_ld[0])["headline"] == title
    assert page.meta(property="og:title") == title


def test_every_page_has_landmarks_a_skip_link_and_one_h1(client, post, db):
    Page.objects.create(title="À propos", slug="a-propos", body="Moi.", show_in_menu=True)
    urls = [
        "/",
        post.get_absolute_url(),
        "/categories/",
        "/categories/good-job/",
        "/tags/",
        "/tags/ess/",
        "/archives/",
        "/2017/",
        "/2017/01/",
        "/search/",
        "/search/?q=solo",
        "/a-propos/",
    ]
    for url in urls:
        page = document(client, url)
        assert len(page.all("h1")) == 1, url
        for landmark in ("header", "nav", "main", "footer"):
            assert page.all(landmark), (url, landmark)
        assert page.all("a", href="#contenu-principal", **{"class": "skip-link"}), url
        assert page.all("main", id="contenu-principal"), url
        assert page.all("html")[0]["lang"] == "fr"
        assert page.all("title"), url
        assert page.meta(name="description"), url
        assert page.link("canonical")[0].startswith(SITE + "/"), url
        assert page.all("link", rel="alternate", type="application/rss+xml", href="/feed.xml")
        assert page.all("link", rel="alternate", type="application/atom+xml", href="/atom.xml")
        # No JavaScript: the only script elements are data for search engines.
        assert all(script.get("type") == "application/ld+json" for script in page.all("script")), (
            url
        )


def test_navigation_marks_the_current_page(client, post):
    page = document(client, "/tags/")
    assert page.all("a", href="/tags/", **{"aria-current": "page"})
    assert not page.all("a", href="/categories/", **{"aria-current": "page"})
    assert page.all("nav", **{"aria-label": "Menu principal"})


def test_search_field_has_a_label(client, db):
    page = document(client, "/search/")
    (field,) = page.all("input", name="q")
    assert page.all("label", **{"for": field["id"]})


def test_paginated_lists_link_prev_and_next_and_their_own_canonical(client, make_post):
    for day in range(25):
        make_post(days_ago=day + 1, categories=["c"])
    first = document(client, "/")
    assert first.link("next") == [f"{SITE}/?page=2"] and first.link("prev") == []
    assert first.link("canonical") == [f"{SITE}/"]
    second = document(client, "/?page=2&utm_source=x&q=velo")
    assert second.link("prev") == [f"{SITE}/"]
    assert second.link("next") == [f"{SITE}/?page=3"]
    assert second.link("canonical") == [f"{SITE}/?page=2"]
    category = document(client, "/categories/c/?page=3")
    assert category.link("prev") == [f"{SITE}/categories/c/?page=2"]
    assert category.link("next") == []


def test_category_and_tag_pages_announce_their_own_feeds(client, post):
    category = document(client, "/categories/good-job/")
    assert "/categories/good-job/feed.xml" in category.link("alternate")
    assert "/categories/good-job/atom.xml" in category.link("alternate")
    tag = document(client, "/tags/et-moi/")
    assert "/tags/et-moi/feed.xml" in tag.link("alternate")


def test_robots_txt_points_to_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines


def sitemap(client) -> dict[str, str | None]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == f"{SITEMAP}urlset"
    return {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in root.findall(f"{SITEMAP}url")
    }


def test_sitemap_lists_every_published_thing_with_lastmod(client, post, make_post):
    post.updated_at = datetime(2017, 3, 1, 9, 0, tzinfo=UTC)
    post.save()
    Page.objects.create(title="À propos", slug="a-propos")
    Page.objects.create(title="Caché", slug="cache", is_published=False)
    Category.objects.create(slug="vide", name="Vide")
    make_post("Brouillon", slug="brouillon", status=Post.Status.DRAFT, tags=["secret"])
    make_post("Demain", slug="demain", days_ago=-1, categories=["futur"], tags=["secret"])
    urls = sitemap(client)
    assert set(urls) == {
        f"{SITE}/",
        f"{SITE}/2017/01/03/solo/",
        f"{SITE}/categories/good-job/",
        f"{SITE}/tags/ess/",
        f"{SITE}/tags/et-moi/",
        f"{SITE}/a-propos/",
    }
    assert all(urls.values()), urls
    assert urls[f"{SITE}/2017/01/03/solo/"].startswith("2017-03-01")
    assert urls[f"{SITE}/categories/good-job/"].startswith("2017-01-03")


def test_the_sitemap_is_linked_by_name(client, db):
    assert reverse("blog:sitemap") == "/sitemap.xml"
    assert client.get(reverse("blog:sitemap")).status_code == 200


def test_the_icon_is_declared_and_favicon_ico_finds_it(client, db):
    page = document(client, "/search/")
    (icon,) = page.link("icon")
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == icon


def test_search_pages_keep_their_words_in_canonical_and_pagination(client, make_post):
    for day in range(12):
        make_post(f"Vélo {day}", body="Le vélo en ville.", days_ago=day + 1)
    page = document(client, "/search/?q=v%C3%A9lo&page=2&utm_source=x")
    assert page.link("canonical") == [f"{SITE}/search/?q=v%C3%A9lo&page=2"]
    assert page.link("prev") == [f"{SITE}/search/?q=v%C3%A9lo"]
