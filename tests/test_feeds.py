"""RSS and Atom feeds: valid, newest first, full content with absolute links, old guids kept."""

import io
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog.feeds import absolute_links
from blog.models import Post, SiteIdentity
from blog.templatetags.blog_tags import typeset

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "https://carnet.example"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def rss_items(client, url: str = "/feed.xml") -> tuple[ET.Element, list[ET.Element]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for required in ("title", "link", "description"):
        assert channel.findtext(required), required
    items = channel.findall("item")
    for item in items:
        for required in ("title", "link", "description", "guid", "pubDate"):
            assert item.findtext(required), required
        parsedate_to_datetime(item.findtext("pubDate"))  # RFC 822, or it raises
    return channel, items


def atom_entries(client, url: str = "/atom.xml") -> tuple[ET.Element, list[ET.Element]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.findtext(f"{ATOM}{required}"), required
    entries = feed.findall(f"{ATOM}entry")
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert entry.findtext(f"{ATOM}{required}"), required
        assert entry.find(f"{ATOM}link").get("href").startswith(SITE)
    return feed, entries


def test_rss_lists_the_newest_twenty_published_posts(client, make_post):
    for day in range(22):
        make_post(f"Billet {day}", days_ago=day + 1)
    make_post("Brouillon secret", status=Post.Status.DRAFT)
    make_post("Billet de demain", days_ago=-1)
    channel, items = rss_items(client)
    titles = [item.findtext("title") for item in items]
    assert titles == [f"Billet {day}" for day in range(20)]
    assert channel.findtext("link") == f"{SITE}/"
    assert channel.findtext("language") == "fr"


def test_imported_posts_keep_their_old_permalink_as_guid(client, make_post):
    old = make_post(
        "Solo", old_permalink="https://blog.example/good_job/2017/01/03/solo.html", days_ago=2
    )
    new = make_post("Nouveau", days_ago=1)
    _channel, items = rss_items(client)
    guids = {item.findtext("title"): item.find("guid") for item in items}
    assert guids["Solo"].text == old.old_permalink
    assert guids["Solo"].get("isPermaLink") == "true"
    assert guids["Nouveau"].text == SITE + new.get_absolute_url()
    links = {item.findtext("title"): item.findtext("link") for item in items}
    assert links["Solo"] == SITE + old.get_absolute_url()


def test_a_guid_that_is_not_an_address_is_no_permalink(client, make_post):
    make_post("Étrange", old_permalink="tag:blog.example,2017:solo")
    _channel, items = rss_items(client)
    assert items[0].find("guid").get("isPermaLink") == "false"


def test_a_jekyll_feed_id_is_no_permalink(client, make_post):
    # jekyll-feed's `post.id` looks like an address but names no page.
    make_post("Neuf", old_feed_id="https://blog.example/mon/permalien")
    _channel, items = rss_items(client)
    guid = items[0].find("guid")
    assert (guid.text, guid.get("isPermaLink")) == ("https://blog.example/mon/permalien", "false")


def test_items_carry_the_full_text_with_absolute_links_and_images(client, make_post):
    post = make_post(
        "Images",
        body=(
            "Début.\n\n<!--more-->\n\n[Page](/a-propos/) ![Vue](/media/vue.jpg) "
            "![Locale](images/loc.png) [Ailleurs](https://ailleurs.example/x) [Note](#note)"
        ),
    )
    _channel, items = rss_items(client)
    description = items[0].findtext("description")
    assert "Début." in description and "Ailleurs" in description  # past the excerpt
    assert f'href="{SITE}/a-propos/"' in description
    assert f'src="{SITE}/media/vue.jpg"' in description
    assert f'src="{SITE}{post.get_absolute_url()}images/loc.png"' in description
    assert 'href="https://ailleurs.example/x"' in description
    assert f'href="{SITE}{post.get_absolute_url()}#note"' in description


def test_atom_feed_has_full_content_and_the_same_ids(client, make_post):
    old = make_post(
        "Solo", old_permalink="https://blog.example/solo.html", body="A.\n\n<!--more-->\n\nB."
    )
    make_post("Brouillon secret", status=Post.Status.DRAFT)
    feed, entries = atom_entries(client)
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Solo"]
    entry = entries[0]
    assert entry.findtext(f"{ATOM}id") == old.old_permalink
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html" and "<p>B.</p>" in content.text
    assert "<p>A.</p>" in entry.findtext(f"{ATOM}summary")
    self_link = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link[0].get("href") == f"{SITE}/atom.xml"


def test_items_name_their_categories_and_tags(client, make_post):
    make_post("Classé", categories=["good-job"], tags=["et moi"])
    _channel, items = rss_items(client)
    assert [c.text for c in items[0].findall("category")] == ["good-job", "et moi"]


def test_category_and_tag_feeds_hold_only_their_published_posts(client, make_post):
    make_post("Dans good job", categories=["good-job"], tags=["ess"])
    make_post("Ailleurs", categories=["autre"], tags=["autre"])
    make_post("Brouillon secret", status=Post.Status.DRAFT, categories=["good-job"], tags=["ess"])
    make_post("Billet de demain", days_ago=-1, categories=["good-job"], tags=["ess"])
    for url in ("/categories/good-job/feed.xml", "/tags/ess/feed.xml"):
        _channel, items = rss_items(client, url)
        assert [item.findtext("title") for item in items] == ["Dans good job"], url
    for url in ("/categories/good-job/atom.xml", "/tags/ess/atom.xml"):
        _feed, entries = atom_entries(client, url)
        assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Dans good job"], url
    channel, _items = rss_items(client, "/tags/ess/feed.xml")
    assert channel.findtext("link") == f"{SITE}/tags/ess/"
    assert client.get("/categories/inconnue/feed.xml").status_code == 404
    assert client.get("/tags/inconnu/atom.xml").status_code == 404


def test_terms_only_drafts_and_scheduled_posts_carry_have_no_feed(client, make_post):
    # Like their pages: their names must not show before a post that carries them is out.
    make_post("Brouillon", status=Post.Status.DRAFT, categories=["cat-brouillon"], tags=["secret"])
    make_post("Demain", days_ago=-1, categories=["cat-futur"], tags=["futurtag"])
    for term in (
        "categories/cat-brouillon",
        "categories/cat-futur",
        "tags/secret",
        "tags/futurtag",
    ):
        for feed in ("feed.xml", "atom.xml"):
            response = client.get(f"/{term}/{feed}")
            assert response.status_code == 404, (term, feed)
            assert b"secret" not in response.content and b"futur" not in response.content
        assert client.get(f"/{term}/").status_code == 404


def test_feed_titles_are_escaped_not_broken(client, make_post):
    make_post("<b>Gras</b> & « guillemets »")
    _channel, items = rss_items(client)
    assert items[0].findtext("title") == "<b>Gras</b> & « guillemets »"


def test_absolute_links_keeps_absolute_addresses_and_escapes():
    html = (
        '<a href="/x?a=1&amp;b=2">x</a><img src="https://cdn.example/i.png">'
        '<a href="mailto:a@b.c">m</a>'
    )
    result = absolute_links(html, "https://site.example/2017/01/03/solo/")
    assert 'href="https://site.example/x?a=1&amp;b=2"' in result
    assert 'src="https://cdn.example/i.png"' in result
    assert 'href="mailto:a@b.c"' in result


def populate(make_post, count: int) -> None:
    for number in range(count):
        make_post(
            days_ago=number + 1,
            tags=[f"tag-{(number + k) % 12}" for k in range(6)],
            categories=["commune", f"cat-{number % 4}"],
        )


@pytest.mark.parametrize(
    "url",
    ["/feed.xml", "/atom.xml", "/categories/commune/feed.xml", "/tags/tag-1/atom.xml"],
)
def test_feeds_cost_at_most_four_queries_whatever_the_posts(client, make_post, url):
    SiteIdentity.current()
    counts = []
    for count in (3, 30):
        populate(make_post, count)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4, counts


def test_after_importing_the_sample_site_old_links_and_guids_live_on(client, db, settings):
    """Acceptance: a real Jekyll site imported, its old feed's items still reach their posts
    through a 301, and the new feed lists the newest posts under the same guids, same order."""
    from pathlib import Path
    from urllib.parse import urlsplit

    from django.core.management import call_command

    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    call_command(
        "import_posts",
        str(fixtures / "jekyll-site"),
        "--tag-dir",
        "tags",
        "--category-dir",
        "lubies",
        stdout=io.StringIO(),
    )
    old_items = ET.parse(fixtures / "old-feed.xml").getroot().find("channel").findall("item")
    assert old_items
    for item in old_items:
        guid = item.findtext("guid")
        response = client.get(urlsplit(item.findtext("link")).path)
        assert response.status_code == 301, guid
        page = client.get(response["Location"])
        assert page.status_code == 200, guid
        title = Post.objects.get(old_permalink=guid).title
        assert f"<h1>{typeset(title)}</h1>" in page.content.decode(), guid
    _channel, items = rss_items(client)
    assert [item.findtext("guid") for item in items] == [
        item.findtext("guid") for item in old_items
    ]
