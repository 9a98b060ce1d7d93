"""`import_posts` and blog/importer.py: what lands in the database, re-runs, failures, files."""

from __future__ import annotations

import filecmp
import io
import os
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.utils import timezone
from taggit.models import Tag

from blog import importer, jekyll
from blog.importer import import_site
from blog.models import Category, OldURL, Page, Post, render_post_fields
from tests.conftest import write
from tests.test_kramdown_differential import FRONT_MATTER_RE

TESTS = Path(__file__).resolve().parent
SITE = TESTS / "jekyll_site"

pytestmark = pytest.mark.django_db


def statuses(report, status, kind=None) -> set[str]:
    return set(report.paths(status, kind))


@pytest.fixture
def site_copy(tmp_path) -> Path:
    """tests/jekyll_site in a writable place, for tests that change it."""
    root = tmp_path / "site"
    shutil.copytree(SITE, root)
    return root


# --- Acceptance: the two seeds -------------------------------------------------------------


def test_seeds_come_in_as_undated_drafts_with_category_tags_and_excerpt(shared_dir):
    seeds = sorted(str(path) for path in (shared_dir / "seeds").glob("*.txt"))
    assert len(seeds) == 2
    dry = import_site(seeds, dry_run=True)
    assert {(note.path, note.code) for note in dry.notes} == {(seed, "undated") for seed in seeds}
    undated = dry.notes[0].message
    out = io.StringIO()
    call_command("import_posts", *seeds, stdout=out)
    # The report says why they are drafts, for each of them.
    for seed in seeds:
        assert f"{seed}" in out.getvalue()
    assert out.getvalue().count(undated) == 2

    posts = {Path(post.source_path).name: post for post in Post.objects.all()}
    assert set(posts) == {"000_1f4b98a203fd6adf.txt", "004_549576643b165482.txt"}
    for post in posts.values():
        assert post.status == Post.Status.DRAFT
        assert post.published_at is None
        assert [category.slug for category in post.categories.all()] == ["good_job"]
        assert Path(post.source_path).is_absolute()
        assert post.old_permalink == ""  # never dated, never on the old site under a date
        assert post.hard_wrap is True  # lone files follow MARKDOWN_HARD_WRAP
    first, second = posts["000_1f4b98a203fd6adf.txt"], posts["004_549576643b165482.txt"]
    assert sorted(first.tags.names()) == ["et moi"]
    assert sorted(second.tags.names()) == ["ess", "et moi"]
    assert first.slug == "a-mon-compte-2-mois"
    assert second.title == "Sauter à pieds joints dans le bain nouveau de 2017"
    # The excerpt ends at <!--more-->.
    assert second.has_more
    assert "Parce que 2016" in second.excerpt_html
    assert "En résumé" not in second.excerpt_html
    assert "En résumé" in second.body_html


def test_second_seed_renders_its_list_break_and_typography(shared_dir):
    seed = shared_dir / "seeds" / "004_549576643b165482.txt"
    import_site([seed])
    html = Post.objects.get().body_html
    summary = html.split("En résumé", 1)[1].split("<h2", 1)[0]
    assert summary.count("<li>") == 3
    assert "<br" in html
    assert "qu’il" in html  # typographic apostrophe
    assert "\u00a0:" in html  # no-break space before a colon


# --- Acceptance: Jekyll's own test corpus --------------------------------------------------

# Every post Jekyll 4.3 publishes from the corpus (checked with `jekyll` itself in
# test_jekyll.py), with the awkward case each one carries.
CORPUS_PUBLISHED = {
    "_posts/2008-02-02-published.markdown": "category publish_test",
    "_posts/2008-10-18-foo-bar.markdown": "{{ page.title }} removed and reported",
    "_posts/2008-11-21-complex.markdown": "page.url, page.date, page.id removed",
    "_posts/2008-12-03-permalinked-post.markdown": "permalink without leading slash",
    "_posts/2008-12-13-include.markdown": "{% include %} removed and reported",
    "_posts/2009-01-27-array-categories.markdown": "categories as a list",
    "_posts/2009-01-27-categories.markdown": "categories as a string, split",
    "_posts/2009-01-27-category.markdown": "singular category",
    "_posts/2009-01-27-empty-categories.markdown": "categories: null",
    "_posts/2009-01-27-empty-category.markdown": "category: null",
    "_posts/2009-01-27-no-category.markdown": "no category at all",
    "_posts/2009-03-12-hash-#1.markdown": "# in the file name; title cut by a YAML comment",
    "_posts/2009-05-18-empty-tag.markdown": "tag: null",
    "_posts/2009-05-18-empty-tags.markdown": "tags: null",
    "_posts/2009-05-18-tag.markdown": "singular tag",
    "_posts/2009-05-18-tags.markdown": "tags as a list",
    "_posts/2009-06-22-empty-yaml.markdown": "empty front matter, title from the slug",
    "_posts/2009-06-22-no-yaml.markdown": "no front matter: still a post in Jekyll",
    "_posts/2010-01-08-triple-dash.markdown": "--- inside the title",
    "_posts/2010-01-09-date-override.markdown": "front matter date wins over the name",
    "_posts/2010-01-09-time-override.markdown": "date and time, unquoted: UTC",
    "_posts/2010-01-09-timezone-override.markdown": "date with +00:00",
    "_posts/2010-01-16-override-data.markdown": "tags: A string → two tags",
    "_posts/2011-04-12-md-extension.md": ".md extension",
    "_posts/2013-01-02-post-excerpt.markdown": "layout: ~",
    "_posts/2013-01-12-nil-layout.markdown": "layout: nil",
    "_posts/2013-01-12-no-layout.markdown": "no layout",
    "_posts/2013-04-11-custom-excerpt.markdown": "excerpt: key",
    "_posts/2013-05-10-number-category.markdown": "category: 2013, a number",
    "_posts/2013-07-22-post-excerpt-with-layout.markdown": "four categories, mixed case",
    "_posts/2013-12-17-include-variable-filters.markdown": "includes with filters",
    "_posts/2014-01-06-permalink-traversal.md": "../ in the permalink",
    "_posts/2014-03-03-yaml-with-dots.md": "front matter closed by ...",
    "_posts/2014-03-22-escape-+ %20[].markdown": "+, space, % and [] in the name",
    "_posts/2014-07-05-another-mixed-case-category.markdown": "Mixedcase",
    "_posts/2014-07-05-mixed-case-category.markdown": "MixedCase, same category",
    "_posts/2014-09-02-relative-includes.markdown": "include_relative removed",
    "_posts/2015-01-08-post-excerpt-separator.markdown": "per-post excerpt_separator",
    "_posts/2015-02-20-extensionless-permalink.markdown": "permalink /:title",
    "_posts/2015-12-27-extra-spaces.markdown": "spaces after ---",
    "_posts/2016-08-16-indented-link-references.markdown": "indented link references",
    "_posts/2016-11-26-special-chars-(+).markdown": "( + ) in the name",
    "_posts/2017-2-5-i-dont-like-zeroes.md": "2017-2-5: no zeroes in the date",
    "_posts/2018-01-28-closed-liquid-block-excerpt.markdown": "multi-line highlight and raw",
    "_posts/2018-01-28-open-liquid-block-excerpt.markdown": "highlight with a blank line",
    "_posts/2018-05-15-closed-liquid-block-excerpt-whitespace-control.md": "{%- -%}",
    "_posts/2018-05-15-excerpt-whitespace-control-variable.md": "{{- -}}",
    "_posts/2018-05-15-open-liquid-block-excerpt-whitespace-control.md": "{%- for -%}",
    "_posts/2018-10-12-trailing-dots...markdown": "dots before the extension",
    "_posts/2018-11-15-excerpt-liquid-block.md": "every kind of Liquid block",
    "_posts/es/2008-11-21-nested.markdown": "nested under _posts: no category",
    "category/_posts/2008-09-23-categories.markdown": "category folder",
    "z_category/_posts/2008-09-23-categories.markdown": "category folder, same slug",
    "foo/_posts/bar/2008-12-12-topical-post.markdown": "category folder, nested file",
    "win/_posts/2009-05-24-yaml-linebreak.markdown": "CRLF line endings",
}
# `published: false`: Jekyll leaves it out; the importer keeps it, as a draft.
CORPUS_DRAFTS = {"_posts/2008-02-02-not-published.markdown"}
# Not posts for Jekyll (no date in the name): named in the report with the reason.
CORPUS_SKIPPED = {
    "_posts/2013-03-19-not-a-post/dubious.markdown",
    "_posts/include_relative/params.html",
    "_posts/include_relative/rel_include.html",
}


def test_corpus_imports_every_post_jekyll_publishes(shared_dir, django_assert_max_num_queries):
    corpus = shared_dir / "corpus" / "jekyll-test-source"
    out = io.StringIO()
    call_command("import_posts", str(corpus), stdout=out)  # no CommandError: nothing failed

    published = set(Post.objects.published().values_list("source_path", flat=True))
    assert published == set(CORPUS_PUBLISHED)
    drafts = set(Post.objects.drafts().values_list("source_path", flat=True))
    assert drafts == CORPUS_DRAFTS
    text = out.getvalue()
    for path in CORPUS_SKIPPED:
        assert path in text
    report = import_site([corpus], dry_run=True)
    assert statuses(report, importer.SKIPPED) == CORPUS_SKIPPED
    assert all(outcome.reason for outcome in report.outcomes if outcome.status == "skipped")
    assert report.failed == []

    # The second run reports everything unchanged, in a handful of queries.
    with django_assert_max_num_queries(12):
        again = import_site([corpus])
    assert statuses(again, importer.UNCHANGED) == set(CORPUS_PUBLISHED) | CORPUS_DRAFTS
    assert again.count(importer.CREATED) == again.count(importer.UPDATED) == 0
    assert Post.objects.count() == len(CORPUS_PUBLISHED) + len(CORPUS_DRAFTS)


def test_corpus_awkward_posts_land_right(shared_dir):
    import_site([shared_dir / "corpus" / "jekyll-test-source"])
    by_path = {post.source_path: post for post in Post.objects.all()}

    zeroes = by_path["_posts/2017-2-5-i-dont-like-zeroes.md"]
    assert timezone.localtime(zeroes.published_at).date().isoformat() == "2017-02-05"
    assert zeroes.title == "I Dont Like Zeroes"

    crlf = by_path["win/_posts/2009-05-24-yaml-linebreak.markdown"]
    assert crlf.title == "Test title" and "\r" not in crlf.body
    assert list(crlf.tags.names()) == ["Ruby"]
    assert [c.slug for c in crlf.categories.all()] == ["win"]

    timed = by_path["_posts/2010-01-09-timezone-override.markdown"]
    assert timed.published_at == datetime(2010, 1, 10, 13, 7, 9, tzinfo=UTC)

    layered = by_path["_posts/2013-07-22-post-excerpt-with-layout.markdown"]
    assert sorted(c.slug for c in layered.categories.all()) == [
        "bar",
        "baz",
        "mixedcase",
        "z_category",
    ]
    assert sorted(layered.tags.names()) == ["first", "jekyllrb.com", "second", "third"]
    mixed = Category.objects.get(slug="mixedcase")
    assert mixed.posts.count() == 3  # MixedCase and Mixedcase are one category

    assert by_path["_posts/2013-04-11-custom-excerpt.markdown"].excerpt == (
        "I can set a custom excerpt"
    )
    separator = by_path["_posts/2015-01-08-post-excerpt-separator.markdown"]
    assert separator.excerpt_separator == "\n---\n"

    # Three posts are called "categories": the slug is de-duplicated, in path order.
    assert {
        by_path["_posts/2009-01-27-categories.markdown"].slug,
        by_path["category/_posts/2008-09-23-categories.markdown"].slug,
        by_path["z_category/_posts/2008-09-23-categories.markdown"].slug,
    } == {"categories", "categories-2", "categories-3"}

    for post in by_path.values():
        assert "{%" not in post.body_html and "{{" not in post.body_html, post.source_path

    traversal = by_path["_posts/2014-01-06-permalink-traversal.md"]
    assert traversal.old_permalink.endswith("/%2e%2e/%2e%2e/%2e%2e/baddie.html")
    assert OldURL.objects.get(path="/baddie.html").post == traversal


# --- The test site: fields, files, pages ---------------------------------------------------


def test_site_import_fields(settings):
    settings.SITE_URL = "https://nouveau.example"
    report = import_site([SITE], tag_dir="tags", category_dir="categorie")
    solo = Post.objects.get(source_path="_posts/2017-01-03-solo.md")
    assert solo.title == "Seule, mais pas isolée"
    assert solo.published_at == datetime(2017, 1, 3, 8, 12, tzinfo=UTC)
    assert solo.status == Post.Status.PUBLISHED and solo.is_published()
    assert solo.description == "Le jour où je me lance à mon compte."
    assert solo.hard_wrap is True  # kramdown.hard_wrap in _config.yml
    assert solo.excerpt_separator == "<!--more-->"
    assert solo.old_permalink == "https://ancien.example/good_job/2017/01/03/solo.html"
    assert solo.front_matter == {
        "redirect_from": ["/solo/", "/good_job/2017/01/03/en-solo.html"],
    }
    good_job = Category.objects.get(slug="good_job")
    assert (good_job.name, good_job.description) == (
        "Bon boulot",
        "Le travail, les projets, les clients.",
    )

    civic = Post.objects.get(source_path="_posts/2019-06-27-civic-tech.md")
    assert sorted(civic.tags.names()) == sorted(
        ["civic tech", "données", "ui/ux", "on", "2017", "écoconception"]
    )
    assert Tag.objects.get(name="données").slug == "donnees"
    assert [category.slug for category in civic.categories.all()] == ["donnees"]
    assert Category.objects.get(slug="donnees").name == "Données"
    assert civic.updated_at == datetime(2019, 6, 30, 22, 0, tzinfo=UTC)
    assert civic.excerpt_separator == "<!--suite-->"
    assert civic.front_matter == {"lang": "fr", "image": "/img/posts/2019/01/tableau-blanc.jpg"}
    # Liquid resolved to the new addresses; code and raw text kept; unknown tags gone.
    assert "[mon lancement](/2017/01/03/solo/)" in civic.body
    assert "[voici le lien](/2017/01/03/solo/)" in civic.body
    assert '```python\nprint("{{ pas du Liquid }}")\n```' in civic.body
    assert "`{{ page.title }}`" in civic.body
    assert "{% include" not in civic.body
    # The site's address before a path is a path: no host is stored in a body.
    assert "[l'accueil](/)" in civic.body
    notes = {(note.path, note.code) for note in report.notes}
    assert ("_posts/2019-06-27-civic-tech.md", "liquid") in notes

    jardin = Post.objects.get(source_path="lubies/_posts/2018-05-01-jardin.md")
    assert [c.slug for c in jardin.categories.order_by("slug")] == ["bricoles", "lubies"]
    assert Category.objects.get(slug="lubies").name == "Lubies"
    assert jardin.published_at == datetime(2018, 4, 30, 22, 0, tzinfo=UTC)

    windows = Post.objects.get(source_path="_posts/2015-12-24-windows.md")
    assert windows.title == "Écrit sous Windows" and windows.body == "Une ligne\net la suivante.\n"

    unpublished = Post.objects.get(source_path="_posts/2016-04-09-brouillon-date.md")
    assert unpublished.status == Post.Status.DRAFT
    assert unpublished.published_at == datetime(2016, 4, 9, 13, 35, 44, tzinfo=UTC)

    scheduled = Post.objects.get(source_path="_posts/2099-12-31-plus-tard.md")
    now = timezone.now()
    assert scheduled.is_scheduled(now) and not scheduled.is_published(now)
    assert scheduled not in Post.objects.published(now)

    draft = Post.objects.get(source_path="_drafts/un-brouillon.md")
    assert draft.status == Post.Status.DRAFT and draft.published_at is None
    assert draft.old_permalink == ""


def test_site_import_reports_each_file_left_out_and_exits_non_zero():
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_posts", str(SITE), stdout=out)
    report = import_site([SITE], dry_run=True)
    failed = {outcome.path: outcome.reason for outcome in report.failed}
    assert set(failed) == {
        "_posts/2018-03-02-mauvais-yaml.md",
        "_posts/2018-13-45-date-impossible.md",
    }
    assert "3" in failed["_posts/2018-03-02-mauvais-yaml.md"]  # the line
    assert "2018-13-45" in failed["_posts/2018-13-45-date-impossible.md"]
    skipped = {
        outcome.path: outcome.reason for outcome in report.outcomes if outcome.status == "skipped"
    }
    assert set(skipped) == {
        "_posts/notes.md",
        "index.html",
        "404.md",
        "feed.xml",
        "_pages/recherche.html",
        "archives.html",
    }
    text = out.getvalue()
    for path in [*failed, *skipped]:
        assert path in text
    # The others were imported all the same.
    assert Post.objects.filter(source_path="_posts/2017-01-03-solo.md").exists()


def test_bad_encoding_fails_alone(tmp_path):
    root = tmp_path / "site"
    write(root / "_posts" / "2017-01-03-latin.md", "---\ntitle: Été\n---\n".encode("latin-1"))
    write(root / "_posts" / "2017-01-04-utf.md", "---\ntitle: Été\n---\n")
    report = import_site([root])
    assert [outcome.path for outcome in report.failed] == ["_posts/2017-01-03-latin.md"]
    assert "UTF-8" in report.failed[0].reason
    assert Post.objects.get().title == "Été"


def test_pages_are_imported_with_their_old_addresses():
    import_site([SITE], tag_dir="tags", category_dir="categorie")
    pages = {page.source_path: page for page in Page.objects.all()}
    assert set(pages) == {"_pages/c-est-quoi-don.md", "a-propos.md"}
    about = pages["_pages/c-est-quoi-don.md"]
    assert (about.slug, about.title, about.is_published) == (
        "c-est-quoi-don",
        "C'est quoi, don ?",
        True,
    )
    assert about.hard_wrap is True
    assert "/media/img/posts/2019/01/tableau-blanc.jpg" in about.body
    assert set(about.old_urls.values_list("path", flat=True)) == {
        "/c-est-quoi-don",
        "/c-est-quoi-don.html",
        "/about/",
    }
    root_page = pages["a-propos.md"]
    assert root_page.slug == "a-propos"
    assert set(root_page.old_urls.values_list("path", flat=True)) == {"/a-propos.html", "/a-propos"}
    assert OldURL.objects.get(path="/recherche/").target == "/search/"
    assert OldURL.objects.get(path="/archives-du-blog/").target == "/archives/"


def test_new_pages_join_the_menu_unless_the_site_answers_their_address(tmp_path):
    (tmp_path / "_pages").mkdir()
    (tmp_path / "_config.yml").write_text("timezone: Europe/Paris\n")
    (tmp_path / "_pages" / "about.md").write_text("---\ntitle: À propos\n---\nBonjour.\n")
    (tmp_path / "_pages" / "contact.md").write_text("---\ntitle: Contact\n---\nÉcrivez.\n")
    import_site([tmp_path])
    menu = dict(Page.objects.values_list("slug", "show_in_menu"))
    assert menu == {"about": True, "contact": False}
    Page.objects.filter(slug="about").update(show_in_menu=False)
    (tmp_path / "_pages" / "about.md").write_text("---\ntitle: À propos\n---\nBonsoir.\n")
    import_site([tmp_path])
    assert not Page.objects.get(slug="about").show_in_menu  # her choice survives a re-import


def test_a_page_renamed_in_the_old_site_keeps_its_old_address(tmp_path, client):
    write(tmp_path / "_config.yml", "timezone: Europe/Paris\n")
    write(tmp_path / "a-propos.md", "---\ntitle: À propos\npermalink: /a-propos/\n---\nBonjour.\n")
    import_site([tmp_path])
    # Renamed on the Jekyll side, with the old address kept by jekyll-redirect-from.
    write(
        tmp_path / "a-propos.md",
        "---\ntitle: Qui suis-je\npermalink: /qui-suis-je/\nredirect_from: /a-propos/\n"
        "---\nBonjour.\n",
    )
    report = import_site([tmp_path])
    assert not report.failed
    assert Page.objects.get().slug == "qui-suis-je"
    old = client.get("/a-propos/")
    assert old.status_code == 301 and old["Location"] == "/qui-suis-je/"


def test_pages_update_in_place(site_copy):
    import_site([site_copy])
    page = Page.objects.get(source_path="a-propos.md")
    path = site_copy / "a-propos.md"
    path.write_text(path.read_text().replace("Une page", "Une page revue"), encoding="utf-8")
    report = import_site([site_copy])
    assert statuses(report, importer.UPDATED, "page") == {"a-propos.md"}
    page.refresh_from_db()
    assert "Une page revue" in page.body
    assert Page.objects.count() == 2


# --- Files ---------------------------------------------------------------------------------


def test_local_files_are_copied_and_links_rewritten():
    report = import_site([SITE])
    solo = Post.objects.get(source_path="_posts/2017-01-03-solo.md")
    assert "![Le tableau blanc du premier jour](/media/img/posts/2019/01/tableau-blanc.jpg)" in (
        solo.body
    )
    assert "[le guide](/media/assets/docs/guide.pdf)" in solo.body
    assert default_storage.exists("img/posts/2019/01/tableau-blanc.jpg")
    assert default_storage.exists("assets/docs/guide.pdf")
    with default_storage.open("img/posts/2019/01/tableau-blanc.jpg", "rb") as copied:
        assert copied.read() == (SITE / "img/posts/2019/01/tableau-blanc.jpg").read_bytes()
    civic = Post.objects.get(source_path="_posts/2019-06-27-civic-tech.md")
    assert '<img src="/media/img/posts/2019/01/tableau-blanc.jpg"' in civic.body
    # The missing image is named with the post that uses it; the post is imported anyway.
    assert any(
        note.path == "_posts/2019-06-27-civic-tech.md"
        and note.code == "missing-file"
        and "/img/absente.png" in note.message
        for note in report.notes
    )
    assert "![Une image perdue](/img/absente.png)" in civic.body
    assert OldURL.objects.get(path="/img/posts/2019/01/tableau-blanc.jpg").target == (
        "/media/img/posts/2019/01/tableau-blanc.jpg"
    )
    assert (
        OldURL.objects.get(path="/assets/docs/guide.pdf").target == "/media/assets/docs/guide.pdf"
    )


def test_files_with_spaces_and_parentheses_in_their_names_come_along(tmp_path, client):
    # kramdown takes `![V](/img/vue mer.jpg)` and `(photo(1).jpg)` as written.
    root = tmp_path / "site"
    for name in ("img/vue mer.jpg", "img/photo(1).jpg", "files/mon doc.pdf", "img/l'été.jpg"):
        write(root / name, b"data of " + name.encode())
    body = (
        '![Vue](/img/vue mer.jpg)\n\n![Photo](/img/photo(1).jpg "Une photo")\n\n'
        "![L’été](/img/l'été.jpg 'Au soleil')\n\n"
        "[Le document](/files/mon doc.pdf) et [un lien](https://exemple.org/a b) de plus."
    )
    write(root / "_posts" / "2020-01-02-fichiers.md", "---\ntitle: Fichiers\n---\n" + body)
    report = import_site([root])
    post = Post.objects.get()
    assert not [note for note in report.notes if "not found" in note.message]
    html = post.body_html
    for name in ("img/vue%20mer.jpg", "img/photo(1).jpg", "files/mon%20doc.pdf"):
        assert f"/media/{name}" in html, name
        assert default_storage.exists(name.replace("%20", " "))
    assert 'title="Une photo"' in html and 'title="Au soleil"' in html
    assert default_storage.exists("img/l'été.jpg")
    assert client.get("/img/vue%20mer.jpg")["Location"] == "/media/img/vue%20mer.jpg"


def test_html_posts_and_pages_are_shown_as_written_not_as_markdown(tmp_path, client):
    # Jekyll runs Liquid on an .html file, never kramdown: indented HTML is no code block,
    # stars are no emphasis.
    root = tmp_path / "site"
    body = (
        '<p>Intro *pas en italique*</p>\n<!--more-->\n\n    <div class="bloc">\n'
        "        <p>Un bloc</p>\n    </div>\n<script>alert(1)</script>\n"
    )
    write(root / "_posts" / "2019-03-03-html.html", "---\ntitle: En HTML\n---\n" + body)
    write(root / "a-propos.html", "---\ntitle: À propos\n---\n\n    <p>Moi</p>\n")
    write(root / "_posts" / "2019-03-04-md.md", "---\ntitle: En markdown\n---\n*italique*")
    import_site([root])
    post = Post.objects.get(slug="html")
    assert post.markdown is False
    assert "<pre>" not in post.body_html and "<em>" not in post.body_html
    assert '<div class="bloc">' in post.body_html and "*pas en italique*" in post.body_html
    assert "<script>" not in post.body_html
    assert post.has_more and "Un bloc" not in post.excerpt_html
    page = Page.objects.get(slug="a-propos")
    assert page.markdown is False and "<pre>" not in page.body_html
    markdown_post = Post.objects.get(slug="md")
    assert markdown_post.markdown is True and "<em>italique</em>" in markdown_post.body_html
    assert "Un bloc" in client.get(post.get_absolute_url()).content.decode()


def test_a_post_named_on_its_own_then_its_whole_site_is_imported_once(tmp_path):
    root = tmp_path / "site"
    write(root / "_config.yml", "url: https://ancien.example\npermalink: pretty\n")
    post_file = write(root / "_posts" / "2020-01-09-seul.md", "---\ntitle: Seul\n---\nCorps.")
    write(root / "_posts" / "2020-01-10-autre.md", "---\ntitle: Autre\n---\nCorps.")
    import_site([post_file])
    post = Post.objects.get()
    # Read as the site reads it: its _config.yml, its key.
    assert post.source_path == "_posts/2020-01-09-seul.md"
    assert post.old_permalink == "https://ancien.example/2020/01/09/seul/"
    report = import_site([root])
    assert Post.objects.count() == 2 and Post.objects.filter(slug="seul").count() == 1
    assert statuses(report, importer.UNCHANGED) == {"_posts/2020-01-09-seul.md"}


@pytest.mark.parametrize("parse_block_html", [True, False])
def test_markdown_inside_html_blocks_follows_kramdowns_parse_block_html(tmp_path, parse_block_html):
    root = tmp_path / "site"
    option = "true" if parse_block_html else "false"
    write(root / "_config.yml", f"kramdown:\n  parse_block_html: {option}\n")
    body = (
        '<div class="encadre">\nUn texte **important**\n</div>\n\n'
        "```html\n<div>du **code**</div>\n```\n"
    )
    write(root / "_posts" / "2020-01-02-blocs.md", "---\ntitle: Blocs\n---\n" + body)
    import_site([root])
    post = Post.objects.get()
    assert ("<strong>important</strong>" in post.body_html) is parse_block_html
    assert ("**important**" in post.body_html) is not parse_block_html
    # Code is code either way.
    assert "&lt;div&gt;du **code**&lt;/div&gt;" in post.body_html


@pytest.mark.parametrize(
    ("config", "old"),
    [
        ("paginate: 4\n", "/page{}/"),
        ("paginate: 4\npaginate_path: /blog/p:num/\n", "/blog/p{}/"),
        ("pagination:\n  enabled: true\n  per_page: 4\n", "/page/{}/"),
    ],
)
def test_the_old_home_pages_lead_to_the_new_page_with_their_first_post(
    tmp_path, client, config, old
):
    root = tmp_path / "site"
    write(root / "_config.yml", config)
    for day in range(1, 26):
        write(root / "_posts" / f"2020-01-{day:02d}-billet-{day}.md", f"Billet {day}.")
    import_site([root])
    # 25 posts, 4 a page: old pages 2 to 7; the new site shows 10 a page.
    for number, new in [(2, "/"), (3, "/"), (4, "/?page=2"), (6, "/?page=3"), (7, "/?page=3")]:
        response = client.get(old.format(number))
        assert (response.status_code, response["Location"]) == (301, new), number
    assert client.get(old.format(8)).status_code == 404


def test_old_home_pages_count_the_redirect_to_posts_jekyll_listed(tmp_path, client):
    root = tmp_path / "site"
    write(root / "_config.yml", "paginate: 2\n")
    for day in range(1, 5):
        write(root / "_posts" / f"2020-01-{day:02d}-billet-{day}.md", f"Billet {day}.")
    write(
        root / "_posts" / "2020-01-05-ailleurs.md", "---\nredirect_to: /2020/01/01/billet-1/\n---\n"
    )
    import_site([root])
    # Jekyll listed 5 posts, 2 a page: /page3/ held one; Carnet has 4, all on its page 1.
    assert client.get("/page3/")["Location"] == "/"
    assert client.get("/page4/").status_code == 404


def test_a_file_name_that_is_not_utf8_is_reported_and_the_rest_imported(tmp_path):
    root = tmp_path / "site"
    write(root / "_posts" / "2019-01-02-bon.md", "Bon.")
    latin1 = os.fsencode(root / "_posts") + b"/2019-01-01-caf\xe9.md"
    with open(latin1, "wb") as file:
        file.write(b"Caf\xc3\xa9.")
    with open(os.fsencode(root) + b"/r\xe9sum\xe9.md", "wb") as file:
        file.write(b"---\ntitle: CV\n---\nCV.")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_posts", str(root), stdout=out, stderr=io.StringIO())
    assert Post.objects.get().slug == "bon"
    report = out.getvalue()
    assert "2019-01-01-caf\\xe9.md" in report and "r\\xe9sum\\xe9.md" in report
    assert "UTF-8" in report


def test_collections_dir_is_a_folder_not_a_category(tmp_path, client):
    root = tmp_path / "site"
    write(root / "_config.yml", "url: https://ancien.example\ncollections_dir: contenu\n")
    write(root / "contenu" / "_posts" / "2019-01-01-a.md", "---\ntitle: A\n---\nA.")
    write(root / "contenu" / "voyages" / "_posts" / "2019-01-02-b.md", "B.")
    import_site([root])
    a = Post.objects.get(slug="a")
    assert not a.categories.exists()
    assert a.old_permalink == "https://ancien.example/2019/01/01/a.html"
    assert client.get("/2019/01/01/a.html")["Location"] == a.get_absolute_url()
    b = Post.objects.get(slug="b")
    assert [c.slug for c in b.categories.all()] == ["voyages"]


def test_a_published_collection_is_named_in_the_report_not_dropped_silently(tmp_path):
    root = tmp_path / "site"
    write(root / "_config.yml", "collections:\n  recettes:\n    output: true\n  notes: {}\n")
    write(root / "_recettes" / "tarte.md", "---\ntitle: Tarte\n---\nTarte.")
    write(root / "_notes" / "privee.md", "---\ntitle: Note\n---\nNote.")
    write(root / "_posts" / "2019-01-01-a.md", "A.")
    report = import_site([root])
    assert Post.objects.count() == 1
    skipped = {
        outcome.path: outcome.reason
        for outcome in report.outcomes
        if outcome.status == importer.SKIPPED
    }
    assert "recettes" in skipped["_recettes/tarte.md"]
    assert "_notes/privee.md" not in skipped  # not published by the old site either


def test_links_between_posts_under_a_baseurl_still_lead_to_them(tmp_path, client):
    root = tmp_path / "site"
    write(root / "_config.yml", "baseurl: /blog\n")
    write(root / "_posts" / "2019-01-01-a.md", "---\ntitle: A\n---\nA.")
    write(
        root / "_posts" / "2019-01-02-b.md",
        "[A]({{ site.baseurl }}/2019/01/01/a.html), "
        '[encore]({{ "/2019/01/01/a.html" | relative_url }})',
    )
    import_site([root])
    a = Post.objects.get(slug="a")
    b = Post.objects.get(slug="b")
    assert b.body.count("(/2019/01/01/a.html)") == 2
    for old in ("/2019/01/01/a.html", "/blog/2019/01/01/a.html"):
        assert client.get(old)["Location"] == a.get_absolute_url(), old


def test_redirect_posts_and_pages_built_by_their_layout_are_not_imported_blank(tmp_path, client):
    root = tmp_path / "site"
    write(
        root / "_posts" / "2019-01-01-deplace.md",
        "---\nredirect_to: https://ailleurs.example/n/\n---\n",
    )
    write(root / "_posts" / "2019-01-02-vrai.md", "Un vrai billet.")
    write(root / "tag" / "velo.md", "---\nlayout: tagpage\ntag: vélo\n---\n")
    write(root / "blog" / "index.html", "---\nlayout: blog\ntitle: Le blog\n---\n\n")
    report = import_site([root])
    assert list(Post.objects.values_list("slug", flat=True)) == ["vrai"]
    assert not Page.objects.exists()
    skipped = {o.path for o in report.outcomes if o.status == importer.SKIPPED}
    assert {"_posts/2019-01-01-deplace.md", "tag/velo.md", "blog/index.html"} <= skipped
    assert client.get("/2019/01/01/deplace.html")["Location"] == "https://ailleurs.example/n/"
    assert client.get("/tag/velo.html")["Location"] == "/"
    assert client.get("/blog/")["Location"] == "/"


def test_a_post_of_a_category_folder_named_on_its_own_is_read_with_its_site(tmp_path):
    root = tmp_path / "site"
    write(root / "_config.yml", "permalink: pretty\n")
    post_file = write(root / "voyages" / "_posts" / "2020-01-02-b.md", "B.")
    write(root / "_posts" / "2020-01-03-c.md", "C.")
    import_site([post_file])
    post = Post.objects.get()
    assert post.source_path == "voyages/_posts/2020-01-02-b.md"
    assert [c.slug for c in post.categories.all()] == ["voyages"]
    assert post.old_permalink.endswith("/voyages/2020/01/02/b/")
    import_site([root])
    assert Post.objects.count() == 2


def test_a_file_of_posts_without_a_date_named_on_its_own_comes_in_as_a_draft(tmp_path):
    root = tmp_path / "site"
    write(root / "_config.yml", "title: Essai\n")
    notes = write(root / "_posts" / "notes.md", "---\ntitle: Notes\n---\nÀ trier.")
    report = import_site([notes])
    assert report.count(importer.CREATED) == 1
    assert Post.objects.get().status == Post.Status.DRAFT


def test_front_matter_image_is_copied_even_when_the_body_does_not_use_it(tmp_path):
    root = tmp_path / "site"
    write(root / "img" / "cover.png", b"png")
    write(root / "_posts" / "2017-01-03-a.md", "---\nimage: /img/cover.png\n---\nSans image.")
    import_site([root])
    assert default_storage.exists("img/cover.png")
    assert Post.objects.get().front_matter == {"image": "/img/cover.png"}
    assert OldURL.objects.get(path="/img/cover.png").target == "/media/img/cover.png"


def test_a_file_missing_then_added_updates_the_post(tmp_path):
    root = tmp_path / "site"
    write(root / "_posts" / "2017-01-03-a.md", "![x](/img/later.png)")
    first = import_site([root])
    assert [note.code for note in first.notes if note.code != "site"] == ["missing-file"]
    write(root / "img" / "later.png", b"png")
    second = import_site([root])
    assert statuses(second, importer.UPDATED) == {"_posts/2017-01-03-a.md"}
    assert "/media/img/later.png" in Post.objects.get().body


# --- Re-runs, dry run, options -------------------------------------------------------------


def test_rerun_updates_in_place_and_never_duplicates(site_copy):
    import_site([site_copy])
    post = Post.objects.get(source_path="_posts/2017-01-03-solo.md")
    count = Post.objects.count()
    path = site_copy / "_posts" / "2017-01-03-solo.md"
    path.write_text(path.read_text().replace("ess, et moi", "ess, et moi, nouveau"))
    report = import_site([site_copy])
    assert statuses(report, importer.UPDATED) == {"_posts/2017-01-03-solo.md"}
    assert report.count(importer.CREATED) == 0
    assert Post.objects.count() == count
    post.refresh_from_db()
    assert post.slug == "solo" and sorted(post.tags.names()) == ["ess", "et moi", "nouveau"]
    # Importing the _posts folder alone keys the files the same way.
    again = import_site([site_copy / "_posts"])
    assert again.count(importer.CREATED) == 0
    assert Post.objects.count() == count


def test_unchanged_rerun_is_cheap(django_assert_max_num_queries):
    import_site([SITE])
    # Three of them read the unchanged posts' tags and categories, for their old pages.
    with django_assert_max_num_queries(15):
        report = import_site([SITE])
    assert report.count(importer.CREATED) == report.count(importer.UPDATED) == 0
    assert report.count(importer.UNCHANGED) == 9  # 6 posts, 1 draft, 2 pages


def test_dry_run_writes_nothing_and_reports_the_same(tmp_path):
    dry = import_site([SITE], dry_run=True)
    assert Post.objects.count() == Page.objects.count() == OldURL.objects.count() == 0
    assert Category.objects.count() == Tag.objects.count() == 0
    assert not default_storage.exists("img/posts/2019/01/tableau-blanc.jpg")
    real = import_site([SITE])
    assert [(o.path, o.status) for o in dry.outcomes] == [(o.path, o.status) for o in real.outcomes]
    assert dry.lines()[-1] != real.lines()[-1]  # the dry run says nothing was written
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_posts", str(SITE), "--dry-run", stdout=out)


def test_tag_and_category_dir_options(tmp_path):
    root = tmp_path / "site"
    write(root / "_posts" / "2017-01-03-a.md", "---\ncategory: Vie Numérique\ntags: [ess]\n---\n")
    call_command(
        "import_posts",
        str(root),
        "--tag-dir",
        "etiquettes",
        "--category-dir",
        "rubriques",
        stdout=io.StringIO(),
    )
    assert OldURL.objects.get(path="/etiquettes/ess/").target == "/tags/ess/"
    assert OldURL.objects.get(path="/rubriques/Vie Numérique/").target == (
        "/categories/vie-numerique/"
    )
    assert OldURL.objects.filter(path="/rubriques/vie-numérique/").exists()


def test_defaults_follow_jekyll_archives_and_only_published_terms_get_pages(tmp_path):
    root = tmp_path / "site"
    write(root / "_config.yml", "jekyll-archives:\n  permalinks:\n    tag: /tags/:name/\n")
    write(
        root / "_posts" / "2017-01-03-a.md", "---\ncategory: bricoles\ntags: [side project]\n---\n"
    )
    write(root / "_posts" / "2017-01-04-b.md", "---\npublished: false\ntags: [démocratie]\n---\n")
    import_site([root])
    assert OldURL.objects.get(path="/tags/side project/").target == "/tags/side-project/"
    assert OldURL.objects.get(path="/category/bricoles/").target == "/categories/bricoles/"
    assert not OldURL.objects.filter(path__contains="mocratie").exists()


def test_each_post_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    root = tmp_path / "site"
    write(root / "_posts" / "2017-01-03-a.md", "---\ntags: [x]\nredirect_from: /a/\n---\nA")
    write(root / "_posts" / "2017-01-04-b.md", "---\ntags: [boom]\nredirect_from: /b/\n---\nB")
    original = importer._Import._keep_old_paths

    def failing(self, paths, planned, **owner):
        if planned.key.endswith("-b.md"):
            raise DatabaseError("disk full")
        return original(self, paths, planned, **owner)

    monkeypatch.setattr(importer._Import, "_keep_old_paths", failing)
    report = import_site([root])
    assert [(o.path, o.reason) for o in report.failed] == [("_posts/2017-01-04-b.md", "disk full")]
    assert list(Post.objects.values_list("source_path", flat=True)) == ["_posts/2017-01-03-a.md"]
    assert not OldURL.objects.filter(path="/b/").exists()
    assert OldURL.objects.filter(path="/a/").exists()


def test_slug_changes_on_the_new_site_do_not_break_reruns(tmp_path):
    root = tmp_path / "site"
    write(root / "_posts" / "2017-01-03-a.md", "A")
    write(root / "_posts" / "2018-01-03-a.md", "A bis")
    import_site([root])
    assert sorted(Post.objects.values_list("slug", flat=True)) == ["a", "a-2"]
    (root / "_posts" / "2018-01-03-a.md").write_text("A ter")
    import_site([root])
    assert sorted(Post.objects.values_list("slug", flat=True)) == ["a", "a-2"]


def test_lone_dated_file_uses_settings_for_its_old_permalink(tmp_path, settings):
    settings.SITE_URL = "https://nouveau.example"
    path = write(tmp_path / "2017-01-03-seul.md", "---\ncategory: ess\n---\nSeul.")
    import_site([path])
    post = Post.objects.get()
    assert post.source_path == str(path.resolve())
    # No `url` to say the old host: the path, given the site's address when the feed is
    # served, not the one in force at the import.
    assert post.old_permalink == "/ess/2017/01/03/seul.html"
    assert post.guid == "https://nouveau.example/ess/2017/01/03/seul.html"
    settings.SITE_URL = "https://vrai.example"
    assert post.guid == "https://vrai.example/ess/2017/01/03/seul.html"
    assert post.is_published()


def test_progress_only_on_a_terminal(tmp_path):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    root = tmp_path / "site"
    write(root / "_posts" / "2017-01-03-a.md", "A")
    write(root / "_posts" / "2017-01-04-b.md", "B")
    plain = io.StringIO()
    import_site([root], stdout=plain)
    assert plain.getvalue() == ""
    Post.objects.all().delete()
    terminal = Terminal()
    import_site([root], stdout=terminal)
    assert "\r" in terminal.getvalue() and "2/2" in terminal.getvalue()


def test_summary_lists_every_count():
    report = import_site([SITE], dry_run=True)
    summary = report.lines()[-4:]
    assert all(str(report.count(status)) in summary[2] for status in importer.STATUSES)
    assert len([line for line in report.lines() if line.startswith("[")]) >= len(report.failed)


def test_unchanged_posts_keep_edits_made_since_the_last_run(tmp_path):
    """The hash is of the file: an unchanged file does not overwrite what the author edited."""
    root = tmp_path / "site"
    write(root / "_posts" / "2017-01-03-a.md", "A")
    import_site([root])
    Post.objects.update(title="Titre revu")
    import_site([root])
    assert Post.objects.get().title == "Titre revu"


def test_scheduled_posts_stay_scheduled(tmp_path):
    root = tmp_path / "site"
    tomorrow = timezone.localdate() + timedelta(days=1)
    write(root / "_posts" / f"{tomorrow:%Y-%m-%d}-demain.md", "Demain.")
    import_site([root])
    post = Post.objects.get()
    assert post.status == Post.Status.PUBLISHED
    assert not Post.objects.published().exists()
    assert post in Post.objects.published(now=timezone.now() + timedelta(days=2))


def test_two_keys_of_one_category_on_one_post(tmp_path):
    root = tmp_path / "site"
    write(root / "_posts" / "2017-01-03-a.md", "---\ncategories: [MixedCase, Mixedcase]\n---\n")
    import_site([root])
    assert [c.slug for c in Post.objects.get().categories.all()] == ["mixedcase"]


def test_site_identity_is_filled_from_config_where_empty(tmp_path):
    from blog.models import SiteIdentity

    root = tmp_path / "site"
    write(
        root / "_config.yml",
        "title: Mon carnet\ndescription: >-\n  Des notes\n  sur le web.\nauthor:\n  name: Claire\n",
    )
    write(root / "_posts" / "2017-01-03-a.md", "A")
    SiteIdentity.objects.create(title="", tagline="Ma propre devise")
    import_site([root])
    identity = SiteIdentity.objects.get()
    assert identity.title == "Mon carnet"
    assert identity.tagline == "Ma propre devise"  # hers, kept
    assert identity.author_name == "Claire"
    import_site([root], dry_run=True)
    assert SiteIdentity.objects.count() == 1


def test_link_tag_to_a_static_file_copies_it(tmp_path):
    root = tmp_path / "site"
    write(root / "docs" / "plan.pdf", b"%PDF")
    write(root / "_posts" / "2017-01-03-a.md", "[Le plan]({% link docs/plan.pdf %})")
    import_site([root])
    assert Post.objects.get().body == "[Le plan](/media/docs/plan.pdf)"
    assert default_storage.exists("docs/plan.pdf")


def test_render_with_liquid_false_keeps_the_text_as_written(tmp_path):
    root = tmp_path / "site"
    write(
        root / "_posts" / "2017-01-03-a.md", "---\nrender_with_liquid: false\n---\n{{ x }} {% y %}"
    )
    report = import_site([root])
    assert Post.objects.get().body == "{{ x }} {% y %}"
    assert [note for note in report.notes if note.code != "site"] == []


# --- Speed: batches and worker processes (the figures are in bench/import_speed.py) ---------


def many_posts(root: Path, count: int, shared_dir: Path | None = None) -> Path:
    """A site of `count` posts whose bodies take the renderer's different paths."""
    bodies = [
        "Intro : « oui » !\n\n<!--more-->\n\n## Partie\n\n- un\n- deux\n",
        "Intro[^1].\n\n<!--more-->\n\nSuite.\n\n[^1]: La note.",
        "Un [lien][l].\n\n<!--more-->\n\n[l]: https://example.org",
        "Premier paragraphe.\n\nSecond.",
        "Seul.",
    ]
    if shared_dir is not None:
        bodies += [
            FRONT_MATTER_RE.sub("", path.read_text(encoding="utf-8"), count=1)
            for path in sorted((shared_dir / "seeds").glob("*.txt"))
        ]
    for number in range(count):
        write(
            root / "_posts" / f"2017-01-{1 + number % 28:02d}-billet-{number}.md",
            f"---\ntitle: Billet {number}\ntags: [ess, t{number % 3}]\ncategory: c{number % 2}\n"
            f"redirect_from: /ancien/{number}/\n---\n{bodies[number % len(bodies)]}",
        )
    return root


GENERATED = ("body_html", "excerpt_html", "has_more", "word_count", "search_document")


def test_posts_rendered_in_worker_processes_are_rendered_as_on_save(
    tmp_path, shared_dir, monkeypatch
):
    started = []

    class Pool(importer.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            started.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(importer, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(importer, "PARALLEL_MIN_POSTS", 5)
    report = import_site([many_posts(tmp_path / "site", 14, shared_dir)], workers=2)
    assert started == [(2,)] and report.count(importer.CREATED) == 14
    for post in Post.objects.all():
        expected = render_post_fields(post.render_input())
        assert {name: getattr(post, name) for name in GENERATED} == {
            name: expected[name] for name in GENERATED
        }


def test_few_posts_are_rendered_in_this_process(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "ProcessPoolExecutor", None)  # would fail if used
    report = import_site([many_posts(tmp_path / "site", 5)], workers=2)
    assert report.count(importer.CREATED) == 5


def test_new_posts_are_written_in_a_few_queries(tmp_path, django_assert_max_num_queries):
    root = many_posts(tmp_path / "site", 40)
    # Per batch of new posts: a savepoint, the posts, their categories, tags and old
    # addresses (5 queries), then their entries in lists (4); per new tag, 3 (taggit's
    # save); the rest is once per run. Forty posts one by one took over 200.
    with django_assert_max_num_queries(34):
        report = import_site([root])
    assert report.count(importer.CREATED) == 40
    post = Post.objects.get(source_path="_posts/2017-01-04-billet-3.md")
    assert sorted(post.tags.names()) == ["ess", "t0"]
    assert [category.slug for category in post.categories.all()] == ["c1"]
    assert OldURL.objects.get(path="/ancien/3/").post == post
    assert OldURL.objects.filter(post=post).count() == 2  # its permalink and redirect_from


def test_a_failing_post_in_a_batch_leaves_only_itself_out(tmp_path, monkeypatch):
    root = many_posts(tmp_path / "site", 6)
    original = importer._Import._keep_old_paths

    def failing(self, paths, planned, **owner):
        if planned.key.endswith("billet-2.md"):
            raise DatabaseError("disk full")
        return original(self, paths, planned, **owner)

    monkeypatch.setattr(importer._Import, "_keep_old_paths", failing)
    report = import_site([root])
    assert [outcome.status for outcome in report.outcomes] == ["created"] * 2 + ["failed"] + [
        "created"
    ] * 3
    assert report.failed[0].reason == "disk full"
    assert Post.objects.count() == 5 and OldURL.objects.filter(post__isnull=False).count() == 10
    assert not OldURL.objects.filter(path="/ancien/2/").exists()
    assert OldURL.objects.filter(path="/ancien/3/").exists()
    assert sorted(Post.objects.get(slug="billet-3").tags.names()) == ["ess", "t0"]


def test_two_new_posts_of_one_batch_claiming_one_old_address(tmp_path):
    root = tmp_path / "site"
    write(root / "_posts" / "2017-01-03-a.md", "---\nredirect_from: /commun/\n---\nA")
    write(root / "_posts" / "2017-01-04-b.md", "---\nredirect_from: /commun/\n---\nB")
    report = import_site([root])
    assert report.count(importer.CREATED) == 2
    assert OldURL.objects.get(path="/commun/").post.slug == "a"
    assert [(note.path, note.code) for note in report.notes if note.code != "site"] == [
        ("_posts/2017-01-04-b.md", "conflict")
    ]


def test_command_workers_option(tmp_path, monkeypatch):
    root = many_posts(tmp_path / "site", 3)
    monkeypatch.setattr(importer, "PARALLEL_MIN_POSTS", 1)
    monkeypatch.setattr(importer, "ProcessPoolExecutor", None)  # one worker: none started
    call_command("import_posts", str(root), "--workers", "1", stdout=io.StringIO())
    assert Post.objects.count() == 3
    with pytest.raises(CommandError):
        call_command("import_posts", str(root), "--workers", "0", stdout=io.StringIO())


def test_unchanged_self_contained_posts_are_not_read_again(tmp_path, monkeypatch):
    root = many_posts(tmp_path / "site", 4)
    write(root / "_posts" / "2017-02-01-lien.md", "Voir [B]({% post_url 2017-01-02-billet-1 %}).")
    write(root / "_posts" / "2017-02-02-image.md", "![x](/img/x.png)")
    write(root / "img" / "x.png", b"png")
    import_site([root])
    read = []
    real = jekyll.read_document

    def reading(source):
        read.append(source.key)
        return real(source)

    monkeypatch.setattr(jekyll, "read_document", reading)
    report = import_site([root])
    assert report.count(importer.UNCHANGED) == 6
    # Only the posts that depend on others (Liquid) or on files are read again.
    assert read == ["_posts/2017-02-01-lien.md", "_posts/2017-02-02-image.md"]

    (root / "_posts" / "2017-01-03-billet-2.md").write_text("---\ntitle: Revu\n---\nNouveau.")
    report = import_site([root])
    assert statuses(report, importer.UPDATED) == {"_posts/2017-01-03-billet-2.md"}
    assert Post.objects.get(source_path="_posts/2017-01-03-billet-2.md").title == "Revu"


def test_a_rerun_redirects_the_tag_and_category_pages_of_unchanged_posts(tmp_path, client):
    # The first run forgot the folders of the old tag and category pages; or it was cut
    # short. The second run reads no post again, and still keeps their old pages alive.
    root = tmp_path / "site"
    write(
        root / "_posts" / "2017-01-02-ete.md",
        "---\ntitle: Été\ncategories: [good_job, Données]\ntags: [Été, et moi]\n---\nCorps.",
    )
    draft = "---\npublished: false\ntags: [caché]\n---\nB."
    write(root / "_posts" / "2017-01-03-brouillon.md", draft)
    import_site([root])
    assert client.get("/tags/%C3%A9t%C3%A9/").status_code == 404

    report = import_site([root], tag_dir="tags", category_dir="lubies")
    assert report.count(importer.UNCHANGED) == 2
    for old, new in [
        ("/tags/%C3%A9t%C3%A9/", "/tags/ete/"),
        ("/tags/et%20moi/", "/tags/et-moi/"),
        ("/lubies/good_job/", "/categories/good_job/"),
        ("/lubies/donn%C3%A9es/", "/categories/donnees/"),
    ]:
        response = client.get(old)
        assert (response.status_code, response.get("Location")) == (301, new), old
    # A draft had no page on the old site.
    assert client.get("/tags/cach%C3%A9/").status_code == 404


def test_a_jekyll_feed_site_keeps_its_entry_ids_and_its_feed_address(tmp_path, client):
    # jekyll-feed gives each entry `post.id` as its id: the permalink's folder and the slug,
    # with no `.html`. Feed readers that knew those ids must see no old post come back.
    root = tmp_path / "site"
    write(
        root / "_config.yml",
        "url: https://f.example.org\nbaseurl: /blog\nplugins: [jekyll-feed]\n"
        "feed:\n  path: atom-feed.xml\n",
    )
    write(root / "_posts" / "2023-01-05-billet-5.md", "---\ntitle: Cinq\n---\nCorps.")
    write(root / "_posts" / "2023-01-06-six.md", "---\ntitle: Six\nslug: le-sixieme\n---\nSix.")
    write(root / "index.html", "---\nlayout: home\n---\n")
    import_site([root])
    five = Post.objects.get(slug="billet-5")
    assert five.old_permalink == "https://f.example.org/blog/2023/01/05/billet-5.html"
    assert five.guid == "https://f.example.org/blog/2023/01/05/billet-5"
    assert Post.objects.get(title="Six").guid == "https://f.example.org/blog/2023/01/06/le-sixieme"
    for feed in ("/feed.xml", "/atom.xml"):
        assert (
            "https://f.example.org/blog/2023/01/05/billet-5<" in client.get(feed).content.decode()
        )
    assert client.get("/blog/atom-feed.xml")["Location"] == "/atom.xml"
    assert client.get("/blog/")["Location"] == "/"


@pytest.mark.parametrize(
    ("config", "entry", "expected"),
    [
        # Octopress's atom.xml
        (
            "url: http://blog.exemple.fr\npermalink: /blog/:year/:month/:day/:title/\n",
            "<id>{{ site.url }}{{ post.id }}</id>",
            "http://blog.exemple.fr/blog/2013/05/15/billet-5",
        ),
        # Jekyll Bootstrap's: a setting of its own
        (
            "production_url: https://jb.example\n",
            "<id>{{ site.production_url }}{{ item.id }}</id>",
            "https://jb.example/2013/05/15/billet-5",
        ),
        # an RSS guid through absolute_url, under a baseurl
        (
            "url: https://r.example\nbaseurl: /carnet\n",
            '<guid isPermaLink="false">{{ item.id | absolute_url }}</guid>',
            "https://r.example/carnet/2013/05/15/billet-5",
        ),
        # no url: the path, given the site's address when served
        ("", "<id>{{ site.url }}{{ post.id }}</id>", "https://carnet.example/2013/05/15/billet-5"),
    ],
)
def test_a_hand_written_feed_built_on_post_id_keeps_its_entry_ids(
    tmp_path, settings, config, entry, expected
):
    settings.SITE_URL = "https://carnet.example"
    loop_name = "item" if "item." in entry else "post"
    root = tmp_path / "site"
    write(root / "_config.yml", config)
    write(
        root / "atom.xml",
        '---\nlayout: null\n---\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        "<id>{{ site.url }}/</id>\n"
        f"{{% for {loop_name} in site.posts limit: 20 %}}<entry>{entry}</entry>{{% endfor %}}\n"
        "</feed>",
    )
    write(root / "_posts" / "2013-05-15-billet-5.md", "Cinq.")
    import_site([root])
    assert Post.objects.get().guid == expected


def test_feed_ids_with_accents_are_escaped_as_the_old_feed_wrote_them(tmp_path):
    # jekyll-feed's absolute_url escapes; a hand-written {{ site.url }}{{ post.id }} did not.
    plugin = tmp_path / "plugin"
    write(plugin / "_config.yml", "url: https://a.example\nplugins: [jekyll-feed]\n")
    write(plugin / "_posts" / "2019-07-01-accents.md", "---\npermalink: /été/à-la-plage/\n---\nA.")
    import_site([plugin])
    assert Post.objects.get().guid == "https://a.example/%C3%A9t%C3%A9/accents"
    Post.objects.all().delete()
    written = tmp_path / "written"
    write(written / "_config.yml", "url: https://b.example\npermalink: /:title/\n")
    write(
        written / "atom.xml",
        '---\n---\n<feed xmlns="http://www.w3.org/2005/Atom">{% for post in site.posts %}'
        "<entry><id>{{ site.url }}{{ post.id }}</id></entry>{% endfor %}</feed>",
    )
    write(written / "_posts" / "2019-07-02-l'été.md", "B.")
    import_site([written])
    assert Post.objects.get().guid == "https://b.example/l'été"


def test_jekyll_feeds_of_categories_and_tags_lead_to_theirs(tmp_path, client):
    root = tmp_path / "site"
    write(
        root / "_config.yml",
        "plugins: [jekyll-feed]\nfeed:\n  categories: [cuisine, vide]\n  tags: true\n",
    )
    write(root / "_posts" / "2023-01-05-tarte.md", "---\ncategories: cuisine\ntags: [été]\n---\nT.")
    import_site([root])
    assert client.get("/feed/cuisine.xml")["Location"] == "/categories/cuisine/atom.xml"
    assert client.get("/feed/by_tag/%C3%A9t%C3%A9.xml")["Location"] == "/tags/ete/atom.xml"
    assert client.get("/feed/vide.xml").status_code == 404  # no such category: no feed


def test_a_post_dated_in_the_future_is_scheduled_with_a_note(tmp_path):
    root = tmp_path / "site"
    write(root / "_config.yml", "future: true\n")
    write(root / "_posts" / "2090-01-01-futur.md", "Plus tard.")
    report = import_site([root])
    post = Post.objects.get()
    assert post.is_scheduled()
    assert ("_posts/2090-01-01-futur.md", "scheduled") in {(n.path, n.code) for n in report.notes}


def test_a_title_too_long_is_cut_with_a_note(tmp_path):
    root = tmp_path / "site"
    write(root / "_posts" / "2020-01-01-long.md", f"---\ntitle: {'Très long ' * 40}\n---\nT.")
    report = import_site([root])
    assert len(Post.objects.get().title) == 300
    assert ("_posts/2020-01-01-long.md", "title") in {(n.path, n.code) for n in report.notes}


def test_day_archives_lead_to_their_month(client, db):
    response = client.get("/2010/01/15/")
    assert (response.status_code, response["Location"]) == (301, "/2010/01/")


def test_feeds_of_any_name_lead_to_the_new_feeds(tmp_path, client):
    root = tmp_path / "site"
    # jekyll-feed listed, but the site's own feed.xml stands where it would write: its guids
    # are the permalinks, as the file says.
    write(root / "_config.yml", "url: https://f.example.org\nplugins: [jekyll-feed]\n")
    write(root / "_posts" / "2023-01-05-billet.md", "---\ntitle: Billet\n---\nCorps.")
    rss = '---\nlayout: null\n---\n<?xml version="1.0"?>\n<rss version="2.0"><channel>'
    write(root / "feed.xml", rss + "<guid>{{ post.url | absolute_url }}</guid></channel></rss>")
    write(root / "rss.xml", rss + "</channel></rss>")
    atom = '---\n---\n<feed xmlns="http://www.w3.org/2005/Atom"></feed>'
    write(root / "flux" / "atom.xml", atom)
    write(root / "sitemap.xml", "---\n---\n<urlset></urlset>")
    import_site([root])
    assert Post.objects.get().guid == "https://f.example.org/2023/01/05/billet.html"
    assert client.get("/rss.xml")["Location"] == "/feed.xml"
    assert client.get("/flux/atom.xml")["Location"] == "/atom.xml"
    assert client.get("/feed.xml").status_code == 200
    assert not OldURL.objects.filter(path="/sitemap.xml").exists()


def test_a_post_linking_to_a_moved_post_is_updated(tmp_path):
    root = tmp_path / "site"
    write(root / "_posts" / "2017-01-01-cible.md", "Cible.")
    write(
        root / "_posts" / "2017-02-01-lien.md", "Voir [la cible]({% post_url 2017-01-01-cible %})."
    )
    import_site([root])
    assert "(/2017/01/01/cible/)" in Post.objects.get(slug="lien").body
    Post.objects.filter(slug="cible").update(slug="cible-revue")  # the author renames it
    report = import_site([root])
    assert statuses(report, importer.UPDATED) == {"_posts/2017-02-01-lien.md"}
    assert "(/2017/01/01/cible-revue/)" in Post.objects.get(slug="lien").body


def test_post_url_names_a_post_by_its_folders_as_jekyll_4_does(tmp_path):
    # Jekyll 4 wants the folders of a post in a category folder: the bare name is deprecated.
    root = tmp_path / "site"
    write(root / "good_job" / "_posts" / "2017-01-03-sauter.md", "Sauter.")
    write(root / "_posts" / "notes" / "2018-05-01-carnet.md", "Carnet.")
    write(root / "_posts" / "2020-01-01-bilan.md", "---\ntitle: Bilan général\n---\nA.")
    write(root / "good_job" / "_posts" / "2020-01-01-bilan.md", "---\ntitle: Bilan pro\n---\nB.")
    write(
        root / "_posts" / "2021-02-01-liens.md",
        "[a]({% post_url good_job/2017-01-03-sauter %}) [b]({% post_url notes/2018-05-01-carnet %})"
        " [c]({% post_url 2020-01-01-bilan %}) [d]({% post_url good_job/2020-01-01-bilan %})",
    )
    report = import_site([root])
    assert not [note for note in report.notes if note.path == "_posts/2021-02-01-liens.md"]
    general = Post.objects.get(title="Bilan général").get_absolute_url()
    pro = Post.objects.get(title="Bilan pro").get_absolute_url()
    assert Post.objects.get(slug="liens").body == (
        f"[a](/2017/01/03/sauter/) [b](/2018/05/01/carnet/) [c]({general}) [d]({pro})"
    )


def test_folders_and_config_that_cannot_be_read_are_reported(tmp_path, monkeypatch):
    # As root, chmod 000 stops nothing: the refusal is simulated where os.walk meets it.
    import os

    root = tmp_path / "site"
    write(root / "_posts" / "2020-01-01-lu.md", "Lu.")
    write(root / "_posts" / "ferme" / "2020-01-02-perdu.md", "Perdu.")
    real_scandir = os.scandir

    def scandir(path="."):
        if str(path).endswith("ferme"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = import_site([root])
    [failed] = report.failed
    assert failed.path == "_posts/ferme" and "Permission denied" in failed.reason
    assert list(Post.objects.values_list("slug", flat=True)) == ["lu"]

    monkeypatch.setattr(os, "scandir", real_scandir)
    write(root / "_config.yml", "title: Fermé\n")
    real_read = Path.read_bytes

    def read_bytes(path):
        if path.name == "_config.yml":
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    report = import_site([root])
    [failed] = report.failed
    assert "_config.yml ne peut pas être lu" in failed.reason, report.lines(2)


def test_date_archives_under_a_baseurl_or_custom_permalinks_lead_to_the_new_ones(tmp_path, client):
    root = tmp_path / "site"
    write(
        root / "_config.yml",
        "baseurl: /blog\ntimezone: Europe/Paris\nplugins: [jekyll-archives]\n"
        "jekyll-archives:\n  enabled: all\n  permalinks:\n    year: /archives/:year/\n"
        "    month: /archives/:year/:month/\n",
    )
    write(root / "_posts" / "2019-03-04-billet.md", "Billet.")
    import_site([root])
    for old, new in [
        ("/blog/archives/2019/", "/2019/"),
        ("/blog/archives/2019/03/", "/2019/03/"),
        ("/archives/2019/03/", "/2019/03/"),  # as links without the baseurl had it
        ("/blog/2019/03/04/", "/2019/03/"),  # the day page, at the default permalink
        ("/blog/sitemap.xml", "/sitemap.xml"),
    ]:
        response = client.get(old)
        assert (response.status_code, response.get("Location")) == (301, new), old
    assert client.get("/blog/archives/2018/").status_code == 404


def test_hand_made_tag_and_category_pages_lead_to_the_new_lists(tmp_path, client):
    root = tmp_path / "site"
    write(root / "_posts" / "2020-01-01-a.md", "---\ntags: [ess]\ncategory: good_job\n---\nA.")
    write(root / "_drafts" / "b.md", "---\ntags: [cachée]\n---\nB.")
    write(root / "tag" / "ess.md", "---\nlayout: tagpage\ntag: ess\n---\n")
    write(root / "tag" / "cachee.md", "---\nlayout: tagpage\ntag: cachée\n---\n")
    write(root / "category" / "good_job.md", "---\nlayout: catpage\ncategory: good_job\n---\n")
    write(root / "tags.html", "---\n---\n{% for tag in site.tags %}{{ tag[0] }}{% endfor %}")
    write(root / "archives.md", "---\nlayout: archive\n---\n")
    write(root / "blog.md", "---\nlayout: blog\n---\n")
    report = import_site([root])
    for old, new in [
        ("/tag/ess.html", "/tags/ess/"),
        ("/tag/ess", "/tags/ess/"),
        ("/tag/cachee.html", "/"),  # only a draft carries it: no page to show
        ("/category/good_job.html", "/categories/good_job/"),
        ("/tags.html", "/tags/"),
        ("/archives.html", "/archives/"),
        ("/blog.html", "/"),
    ]:
        response = client.get(old)
        assert (response.status_code, response.get("Location")) == (301, new), old
    reasons = {outcome.path: outcome.reason for outcome in report.outcomes}
    assert reasons["tag/ess.md"].endswith("mène désormais vers la page de l’étiquette")
    assert reasons["tags.html"].endswith("vers la liste des étiquettes")


def test_every_image_and_document_the_old_site_served_lives_on(
    tmp_path, client, settings, monkeypatch
):
    # Linked from a post or not: other sites and search engines link to them too.
    root = tmp_path / "site"
    write(root / "_config.yml", "baseurl: /blog\n")
    write(root / "_posts" / "2020-01-01-a.md", "![Vu](/blog/images/vu.png)")
    write(root / "images" / "vu.png", b"png vu")
    write(root / "images" / "jamais-liee.png", b"png seul")
    write(root / "assets" / "docs" / "CV 2020.pdf", b"%PDF")
    write(root / "assets" / "css" / "main.css", "body {}")
    write(root / "_site" / "images" / "copie.png", b"built")
    write(root / "cv.html", "<!doctype html><title>CV</title>")
    report = import_site([root])
    for old, name in [
        ("/blog/images/jamais-liee.png", "images/jamais-liee.png"),
        ("/images/jamais-liee.png", "images/jamais-liee.png"),
        ("/blog/assets/docs/CV%202020.pdf", "assets/docs/CV 2020.pdf"),
        ("/blog/images/vu.png", "images/vu.png"),
    ]:
        response = client.get(old)
        assert response.status_code == 301, old
        assert unquote(response["Location"]) == settings.MEDIA_URL + name, old
        assert (Path(settings.MEDIA_ROOT) / name).is_file()
    assert not (Path(settings.MEDIA_ROOT) / "assets/css/main.css").exists()
    assert not (Path(settings.MEDIA_ROOT) / "_site").exists()
    assert report.files_copied == 3
    reasons = {outcome.path: outcome.reason for outcome in report.outcomes}
    assert reasons["cv.html"].startswith("fichier HTML sans en-tête YAML")
    # A re-run copies nothing again, and after its sources are touched (a fresh clone), reads
    # them once, not on every run.
    assert import_site([root]).files_copied == 0
    later = time.time() + 60
    for path in root.rglob("*.png"):
        os.utime(path, (later, later))
    assert import_site([root]).files_copied == 0
    compared = []
    monkeypatch.setattr(filecmp, "cmp", lambda *args, **kwargs: compared.append(args))
    assert import_site([root]).files_copied == 0
    assert compared == []


def test_old_addresses_the_new_site_answers_itself_are_reported(tmp_path, client):
    # With permalink /:title/, a post called "contact" had /contact/: the contact form now.
    root = tmp_path / "site"
    write(root / "_config.yml", "permalink: /:title/\n")
    write(root / "_posts" / "2020-01-01-contact.md", "---\ntitle: Contact\n---\nÉcrivez-moi.")
    write(root / "_posts" / "2020-01-02-tags.md", "---\ntitle: Tags\n---\nDes tags.")
    write(root / "_posts" / "2020-01-03-ailleurs.md", "---\ntitle: Ailleurs\n---\nIci.")
    write(root / "a-propos.md", "---\ntitle: À propos\n---\nMoi.")
    report = import_site([root])
    shadowed = {note.path for note in report.notes if "page du nouveau site" in note.message}
    assert shadowed == {"_posts/2020-01-01-contact.md", "_posts/2020-01-02-tags.md"}
    assert client.get("/ailleurs/").status_code == 301
    assert client.get("/a-propos/").status_code == 200


def test_what_the_sanitiser_removes_is_reported(tmp_path):
    # Readers would see "La conférence :" followed by nothing, and she would not know why.
    root = tmp_path / "site"
    write(
        root / "_posts" / "2020-01-01-embeds.md",
        'La conférence :\n\n<iframe src="https://www.dailymotion.com/embed/video/x7"></iframe>\n\n'
        '<iframe src="https://www.youtube.com/embed/abc"></iframe>\n\n'
        '<script src="https://gist.github.com/elise/1.js"></script>\n\n'
        "```html\n<form action=/x></form>\n```\n",
    )
    write(root / "_posts" / "2020-01-02-sage.md", "Rien que du texte, et `<script>` en code.")
    report = import_site([root])
    notes = {note.path: note.message for note in report.notes if note.code == "removed"}
    assert list(notes) == ["_posts/2020-01-01-embeds.md"]
    message = notes["_posts/2020-01-01-embeds.md"]
    assert "www.dailymotion.com" in message and "EMBED_HOSTS" in message
    assert "<script>" in message and "<form>" not in message and "youtube" not in message


def test_tag_and_category_pages_under_a_baseurl_also_answer_without_it(tmp_path, client):
    # `{{ site.baseurl }}/category/cuisine/` in a post becomes `/category/cuisine/`.
    root = tmp_path / "site"
    write(root / "_config.yml", "baseurl: /blog\n")
    write(root / "_posts" / "2020-01-01-a.md", "---\ncategory: cuisine\ntags: [ess]\n---\nA.")
    import_site([root])
    for old, new in [
        ("/blog/category/cuisine/", "/categories/cuisine/"),
        ("/category/cuisine/", "/categories/cuisine/"),
        ("/tag/ess/", "/tags/ess/"),
    ]:
        response = client.get(old)
        assert (response.status_code, response.get("Location")) == (301, new), old


def test_a_page_at_an_address_the_site_answers_itself_is_reported(tmp_path):
    # An old contact page: /contact/ is the contact form now, its text would vanish silently.
    root = tmp_path / "site"
    write(root / "_config.yml", "title: Carnet\n")
    write(root / "contact.md", "---\ntitle: Contact\npermalink: /contact/\n---\nÉcrivez-moi.")
    write(root / "a-propos.md", "---\ntitle: À propos\n---\nMoi.")
    report = import_site([root])
    notes = [note for note in report.notes if note.code == "address"]
    assert [note.path for note in notes] == ["contact.md"]
    assert "/contact/" in notes[0].message and "introduction" in notes[0].message
    assert Page.objects.get(slug="contact").body == "Écrivez-moi."


def test_includes_of_the_old_site_are_filled_in_with_their_images(tmp_path, settings):
    # The figure include of many themes: removed, the post lost its image and caption.
    root = tmp_path / "site"
    write(root / "_config.yml", "title: Carnet\n")
    write(
        root / "_includes" / "figure.html",
        '<figure>\n<img src="{{ include.image_path | relative_url }}" '
        'alt="{{ include.alt | default: include.caption }}">\n'
        "{% if include.caption %}<figcaption>{{ include.caption }}</figcaption>{% endif %}\n"
        "</figure>\n",
    )
    write(
        root / "_includes" / "video.html",
        '<iframe src="https://www.youtube.com/embed/{{ include.id }}"></iframe>',
    )
    write(root / "assets" / "images" / "vosges.png", b"png")
    write(
        root / "_posts" / "2021-01-05-figure.md",
        "Les Vosges :\n\n"
        '{% include figure.html image_path="/assets/images/vosges.png" '
        'caption="Les Vosges en hiver" %}\n\n'
        '{% include video.html id="abc123" %}\n\n{% include absente.html %}\n',
    )
    report = import_site([root])
    post = Post.objects.get()
    assert f'src="{settings.MEDIA_URL}assets/images/vosges.png"' in post.body_html
    assert "<figcaption>Les Vosges en hiver</figcaption>" in post.body_html
    assert 'src="https://www.youtube.com/embed/abc123"' in post.body_html
    [note] = [note for note in report.notes if note.code == "liquid"]
    assert "absente.html" in note.message


def test_a_folder_of_loose_files_is_refused_with_how_to_name_them(tmp_path):
    write(tmp_path / "seeds" / "000_a.txt", "---\ntitle: A\n---\nA.")
    write(tmp_path / "seeds" / "004_b.txt", "---\ntitle: B\n---\nB.")
    [failed] = import_site([tmp_path / "seeds"]).failed
    assert failed.reason.endswith(f"({tmp_path / 'seeds'}/*.txt)")
    assert not Post.objects.exists()


def test_a_post_too_nested_to_render_fails_alone(tmp_path):
    root = tmp_path / "site"
    write(root / "_posts" / "2020-01-01-avant.md", "Avant.")
    write(root / "_posts" / "2020-01-02-gouffre.md", "- " * 500 + "x")
    write(root / "_posts" / "2020-01-03-apres.md", "Après *tout*.")
    report = import_site([root])
    [failed] = report.failed
    assert failed.path == "_posts/2020-01-02-gouffre.md" and "imbriqué" in failed.reason
    assert sorted(Post.objects.values_list("slug", flat=True)) == ["apres", "avant"]
    assert Post.objects.get(slug="apres").body_html == "<p>Après <em>tout</em>.</p>"


def test_a_changed_site_config_reads_every_post_again(tmp_path):
    root = many_posts(tmp_path / "site", 3)
    import_site([root])
    write(root / "_config.yml", "kramdown:\n  hard_wrap: true\n")
    report = import_site([root])
    assert report.count(importer.UPDATED) == 3
    assert all(Post.objects.values_list("hard_wrap", flat=True))


def test_posts_hashed_before_file_hashes_stay_unchanged_and_keep_her_edits(tmp_path):
    root = many_posts(tmp_path / "site", 2)
    import_site([root])
    post = Post.objects.get(source_path="_posts/2017-01-01-billet-0.md")
    assert post.source_hash.startswith(importer.SELF_CONTAINED)
    # As an earlier version stored it: the hash of the file's resolved text.
    site = jekyll.discover([root]).sites[0]
    raw = (root / post.source_path).read_bytes()
    text_hash = jekyll.content_hash(raw, site.fingerprint, post.slug, post.body, post.excerpt)
    Post.objects.filter(pk=post.pk).update(source_hash=text_hash, title="Son titre")
    report = import_site([root])
    assert report.count(importer.UNCHANGED) == 2
    post.refresh_from_db()
    assert post.title == "Son titre" and post.source_hash.startswith(importer.SELF_CONTAINED)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner statistics")
def test_an_import_refreshes_sqlites_query_statistics():
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
    import_site([SITE])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'taggit_taggeditem'")
        assert cursor.fetchone()[0] > 0
