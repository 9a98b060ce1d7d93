"""Reading Jekyll files into data (blog/jekyll.py): every rule of ../shared/JEKYLL.md, one test
each, and differential tests against real Ruby YAML and Jekyll where they are installed."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from blog import jekyll
from tests.conftest import skip_or_fail, write

TESTS = Path(__file__).resolve().parent
SITE = TESTS / "jekyll_site"
SAMPLE = TESTS.parent / "fixtures" / "jekyll-site"
PARIS = ZoneInfo("Europe/Paris")


def read_one(root: Path, name: str, text: str | bytes) -> jekyll.Document:
    """Write one post into a site at `root` and read it back as the importer would."""
    write(root / "_posts" / name, text)
    found = jekyll.discover([root])
    source = next(source for source in found.sources if source.name == name)
    return jekyll.read_document(source)


@pytest.fixture
def site(tmp_path) -> Path:
    root = tmp_path / "site"
    write(root / "_config.yml", "timezone: Europe/Paris\n")
    return root


# --- Files ---------------------------------------------------------------------------------


def test_posts_are_found_at_any_depth_and_category_folders_add_categories(tmp_path):
    root = tmp_path / "site"
    write(root / "_posts" / "2017-01-03-a.md", "---\n---\nA")
    write(root / "_posts" / "es" / "2017-01-04-b.md", "---\n---\nB")
    write(root / "foo" / "_posts" / "bar" / "2017-01-05-c.md", "---\n---\nC")
    found = jekyll.discover([root])
    sources = {source.key: source for source in found.sources}
    assert set(sources) == {
        "_posts/2017-01-03-a.md",
        "_posts/es/2017-01-04-b.md",
        "foo/_posts/bar/2017-01-05-c.md",
    }
    # `foo/_posts` adds `foo`; `_posts/es` adds nothing; `bar` under _posts adds nothing.
    assert sources["foo/_posts/bar/2017-01-05-c.md"].dir_categories == ("foo",)
    assert sources["_posts/es/2017-01-04-b.md"].dir_categories == ()


def test_files_in_posts_that_do_not_match_the_date_pattern_are_reported(tmp_path):
    root = tmp_path / "site"
    write(root / "_posts" / "notes.md", "---\n---\n")
    write(root / "_posts" / "2013-03-19-not-a-post" / "dubious.md", "---\n---\n")
    write(root / "_posts" / "2017-01-03-no-extension", "---\n---\n")
    write(root / "_posts" / ".DS_Store", "")
    write(root / "_posts" / "2017-01-03-backup.md~", "")
    found = jekyll.discover([root])
    assert found.sources == []
    reasons = {left.path: left.reason for left in found.skipped}
    assert set(reasons) == {
        "_posts/notes.md",
        "_posts/2013-03-19-not-a-post/dubious.md",
        "_posts/2017-01-03-no-extension",
        "_posts/.DS_Store",
        "_posts/2017-01-03-backup.md~",
    }
    assert "AAAA-MM-JJ" in reasons["_posts/notes.md"] or "YYYY" in reasons["_posts/notes.md"]


def test_any_extension_and_abbreviated_dates_match_the_post_pattern():
    for name in ("2017-2-5-i-dont-like-zeroes.md", "2008-02-02-x.markdown", "2020-01-01-y.html"):
        assert jekyll.POST_NAME.match(name), name
    assert jekyll.POST_NAME.match("2018-10-12-trailing-dots...markdown").group(2) == (
        "trailing-dots.."
    )
    assert not jekyll.POST_NAME.match("2013-03-19-not-a-post/dubious.markdown")


def test_a_posts_folder_alone_is_read_with_its_parents_config(tmp_path):
    root = tmp_path / "site"
    write(root / "_config.yml", "timezone: America/New_York\n")
    write(root / "_posts" / "2017-01-03-a.md", "---\n---\nA")
    found = jekyll.discover([root / "_posts"])
    (source,) = found.sources
    # The same key as when the site is imported: re-running on the site duplicates nothing.
    assert source.key == "_posts/2017-01-03-a.md"
    assert source.site.timezone == ZoneInfo("America/New_York")


def test_files_named_on_the_command_line_are_taken_whatever_their_name(tmp_path):
    path = write(tmp_path / "loose" / "notes of mine.txt", "---\ntitle: Libre\n---\nTexte")
    found = jekyll.discover([path])
    (source,) = found.sources
    assert source.kind == jekyll.FILE
    assert source.key == str(path.resolve())
    document = jekyll.read_document(source)
    assert document.date is None and not document.is_published
    assert [code for code, _message in document.notes] == ["undated"]


def test_globs_missing_paths_and_non_sites(tmp_path):
    write(tmp_path / "a.txt", "A")
    write(tmp_path / "b.txt", "B")
    (tmp_path / "empty").mkdir()
    found = jekyll.discover([str(tmp_path / "*.txt"), tmp_path / "nope.md", tmp_path / "empty"])
    assert sorted(Path(source.key).name for source in found.sources) == ["a.txt", "b.txt"]
    assert [left.path for left in found.failed] == [
        str(tmp_path / "nope.md"),
        str(tmp_path / "empty"),
    ]


def test_bom_crlf_and_nfd_file_names(tmp_path):
    root = tmp_path / "site"
    name = "2017-01-03-e\u0301te\u0301.md"  # "été", decomposed as macOS writes it
    write(
        root / "_posts" / name,
        b"\xef\xbb\xbf---\r\ntitle: Caf\xc3\xa9\r\ntags: a\r\n---\r\nUn\r\nDeux\r\n",
    )
    (source,) = jekyll.discover([root]).sources
    assert source.key == "_posts/2017-01-03-\u00e9t\u00e9.md"  # NFC
    document = jekyll.read_document(source)
    assert document.title == "Café"
    assert document.body == "Un\nDeux\n"
    assert document.tags == ["a"]
    assert jekyll.old_path(document.url) == "/2017/01/03/\u00e9t\u00e9.html"


# --- Front matter --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "data", "body"),
    [
        ("No YAML.", {}, "No YAML."),
        ("---\n---\nEmpty YAML.", {}, "Empty YAML."),
        # Like Jekyll's regexp, `\s*` after the closing line also takes the blank line.
        ("---  \nextra: spaces\n---\n\nBest", {"extra": "spaces"}, "Best"),
        ("---\ntitle: Dots\n...\n\n# Test\n", {"title": "Dots"}, "# Test\n"),
        ("---\ntitle: Foo --- Bar\n---\n\nTriple", {"title": "Foo --- Bar"}, "Triple"),
    ],
)
def test_front_matter_shapes(text, data, body):
    front = jekyll.split_front_matter(text)
    assert front.data == data
    assert front.body == body


def test_bad_yaml_is_an_error_with_its_line():
    with pytest.raises(jekyll.JekyllError, match=r"(ligne|line) 3"):
        jekyll.split_front_matter("---\ntitle: [pas fermé\ntags: x\n---\nTexte")


def test_front_matter_that_is_not_a_mapping_is_an_error():
    with pytest.raises(jekyll.JekyllError):
        jekyll.split_front_matter("---\n- a\n- b\n---\nTexte")


def test_bad_encoding_is_an_error(site):
    with pytest.raises(jekyll.JekyllError, match="UTF-8"):
        read_one(site, "2017-01-03-latin.md", "---\ntitle: Été\n---\n".encode("latin-1"))


def test_missing_title_comes_from_the_slug(site):
    document = read_one(site, "2017-2-5-i-dont-like-zeroes.md", "---\nfoo: bar\n---\nText")
    assert document.title == "I Dont Like Zeroes"
    assert document.slug == "i-dont-like-zeroes"


# --- Dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # Her format: `+0200` has no colon, so PyYAML gives a string.
        ("2016-04-09 15:35:44 +0200", datetime(2016, 4, 9, 13, 35, 44, tzinfo=UTC)),
        ("2019-06-27T00:45:08-05:00", datetime(2019, 6, 27, 5, 45, 8, tzinfo=UTC)),
        ("2026-06-16 17:14:24.000000000 -07:00", datetime(2026, 6, 17, 0, 14, 24, tzinfo=UTC)),
        # Quoted: a string without offset, read in the site's zone (Paris, summer: UTC+2).
        ("'2014-08-24 16:25:23'", datetime(2014, 8, 24, 14, 25, 23, tzinfo=UTC)),
        # A YAML date: midnight in Paris, the day before in UTC.
        ("2016-04-09", datetime(2016, 4, 8, 22, 0, tzinfo=UTC)),
        # Unquoted and without offset: YAML says UTC, and Jekyll 4 agrees (see to_datetime).
        ("2010-01-10 13:07:09", datetime(2010, 1, 10, 13, 7, 9, tzinfo=UTC)),
        ("2010-01-10 13:07:09 +00:00", datetime(2010, 1, 10, 13, 7, 9, tzinfo=UTC)),
    ],
)
def test_every_date_format_of_jekyll_md(site, written, expected):
    document = read_one(site, "2000-01-01-d.md", f"---\ndate: {written}\n---\n")
    assert document.date == expected
    assert document.date.tzinfo is not None


def test_file_name_date_is_midnight_in_the_site_zone_and_url_parts_use_that_zone(site):
    document = read_one(site, "2017-09-21-page.md", "---\n---\n")
    assert document.date == datetime(2017, 9, 20, 22, 0, tzinfo=UTC)
    assert document.url == "/2017/09/21/page.html"


def test_a_date_after_midnight_in_paris_keeps_the_paris_day_in_the_url(site):
    document = read_one(site, "2024-09-28-x.md", "---\ndate: 2024-09-28 00:40:00 +0200\n---\n")
    assert document.date.astimezone(UTC).day == 27
    assert document.url == "/2024/09/28/x.html"


def test_the_site_time_zone_comes_from_config(tmp_path):
    root = tmp_path / "site"
    write(root / "_config.yml", "timezone: America/New_York\n")
    document = read_one(root, "2017-01-03-x.md", "---\ndate: '2017-01-03 10:00'\n---\n")
    assert document.date == datetime(2017, 1, 3, 15, 0, tzinfo=UTC)
    # The new site shows dates in TIME_ZONE: the report says how to show the same days.
    [note] = document.source.site.notes
    assert "TIME_ZONE=America/New_York" in note


def test_without_config_timezone_the_settings_zone_is_used(tmp_path, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    document = read_one(tmp_path / "site", "2017-01-03-x.md", "---\n---\n")
    assert document.date == datetime(2017, 1, 2, 15, 0, tzinfo=UTC)
    # Jekyll used the building machine's clock: GitHub Pages' is UTC.
    [note] = document.source.site.notes
    assert "Asia/Tokyo" in note and "timezone: UTC" in note


@pytest.mark.parametrize("written", ["'pas une date'", "2017-13-01", "'2017-02-30 10:00'", "2017"])
def test_unreadable_front_matter_dates_are_errors(site, written):
    with pytest.raises(jekyll.JekyllError):
        read_one(site, "2017-01-03-x.md", f"---\ndate: {written}\n---\n")


def test_impossible_file_name_dates_are_errors(site):
    with pytest.raises(jekyll.JekyllError, match="2018-13-45"):
        read_one(site, "2018-13-45-x.md", "---\n---\n")


def test_last_modified_at_becomes_updated_at(site):
    document = read_one(
        site, "2017-01-03-x.md", "---\nlast_modified_at: 2019-02-02 16:40:00 +0100\n---\n"
    )
    assert document.updated_at == datetime(2019, 2, 2, 15, 40, tzinfo=UTC)


RUBY_DATES = r"""
require "yaml"; require "time"; require "json"
values = JSON.parse(STDIN.read).map do |text|
  data = YAML.safe_load("date: " + text, permitted_classes: [Date, Time])
  Time.parse(data["date"].to_s).utc.iso8601
end
puts JSON.generate(values)
"""


def test_dates_match_ruby_yaml_and_time_parse(site):
    """Differential: Jekyll reads `date` with Ruby's YAML, then Time.parse(value.to_s)."""
    if not shutil.which("ruby"):
        pytest.skip("Ruby is not installed")
    written = [
        "2016-04-09 15:35:44 +0200",
        "2019-06-27T00:45:08-05:00",
        "2026-06-16 17:14:24.000000000 -07:00",
        "'2014-08-24 16:25:23'",
        "2016-04-09",
        "2010-01-10 13:07:09",
        "2024-09-28 00:40:00",
        "'2024-09-28 00:40'",
    ]
    ruby = subprocess.run(
        ["ruby", "-e", RUBY_DATES],
        input=json.dumps(written),
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TZ": "Europe/Paris"},
    )
    expected = json.loads(ruby.stdout)
    for text, iso in zip(written, expected, strict=True):
        document = read_one(site, "2000-01-01-d.md", f"---\ndate: {text}\n---\n")
        assert document.date == datetime.fromisoformat(iso.replace("Z", "+00:00")), text


# --- Categories and tags -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front", "categories", "tags"),
    [
        ("category: good_job\ntags: [et moi]", ["good_job"], ["et moi"]),
        ("categories: foo bar baz", ["foo", "bar", "baz"], []),
        ("categories:\n- foo\n- bar\n- baz", ["foo", "bar", "baz"], []),
        ("category: foo bar", ["foo bar"], []),  # a singular string is kept whole
        ("category: foo\ncategories: [bar, foo]", ["bar", "foo"], []),  # merged, no duplicate
        ("categories:\ncategory:\ntags:\ntag:", [], []),  # nulls
        ("categories: []\ntags: []", [], []),
        ("tags: A string", [], ["A", "string"]),
        ("tag: code\ntags: [code, ruby]", [], ["code", "ruby"]),
        ("category: 2013", ["2013"], []),
        (
            "tags: [on, 2017, yes, 2017.10, off, null, ~]",
            [],
            ["on", "2017", "yes", "2017.10", "off"],
        ),
        ("tags: [écoconception, et moi, ui/ux]", [], ["écoconception", "et moi", "ui/ux"]),
        ('tags: ["e\u0301coconception"]', [], ["\u00e9coconception"]),  # NFC
        ("tags:\n- [nested, list]\n- flat", [], ["nested", "list", "flat"]),
    ],
)
def test_category_and_tag_rules(site, front, categories, tags):
    document = read_one(site, "2017-01-03-x.md", f"---\n{front}\n---\n")
    assert document.categories == categories
    assert document.tags == tags


def test_front_matter_defaults_apply_by_scope(tmp_path):
    root = tmp_path / "site"
    write(
        root / "_config.yml",
        "defaults:\n"
        "  - scope: {path: '', type: posts}\n"
        "    values: {layout: post, tags: [défaut]}\n"
        "  - scope: {path: _posts/2017}\n"
        "    values: {author: Claire}\n",
    )
    document = read_one(root, "2017-01-03-x.md", "---\ntitle: X\n---\n")
    assert document.data["layout"] == "post"
    assert document.tags == ["défaut"]
    assert document.data["author"] == "Claire"
    # Only the file's own keys are kept as extra front matter.
    assert "layout" not in document.front_matter


# --- Status, excerpt, extras ---------------------------------------------------------------


def test_published_false_and_drafts_are_not_published(tmp_path):
    root = tmp_path / "site"
    write(root / "_drafts" / "idee.md", "---\ntitle: Idée\n---\nPlus tard")
    write(root / "_posts" / "2017-01-03-x.md", "---\npublished: false\n---\n")
    write(root / "_posts" / "2017-01-04-y.md", "---\npublished:\n---\n")  # nil: Ruby says no
    documents = {s.key: jekyll.read_document(s) for s in jekyll.discover([root]).sources}
    draft = documents["_drafts/idee.md"]
    assert draft.source.kind == jekyll.DRAFT and not draft.is_published and draft.url is None
    assert draft.slug == "idee" and draft.date is None
    unpublished = documents["_posts/2017-01-03-x.md"]
    assert not unpublished.is_published
    assert unpublished.url == "/2017/01/03/x.html"
    assert [code for code, _message in unpublished.notes] == ["unpublished"]
    assert not documents["_posts/2017-01-04-y.md"].is_published


def test_excerpt_key_and_separators(tmp_path):
    root = tmp_path / "site"
    write(root / "_config.yml", "excerpt_separator: <!--more-->\n")
    write(root / "_posts" / "2017-01-03-a.md", "---\nexcerpt: 'Mon extrait'\n---\nA")
    write(root / "_posts" / "2017-01-03-b.md", '---\nexcerpt_separator: "\\n---\\n"\n---\nB')
    write(root / "_posts" / "2017-01-03-c.md", "---\n---\nC")
    documents = {s.name: jekyll.read_document(s) for s in jekyll.discover([root]).sources}
    assert documents["2017-01-03-a.md"].excerpt == "Mon extrait"
    assert documents["2017-01-03-b.md"].excerpt_separator == "\n---\n"
    assert documents["2017-01-03-c.md"].excerpt_separator == "<!--more-->"
    # Without a site setting, "" means the new site's EXCERPT_SEPARATOR.
    no_config = read_one(tmp_path / "other", "2017-01-03-d.md", "---\n---\nD")
    assert no_config.excerpt_separator == ""


def test_hard_wrap_follows_kramdown_config_and_defaults_to_jekyll_off(tmp_path, settings):
    settings.MARKDOWN_HARD_WRAP = True
    on = tmp_path / "on"
    write(on / "_config.yml", "kramdown:\n  hard_wrap: true\n")
    write(on / "_posts" / "2017-01-03-a.md", "A")
    off = tmp_path / "off"
    write(off / "_posts" / "2017-01-03-a.md", "A")
    lone = write(tmp_path / "seul.txt", "A")
    assert jekyll.discover([on]).sources[0].site.hard_wrap is True
    assert jekyll.discover([off]).sources[0].site.hard_wrap is False  # kramdown's default
    assert jekyll.discover([lone]).sources[0].site.hard_wrap is True  # the new site's setting


def test_unknown_keys_are_kept_json_safe(site):
    document = read_one(
        site,
        "2017-01-03-x.md",
        "---\ntitle: T\nlayout: post\nauthor: Claire\nimage: /img/a.png\nlang: fr\n"
        "when: 2017-01-03\nnested: {a: [1, 2017-01-04 10:00:00]}\nredirect_from: /old/\n"
        "description: Méta\n---\n",
    )
    assert document.front_matter == {
        "layout": "post",
        "author": "Claire",
        "image": "/img/a.png",
        "lang": "fr",
        "when": "2017-01-03",
        "nested": {"a": [1, "2017-01-04T10:00:00"]},
        "redirect_from": "/old/",
    }
    json.dumps(document.front_matter)
    assert document.description == "Méta"
    assert document.redirect_from == ["/old/"]


# --- Slugs and permalinks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pretty", "cased", "expected"),
    [
        ("hash-#1", True, True, "hash-1"),
        ("escape-+ %20[]", True, True, "escape-+-20"),
        ("special-chars-(+)", True, True, "special-chars-(+)"),
        ("good_job", False, False, "good-job"),
        ("good_job", True, True, "good_job"),
        ("Civic Tech", False, False, "civic-tech"),
        ("ui/ux", False, False, "ui-ux"),
        ("données", False, False, "données"),
        ("e\u0301te\u0301", False, False, "e\u0301te\u0301"),  # marks are kept
        ("MixedCase", True, True, "MixedCase"),
    ],
)
def test_jekyll_slugify(text, pretty, cased, expected):
    assert jekyll.jekyll_slugify(text, pretty=pretty, cased=cased) == expected


@pytest.mark.parametrize(
    ("permalink", "expected"),
    [
        ("date", "/good_job/2017/01/03/solo.html"),
        ("pretty", "/good_job/2017/01/03/solo/"),
        ("ordinal", "/good_job/2017/003/solo.html"),
        ("weekdate", "/good_job/2017/W01/Tue/solo.html"),
        ("none", "/good_job/solo.html"),
        ("/:year/:i_month/:i_day/:slug", "/2017/1/3/solo"),
        ("/blog/:short_year/:short_month/:title/", "/blog/17/Jan/solo/"),
        ("/:categories/:title:output_ext", "/good_job/solo.html"),
        ("/:slugified_categories/:title/", "/good-job/solo/"),  # Jekyll 4.1
    ],
)
def test_permalink_styles_and_patterns(tmp_path, permalink, expected):
    root = tmp_path / "site"
    write(root / "_config.yml", f"permalink: {permalink}\ntimezone: Europe/Paris\n")
    document = read_one(root, "2017-01-03-solo.md", "---\ncategory: good_job\n---\n")
    assert document.url == expected


def test_front_matter_permalink_and_slug_override_the_url(site):
    assert (
        read_one(site, "2008-12-03-p.md", "---\npermalink: my_category/permalinked-post\n---\n").url
        == "/my_category/permalinked-post"
    )
    assert read_one(site, "2015-02-20-e.md", "---\npermalink: /:title\n---\n").url == "/e"
    assert read_one(site, "2017-01-03-x.md", "---\nslug: autre-nom\n---\n").url == (
        "/2017/01/03/autre-nom.html"
    )


def test_categories_in_urls_are_lower_cased_joined_and_escaped(site):
    document = read_one(
        site, "2013-07-22-x.md", "---\ncategories: [bar, MixedCase, civic tech, Données]\n---\n"
    )
    assert document.url == "/bar/mixedcase/civic%20tech/donn%C3%A9es/2013/07/22/x.html"
    assert jekyll.old_path(document.url) == "/bar/mixedcase/civic tech/données/2013/07/22/x.html"


def test_traversal_and_odd_names_are_sanitised_as_jekyll_does(site):
    traversal = read_one(
        site, "2014-01-06-t.md", "---\npermalink: /%2e%2e/%2e%2e/baddie.html\n---\n"
    )
    assert traversal.url == "/%2e%2e/%2e%2e/baddie.html"  # the feed guid Jekyll wrote
    assert traversal.old_paths() == ["/baddie.html"]  # what a browser actually asked for
    hashed = read_one(site, "2009-03-12-hash-#1.md", "---\ntitle: 'Hash #1'\n---\n")
    assert hashed.url == "/2009/03/12/hash-1.html"
    assert hashed.slug == "hash-1"


def test_old_permalink_is_absolute_with_url_and_baseurl(tmp_path, settings):
    settings.SITE_URL = "https://nouveau.example"
    root = tmp_path / "site"
    write(root / "_config.yml", "url: https://ancien.example/\nbaseurl: /blog\n")
    document = read_one(root, "2017-01-03-solo.md", "---\nredirect_from: [/vieux/, /x.html]\n---\n")
    assert document.old_permalink == "https://ancien.example/blog/2017/01/03/solo.html"
    assert document.old_paths() == [
        "/blog/2017/01/03/solo.html",
        "/2017/01/03/solo.html",  # as links to it read once {{ site.baseurl }} is gone
        "/blog/vieux/",
        "/blog/x.html",
    ]
    other = tmp_path / "other"
    write(other / "_config.yml", "timezone: Europe/Paris\n")
    # No `url`: the path alone, as Jekyll wrote it; the feed adds the site's address.
    assert read_one(other, "2017-01-03-solo.md", "").old_permalink == "/2017/01/03/solo.html"


def test_archive_paths_in_every_shape(tmp_path):
    root = tmp_path / "site"
    write(
        root / "_config.yml",
        "jekyll-archives:\n  permalinks:\n    tag: /tags/:name/\n    category: /lubies/:name/\n",
    )
    site = jekyll.load_site(root)
    assert jekyll.archive_paths(site, "tag", None, "Civic Tech") == [
        "/tags/Civic Tech/",
        "/tags/civic tech/",
        "/tags/civic-tech/",
    ]
    assert jekyll.archive_paths(site, "tag", None, "ui/ux") == ["/tags/ui/ux/", "/tags/ui-ux/"]
    assert jekyll.archive_paths(site, "category", None, "good_job") == [
        "/lubies/good_job/",
        "/lubies/good-job/",
    ]
    assert jekyll.archive_paths(site, "tag", "etiquette", "données") == ["/etiquette/données/"]
    bare = jekyll.load_site(tmp_path)
    assert jekyll.archive_paths(bare, "tag", None, "ess") == ["/tag/ess/"]


# --- Pages ---------------------------------------------------------------------------------


def test_pages_are_found_outside_special_folders_and_classified(tmp_path):
    root = tmp_path / "site"
    write(root / "_config.yml", "include: [_pages]\n")
    write(root / "_pages" / "a-propos.md", "---\ntitle: À propos\npermalink: /a-propos/\n---\nA")
    write(root / "contact.md", "---\ntitle: Contact\n---\nC")
    write(root / "index.html", "---\nlayout: home\n---\n")
    write(root / "404.html", "---\n---\nPerdu")
    write(root / "feed.xml", "---\nlayout: null\n---\n<rss/>")
    write(root / "search.json", "---\n---\n[]")
    write(root / "recherche.html", "---\nlayout: search\npermalink: /recherche/\n---\n")
    write(root / "blog" / "index.html", "---\n---\n{% for post in paginator.posts %}{% endfor %}")
    write(root / "README.md", "No front matter: a static file.")
    write(root / "assets" / "page.md", "---\n---\nIn an asset folder")
    write(root / "_layouts" / "post.html", "---\n---\n{{ content }}")
    write(root / "_site" / "index.html", "---\n---\n")
    found = jekyll.discover([root])
    documents = {s.key: jekyll.read_document(s) for s in found.sources if s.kind == jekyll.PAGE}
    assert documents.pop("README.md") is None
    assert set(documents) == {
        "_pages/a-propos.md",
        "contact.md",
        "index.html",
        "404.html",
        "feed.xml",
        "search.json",
        "recherche.html",
        "blog/index.html",
    }
    assert documents["_pages/a-propos.md"].skip_reason == ""
    assert documents["_pages/a-propos.md"].slug == "a-propos"
    assert documents["contact.md"].url == "/contact.html"
    assert documents["contact.md"].old_paths() == ["/contact.html", "/contact"]
    for skipped in ("index.html", "404.html", "feed.xml", "search.json", "recherche.html"):
        assert documents[skipped].skip_reason, skipped
    assert documents["recherche.html"].old_target == "search"
    assert documents["blog/index.html"].old_target == "home"


def test_page_urls_follow_the_permalink_style(tmp_path):
    root = tmp_path / "site"
    write(root / "_config.yml", "permalink: pretty\n")
    write(root / "projets" / "index.md", "---\ntitle: Projets\n---\n")
    write(root / "projets" / "carnet.md", "---\ntitle: Carnet\n---\n")
    pages = {s.key: jekyll.read_document(s) for s in jekyll.discover([root]).sources}
    assert pages["projets/index.md"].url == "/projets/"
    assert pages["projets/index.md"].slug == "projets"
    assert pages["projets/carnet.md"].url == "/projets/carnet/"


# --- Liquid --------------------------------------------------------------------------------


def context(**urls) -> jekyll.LiquidContext:
    return jekyll.LiquidContext(
        site_url="https://nouveau.example",
        post_url=lambda name: urls.get(name),
        link=lambda path: urls.get(path),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("![x]({{ site.baseurl }}/img/a.png)", "![x](/img/a.png)"),
        # The site's own address before a path: the path, valid whatever SITE_URL becomes.
        ("[x]({{ site.url }}{{ site.baseurl }}/a/)", "[x](/a/)"),
        ('[x]({{ "/a/" | relative_url }})', "[x](/a/)"),
        ("[x]({{ 'a.pdf' | absolute_url }})", "[x](/a.pdf)"),
        ("[x]({{ site.baseurl | prepend: site.url }}/b)", "[x](/b)"),
        ("Mon site : {{ site.url }}.", "Mon site : https://nouveau.example."),
        # Outside a link's target, the address is text and stays whole.
        ("Flux : <{{ site.url }}/feed.xml>", "Flux : <https://nouveau.example/feed.xml>"),
        ("[{{ site.url }}/a/]({{ site.url }}/a/)", "[https://nouveau.example/a/](/a/)"),
        ('<a href="{{ site.url }}/a/">', '<a href="/a/">'),
        ("[ref]: {{ site.url }}/a/", "[ref]: /a/"),
        ("`curl {{ site.url }}/api`", "`curl https://nouveau.example/api`"),
        ("{{ site.url | absolute_url }}", "https://nouveau.example"),
        ("[x]({% post_url 2017-01-03-solo %})", "[x](/2017/01/03/solo/)"),
        ("[x]({% link _posts/2017-01-03-solo.md %})", "[x](/2017/01/03/solo/)"),
        ("{% raw %}{{ page.title }} {% if %}{% endraw %}", "{{ page.title }} {% if %}"),
        ("a{% comment %} secret {{ x }} {% endcomment %}b", "ab"),
        ("a {%- raw -%}  {{ x }}  {%- endraw -%} b", "a{{ x }}b"),
    ],
)
def test_liquid_that_is_resolved(text, expected):
    links = {
        "2017-01-03-solo": "/2017/01/03/solo/",
        "_posts/2017-01-03-solo.md": "/2017/01/03/solo/",
    }
    result = jekyll.render_liquid(text, context(**links))
    assert result.text == expected
    assert result.problems == []


def test_highlight_becomes_a_fenced_code_block():
    text = "Voici :\n{% highlight ruby linenos %}\ndef a\n  `ls`\nend\n{% endhighlight %}\nFin"
    result = jekyll.render_liquid(text, context())
    assert result.text == "Voici :\n\n```ruby\ndef a\n  `ls`\nend\n```\nFin"
    # A fence inside the code gets a longer fence around it.
    result = jekyll.render_liquid("{% highlight md %}\n```\nx\n```\n{% endhighlight %}", context())
    assert result.text == "````md\n```\nx\n```\n````\n"


def test_unknown_tags_and_outputs_are_reported_and_removed():
    text = "# {{ page.title }}\n{% include sig.md %}\n{% youtube abc %}\n[x]({% post_url nope %})"
    result = jekyll.render_liquid(text, context())
    assert result.text == "# \n\n\n[x]()"
    assert result.problems == [
        (jekyll.UNSUPPORTED, "{{ page.title }}"),
        (jekyll.UNSUPPORTED, "{% include sig.md %}"),
        (jekyll.UNSUPPORTED, "{% youtube abc %}"),
        (jekyll.UNRESOLVED, "{% post_url nope %}"),
    ]


def test_whitespace_control_strips_as_liquid_does():
    text = "A\n{%- assign x = 1 %}\n{{- x -}}\nB {%- for p in site.posts -%}\n  C\n{%- endfor -%} D"
    result = jekyll.render_liquid(text, context())
    # Tags output nothing; `-` takes the white space on its side, newlines included. The
    # assigned value is printed, as Liquid did; the loop over the old site's posts is gone.
    assert result.text == "A1BD"
    assert result.problems == [(jekyll.LOOP_REMOVED, "{%- for p in site.posts -%}")]


@pytest.mark.parametrize(
    ("text", "expected", "problems"),
    [
        # What the old site never showed stays hidden; what it showed stays.
        ("{% if false %}Brouillon{% endif %}Visible", "Visible", []),
        ("{% unless false %}U{% endunless %}", "U", []),
        ("{% if page.lang == 'fr' %}Bonjour{% else %}Hello{% endif %}", "Bonjour", []),
        ("{% if page.absent %}A{% elsif page.comments %}B{% endif %}", "B", []),
        ("{% if site.show %}S{% else %}pas S{% endif %}", "pas S", []),
        ("{% case page.lang %}{% when 'en' %}EN{% when 'fr', 'be' %}FR{% endcase %}", "FR", []),
        ("{% assign n = 3 %}{% if n > 2 and page.lang %}{{ n }} grand{% endif %}", "3 grand", []),
        ("{% for i in (1..3) %}{{ i }},{% endfor %}", "1,2,3,", []),
        # Captured, then shown where it is used, not where it was captured.
        ("{% capture x %}capturé{% endcapture %}avant {{ x }} après", "avant capturé après", []),
        ("Titre : {{ page.title }}, sur {{ site.title }}", "Titre : Mon titre, sur Carnet", []),
        # Unknowable: the first branch, reported; a loop over the old site's data, removed.
        ("{% if page.url %}U{% else %}V{% endif %}", "U", [("condition", "{% if page.url %}")]),
        (
            '{% for p in site.posts %}<a href="{{ p.url }}">x</a>{% endfor %}fin',
            "fin",
            [("loop", "{% for p in site.posts %}")],
        ),
        ("{% raw %}{% if true %}{% endraw %} brut", "{% if true %} brut", []),
    ],
)
def test_liquid_control_flow_shows_what_the_old_site_showed(text, expected, problems):
    variables = {"page.title": "Mon titre", "page.lang": "fr", "page.comments": True}
    variables.update({"site.title": "Carnet", "site.show": False})
    result = jekyll.render_liquid(text, jekyll.LiquidContext(variables=variables))
    assert (result.text, result.problems) == (expected, problems)


def test_multi_line_tags_and_raw_inside_highlight():
    text = Path(__file__).parent.parent.parent / "shared" / "corpus" / "jekyll-test-source"
    if not text.is_dir():
        pytest.skip("../shared/corpus is not beside the repository")
    body = jekyll.split_front_matter(
        (text / "_posts" / "2018-01-28-closed-liquid-block-excerpt.markdown").read_text()
    ).body
    result = jekyll.render_liquid(body, context())
    assert '```ruby\ndef print_hi(name)\n  puts "Hi, #{name}"\nend' in result.text
    assert "{%" not in result.text and "{{" not in result.text
    assert result.problems == []  # `assign foo = 'foobar'` is understood, not reported


def test_no_liquid_is_ever_left_in_corpus_output(shared_dir):
    """Whatever the file, a reader never sees `{%` or `{{` unless it was inside `raw`."""
    corpus = shared_dir / "corpus" / "jekyll-test-source"
    for source in jekyll.discover([corpus]).sources:
        document = jekyll.read_document(source)
        text = jekyll.render_liquid(document.body, context()).text
        if "{% raw" not in document.body:
            assert "{%" not in text and "{{" not in text, source.key


def test_unclosed_blocks_are_reported():
    result = jekyll.render_liquid("a {% raw %} b", context())
    assert result.problems == [(jekyll.UNCLOSED, "{% raw %}")]


# --- Local files ---------------------------------------------------------------------------


def test_references_in_markdown_and_html():
    text = (
        '![a](/img/a.png "titre") [b](../b.pdf) <img src="/img/c.jpg" srcset="/img/c2.jpg 2x,'
        " /img/c3.jpg 3x\"> <a href='/d.zip'>d</a>\n[ref]: /img/e.gif\n"
    )
    urls = [reference.url for reference in jekyll.find_references(text)]
    assert urls == [
        "/img/a.png",
        "../b.pdf",
        "/img/c.jpg",
        "/img/c2.jpg",
        "/img/c3.jpg",
        "/d.zip",
        "/img/e.gif",
    ]


def test_locate_file_resolves_site_paths_hosts_and_relative_paths(tmp_path, settings):
    settings.SITE_URL = "https://nouveau.example"
    root = tmp_path / "site"
    write(root / "_config.yml", "url: https://ancien.example\nbaseurl: /blog\n")
    write(root / "img" / "a b.png", b"png")
    write(root / "_posts" / "voisin.pdf", b"pdf")
    document = read_one(root, "2017-01-03-x.md", "")
    found = jekyll.locate_file("/blog/img/a%20b.png?v=2#x", document)
    assert found.path == root / "img" / "a b.png"
    assert found.name == "img/a b.png"
    assert found.old_path == "/blog/img/a b.png"
    assert found.suffix == "?v=2#x"
    assert jekyll.locate_file("https://ancien.example/blog/img/a%20b.png", document).path
    assert jekyll.locate_file("voisin.pdf", document).name == "_posts/voisin.pdf"
    assert jekyll.locate_file("https://ailleurs.example/img/a.png", document) is None
    assert jekyll.locate_file("/2017/01/03/autre.html", document) is None
    assert jekyll.locate_file("#note", document) is None
    missing = jekyll.locate_file("/img/absente.png", document)
    assert missing is not None and missing.path is None


# --- Differential test against real Jekyll -------------------------------------------------

RUBY_SITE = r"""
require "jekyll"; require "json"
config = Jekyll.configuration("source" => ARGV[0], "destination" => ARGV[1], "quiet" => true,
                              "future" => true)
site = Jekyll::Site.new(config)
site.reset
site.read
posts = site.posts.docs.map do |d|
  {"path" => d.relative_path, "url" => d.url, "date" => d.date.getutc.iso8601,
   "title" => d.data["title"], "categories" => d.data["categories"], "tags" => d.data["tags"]}
end
pages = site.pages.map { |p| {"path" => p.relative_path, "url" => p.url} }
puts JSON.generate({"posts" => posts, "pages" => pages})
"""


@functools.cache
def jekyll_ready() -> bool:
    if not shutil.which("jekyll") or not shutil.which("ruby"):
        return False
    plugins = "jekyll jekyll-archives jekyll-sitemap jekyll-redirect-from"
    script = f"%w[{plugins}].each {{ |name| require name }}"
    return subprocess.run(["ruby", "-e", script], capture_output=True, check=False).returncode == 0


def jekyll_reads(root: Path, tmp_path: Path) -> dict:
    if not jekyll_ready():
        skip_or_fail(
            "Jekyll and the sample's plugins are not installed (Debian packages `jekyll`, "
            "`ruby-jekyll-archives`, `ruby-jekyll-sitemap`, `ruby-jekyll-redirect-from`)"
        )
    run = subprocess.run(
        ["ruby", "-e", RUBY_SITE, str(root), str(tmp_path / "_site_out")],
        capture_output=True,
        text=True,
        check=True,
        # Without `timezone:` in _config.yml Jekyll uses the machine's zone: ours is TIME_ZONE.
        env={**os.environ, "TZ": "Europe/Paris"},
    )
    return json.loads(run.stdout[run.stdout.index("{") :])


@pytest.mark.parametrize("which", ["corpus", "tests", "sample"])
def test_urls_dates_titles_and_terms_match_real_jekyll(which, tmp_path, settings):
    settings.TIME_ZONE = "Europe/Paris"
    if which == "corpus":
        root = TESTS.parent.parent / "shared" / "corpus" / "jekyll-test-source"
        if not root.is_dir():
            pytest.skip("../shared/corpus is not beside the repository")
    elif which == "tests":
        # Jekyll stops on these two; the importer reports them (see test_import.py).
        root = tmp_path / "site"
        shutil.copytree(SITE, root)
        (root / "_posts" / "2018-13-45-date-impossible.md").unlink()
        (root / "_posts" / "2018-03-02-mauvais-yaml.md").unlink()
    else:
        root = SAMPLE
    expected = jekyll_reads(root, tmp_path)
    documents = {
        source.key: jekyll.read_document(source) for source in jekyll.discover([root]).sources
    }
    posts = {key: doc for key, doc in documents.items() if doc and doc.is_post}
    for post in expected["posts"]:
        document = posts.pop(post["path"])
        assert document.url == post["url"], post["path"]
        assert document.date == datetime.fromisoformat(post["date"].replace("Z", "+00:00"))
        assert document.title == post["title"]
        assert document.categories == [str(key) for key in post["categories"]]
        # Jekyll gives `on` back as true; JEKYLL.md asks for the text as written.
        assert [t for t in document.tags if t != "on"] == [
            str(t) for t in post["tags"] if not isinstance(t, bool)
        ]
    # What Jekyll does not publish: `published: false` and drafts, which come in as drafts.
    assert all(not document.is_published for document in posts.values()), list(posts)
    for page in expected["pages"]:
        assert documents[page["path"]].url == page["url"], page["path"]
