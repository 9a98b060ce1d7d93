"""Random and hostile input thrown at the search, every address parameter of the public pages,
the old-address fallback and the Jekyll importer: an answer or a clear reason, never a crash.

The contact form has its own (tests/test_contact_hostile.py), and oversized requests theirs
(tests/test_security.py). Run on SQLite and on PostgreSQL (DATABASE_URL=postgres://…), as CI
does: the two databases refuse different things (PostgreSQL, a NUL character in any text).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote, quote_from_bytes, urlsplit

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from blog import importer, jekyll
from blog.models import OldURL, Page, Post

# Bounded: the suite runs twice in CI, and each example is a real request or import.
fuzz = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What full-text engines and SQL give a meaning to, and what breaks text handling.
FTS_SYNTAX = [
    '"',
    "'",
    "*",
    "NEAR(",
    "NEAR(a b, 2)",
    "-",
    "OR",
    "AND",
    "NOT",
    "(",
    ")",
    "((",
    "^",
    ":",
    "title:",
    "{",
    "}",
    "+",
    "!",
    "&",
    "|",
    "<->",
    ":*",
    "\\",
    "%",
    "_",
    "\x00",
    "\x1b",
    "\u202e",
    "\ufeff",
    "\u0301",
    "İ",
    "ß",
    "🙂",
    "' OR 1=1 --",
    "; DROP TABLE blog_post; --",
    "<script>alert(1)</script>",
]
WORDS = ["coopérative", "Vosges", "sobriété", "design", "numérique"]
any_text = st.text(st.characters(codec="utf-8"), max_size=15)  # NUL and controls included
search_query = st.lists(
    st.one_of(st.sampled_from(FTS_SYNTAX), st.sampled_from(WORDS), any_text), max_size=12
).map(" ".join)

PAGE_VALUES = ["0", "-1", "1", "2", "last", "LAST", "1.0", "1e3", " 1", "٣", "", "\x00"]
PAGE_VALUES += [str(10**30), "9" * 5000, "null", "[]", "1;DROP", "%", "1 OR 1=1"]
page_value = st.one_of(st.sampled_from(PAGE_VALUES), st.integers().map(str), any_text)
# One value, or the same parameter repeated.
param_value = st.one_of(page_value, st.lists(page_value, min_size=2, max_size=3))
PARAM_NAMES = ["page", "p", "q", "subject", "year", "month", "day", "slug", "format", "next"]
query_params = st.dictionaries(
    st.one_of(st.sampled_from(PARAM_NAMES), any_text), param_value, max_size=4
)


def answered(response) -> None:
    """A page a reader can read: never a server error, and a 404 is the site's French page."""
    assert response.status_code < 500
    if response.status_code == 404:
        assert "Page introuvable" in response.content.decode()


def local_redirect(response) -> None:
    """A redirect never sends the reader to another site (`//evil.example`, `/\\evil`)."""
    location = response["Location"]
    split = urlsplit(location)
    assert not split.scheme and not split.netloc, location
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location


def segment(text: str) -> str:
    """Text as one percent-encoded path segment, as a browser would send it."""
    return quote(text, safe="")


@pytest.fixture
def blog(make_post):
    """A small blog: published posts, a draft, a tag, a category, a page and old addresses."""
    post = make_post(
        "La coopérative des Vosges",
        body="Une épicerie coopérative, du design sobre.\n\n<!--more-->\n\nLa suite.",
        tags=["sobriété"],
        categories=["lubies"],
    )
    for number in range(12):  # two pages of lists
        make_post(f"Billet numérique {number}", tags=["sobriété"], categories=["lubies"])
    make_post("Brouillon coopérative secret", status=Post.Status.DRAFT, tags=["sobriété"])
    page = Page.objects.create(title="À propos", slug="a-propos", body="Qui écrit ici.")
    OldURL.objects.create(path="/2017/01/03/vieux.html", post=post)
    OldURL.objects.create(path="/a-propos.html", page=page)
    OldURL.objects.create(path="/tags/sobriete/", target="/tags/sobriete/")
    return {"post": post, "page": page}


# --- Search ----------------------------------------------------------------------------------


@fuzz
@given(q=search_query, page=param_value)
def test_any_search_gets_a_results_page(client, blog, q, page):
    response = client.get("/search/", {"q": q, "page": page})
    assert response.status_code == 200
    html = response.content.decode()
    context = response.context
    if context["terms"]:
        assert "trouvé" in html
        assert all(result.post.is_published() for result in context["results"])
    elif context["query"]:
        assert "Tapez au moins un mot" in html
    assert "<script>alert(1)</script>" not in html  # shown as text, never as markup
    assert "Brouillon coopérative secret" not in html


@pytest.mark.parametrize(
    "q",
    [
        "",
        " ",
        "\x00",
        "'",
        "NEAR(",
        "coopérative OR",
        'coop* AND NOT "x',
        "title:x",
        "a" * 100_000,
        "coopérative " * 5000,
        "🙂" * 3000,
    ],
)
def test_hostile_searches_answer_with_a_page(client, blog, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    assert len(response.context["query"]) <= 200


@pytest.mark.parametrize(
    "q",
    [
        '"coopérative',
        "coopérative*",
        "-coopérative",
        "((coopérative",
        "coopérative))",
        "^coopérative",
    ]
    + ["coopérative\x00", "\x00coopérative", ":coopérative:", "«coopérative»", "COOPÉRATIVE'"],
)
def test_search_syntax_is_read_as_plain_words(client, blog, q):
    """Quotes, stars, minus signs and brackets mean nothing: the word is looked for as is."""
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    titles = [result.post.title for result in response.context["results"]]
    assert titles == ["La coopérative des Vosges"]


def test_too_many_parameters_on_a_public_page_get_the_french_400(client, blog, settings):
    query = "&".join(f"q{number}=x" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    for url in ("/search/", "/", "/tags/sobriete/"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400
        assert "Requête refusée" in response.content.decode()


def test_search_with_the_query_repeated_or_empty_answers(client, blog):
    assert client.get("/search/?q=coop%C3%A9rative&q=%00&q=").status_code == 200
    assert client.get("/search/?q").status_code == 200
    assert client.get("/search/?q=%C3%28%FF").status_code == 200  # not UTF-8


# --- Parameters of every public page -------------------------------------------------------


PUBLIC_PAGES = {
    "home": "/",
    "feed": "/feed.xml",
    "atom": "/atom.xml",
    "sitemap": "/sitemap.xml",
    "robots": "/robots.txt",
    "favicon": "/favicon.ico",
    "search": "/search/",
    "archives": "/archives/",
    "year": "{year}/",
    "month": "{month}/",
    "post": "{post}",
    "categories": "/categories/",
    "category": "/categories/lubies/",
    "category-feed": "/categories/lubies/feed.xml",
    "category-atom": "/categories/lubies/atom.xml",
    "tags": "/tags/",
    "tag": "/tags/sobriete/",
    "tag-feed": "/tags/sobriete/feed.xml",
    "tag-atom": "/tags/sobriete/atom.xml",
    "page": "/a-propos/",
    "contact": "/contact/",
    "contact-thanks": "/contact/merci/",
}


@pytest.mark.parametrize("name", PUBLIC_PAGES)
@settings(fuzz, max_examples=12)
@given(params=query_params)
def test_any_query_string_on_any_public_page(client, blog, name, params):
    post = blog["post"]
    url = PUBLIC_PAGES[name].format(
        year=f"/{post.published_at.year}",
        month=post.published_at.strftime("/%Y/%m"),
        post=post.get_absolute_url(),
    )
    response = client.get(url, params)
    answered(response)
    if response.status_code in (301, 302):
        local_redirect(response)


@fuzz
@given(page=param_value)
def test_any_page_number_on_the_lists(client, blog, page):
    for url in ("/", "/categories/lubies/", "/tags/sobriete/", "/search/?q=billet"):
        response = client.get(url, {"page": page})
        answered(response)
        assert response.status_code in (200, 404)


@pytest.mark.parametrize("page", ["0", "-1", "3", str(10**30), "abc", "1.5", "%00"])
def test_a_page_number_out_of_range_is_a_french_404(client, blog, page):
    response = client.get(f"/?page={page}")
    assert response.status_code == 404
    answered(response)


def test_page_two_and_last_exist(client, blog):
    assert client.get("/?page=2").status_code == 200
    assert client.get("/?page=last").status_code == 200
    # A search page out of range shows the last page rather than nothing.
    assert client.get("/search/", {"q": "billet", "page": "999"}).status_code == 200


@fuzz
@given(year=st.integers(min_value=-(10**3), max_value=10**25))
def test_any_year_in_the_address(client, blog, year):
    response = client.get(f"/{year}/")
    answered(response)
    assert response.status_code in (200, 404)


@pytest.mark.parametrize(
    "path", ["/0/", "/1/", "/0001/01/", "/0001/12/", "/9999/", "/9999/12/", "/10000/", "/2017/13/"]
)
def test_dates_at_the_ends_of_the_calendar_are_a_french_404(client, blog, path):
    # Year 1 at midnight in Paris is before the first datetime Python has in UTC.
    response = client.get(path)
    assert response.status_code == 404
    answered(response)


@fuzz
@given(year=st.integers(min_value=0, max_value=9999), month=st.integers(min_value=0, max_value=99))
def test_any_month_in_the_address(client, blog, year, month):
    response = client.get(f"/{year:04d}/{month:02d}/")
    answered(response)
    assert response.status_code in (200, 404)


@fuzz
@given(
    year=st.integers(min_value=0, max_value=10**25),
    month=any_text,
    day=any_text,
    real_slug=st.booleans(),
    slug=any_text,
)
def test_any_date_and_slug_in_a_post_address(client, blog, year, month, day, real_slug, slug):
    slug = blog["post"].slug if real_slug else slug
    path = f"/{year}/{segment(month) or '01'}/{segment(day) or '01'}/{segment(slug) or 'x'}/"
    response = client.get(path)
    answered(response)
    assert response.status_code in (301, 404)
    if response.status_code == 301:
        local_redirect(response)
        assert response["Location"] == blog["post"].get_absolute_url()


@fuzz
@given(
    prefix=st.sampled_from(["/tags/", "/categories/", "/", "/draft/"]),
    slug=st.one_of(any_text, st.sampled_from(["..", "%2F", "sobri%C3%A9t%C3%A9", "-", "_"])),
    suffix=st.sampled_from(["/", "/feed.xml", "/atom.xml", ""]),
)
def test_odd_characters_in_a_slug(client, blog, prefix, slug, suffix):
    response = client.get(prefix + segment(slug) + suffix)
    answered(response)


def test_a_huge_draft_number_for_staff_is_a_404(client, blog, admin_user):
    client.force_login(admin_user)
    assert client.get(f"/draft/{10**30}/").status_code == 404
    assert client.get("/draft/0/").status_code == 404


# --- Old addresses ---------------------------------------------------------------------------

path_piece = st.one_of(
    st.binary(max_size=20).map(lambda raw: quote_from_bytes(raw, safe="")),
    st.sampled_from(
        ["..", ".", "%2e%2e", "%C3%28", "%FF", "%C0%AF", "%ED%A0%80", "%00", "%2F", "", "%25"]
        + ["index.html", ".html", "~", "%E2%80%AE", "a" * 300, "vieux.html", "2017", "\\"]
    ),
    any_text.map(segment),
)
hostile_path = st.lists(path_piece, min_size=1, max_size=6).map(lambda parts: "/" + "/".join(parts))


@fuzz
@given(path=hostile_path, method=st.sampled_from(["get", "head"]))
def test_any_path_gets_a_page_or_a_local_redirect(client, blog, path, method):
    response = getattr(client, method)(path)
    assert response.status_code in (200, 301, 302, 404)
    if method == "get":
        answered(response)
    if response.status_code in (301, 302):
        local_redirect(response)


@pytest.mark.parametrize(
    "path",
    [
        "/%C3%28",
        "/vieux%C3%28.html",
        "/%00",
        "/2017/01/03/vieux.html%00",
        "/../../etc/passwd",
        "/2017/01/03/../03/vieux.html",
        "/" + "a/" * 4000,
        "/" + "%C3%28" * 3000,
        "/" + "é" * 2000 + ".html",
        "//evil.example/",
        "/\\evil.example/",
        "/%2F%2Fevil.example",
    ],
)
def test_hostile_paths_reach_the_old_address_check_safely(client, blog, path):
    response = client.get(path)
    answered(response)
    if response.status_code in (301, 302):
        local_redirect(response)


def test_an_old_address_with_a_query_still_redirects(client, blog):
    response = client.get("/2017/01/03/vieux.html?utm=%00%C3%28")
    assert response.status_code == 301
    assert response["Location"].startswith(blog["post"].get_absolute_url())


# --- The Jekyll importer ---------------------------------------------------------------------

FRONT_KEYS = ["title", "date", "tags", "tag", "categories", "category", "published"]
FRONT_KEYS += ["permalink", "slug", "excerpt", "excerpt_separator", "description", "layout"]
FRONT_KEYS += ["last_modified_at", "redirect_from", "render_with_liquid", "image"]
HOSTILE_DATES = ["0000-00-00", "0000-01-01", "9999-12-31 23:59:59 +14:00", "2017-02-30"]
HOSTILE_DATES += ["99999-01-01", "1-1-1", "2017-01-01T25:61", "2017-01-01 10:00 +99:99"]
HOSTILE_DATES += ["-2017-01-01", "2017-01-01 10:00:00.9999999999", "Tue, 99 Feb 2017 10:00"]
scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),  # nan and infinities included
    any_text,
    st.sampled_from(HOSTILE_DATES),
    st.dates(),
    st.datetimes(),
)
yaml_value = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(any_text, inner, max_size=4)
    ),
    max_leaves=12,
)
front_matter = st.dictionaries(st.one_of(st.sampled_from(FRONT_KEYS), any_text), yaml_value)


def dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, default_flow_style=False)


def post_file(yaml_text: str, body: str = "Le texte.\n") -> str:
    return f"---\n{yaml_text}---\n{body}"


def import_files(root: Path, files: dict[str, bytes]) -> importer.ImportReport:
    """A Jekyll site made of `files`, imported for real; each file reported on its own."""
    (root / "_config.yml").write_text("timezone: Europe/Paris\n", encoding="utf-8")
    for name, raw in files.items():
        path = root / "_posts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
    report = importer.import_site([root])
    reported = {outcome.path: outcome for outcome in report.outcomes}
    for name in files:
        outcome = reported[f"_posts/{name}"]
        if outcome.status == importer.FAILED:
            assert outcome.reason.strip(), outcome
            assert "Traceback" not in outcome.reason
    return report


@fuzz
@given(data=front_matter, body=any_text)
def test_any_yaml_front_matter_is_imported_or_refused_with_a_reason(
    tmp_path_factory, db, data, body
):
    root = tmp_path_factory.mktemp("site")
    report = import_files(root, {"2017-01-03-billet.md": post_file(dump(data), body).encode()})
    event(report.outcomes[0].status)  # see --hypothesis-show-statistics


@fuzz
@given(
    raw=st.binary(max_size=400),
    framed=st.booleans(),
    bom=st.booleans(),
    crlf=st.booleans(),
)
def test_any_bytes_are_imported_or_refused_with_a_reason(
    tmp_path_factory, db, raw, framed, bom, crlf
):
    if framed:
        raw = b"---\n" + raw + b"\n---\nLe texte.\n"
    if crlf:
        raw = raw.replace(b"\n", b"\r\n")
    if bom:
        raw = b"\xef\xbb\xbf" + raw
    root = tmp_path_factory.mktemp("site")
    report = import_files(root, {"2017-01-03-billet.md": raw})
    event(report.outcomes[0].status)


@fuzz
@given(text=st.text(st.characters(codec="utf-8"), max_size=300))
def test_any_text_between_the_dashes_is_read_or_refused_with_a_reason(text):
    try:
        front = jekyll.split_front_matter(post_file(text + "\n"))
    except jekyll.JekyllError as error:
        assert str(error).strip()
    else:
        assert isinstance(front.data, dict)


@fuzz
@given(value=st.one_of(scalar, st.sampled_from(HOSTILE_DATES)))
def test_any_date_is_a_date_or_a_clear_error(tmp_path_factory, db, value):
    root = tmp_path_factory.mktemp("site")
    report = import_files(
        root, {"2017-01-03-billet.md": post_file(dump({"title": "Daté", "date": value})).encode()}
    )
    outcome = report.outcomes[0]
    event(outcome.status)
    if outcome.status == importer.FAILED:
        assert "date" in outcome.reason


NASTY_FRONT_MATTERS = {
    "deep-list": "x: " + "[" * 100_000 + "]" * 100_000 + "\n",
    "deep-map": "x: " + "{a: " * 50_000 + "1" + "}" * 50_000 + "\n",
    "deep-block": "".join(" " * depth + "- \n" for depth in range(0, 400, 1)),
    "self-alias-tags": "tags: &t [a, *t]\n",
    "self-alias-other": "foo: &f [1, *f]\n",
    "self-alias-map": "foo: &f {a: *f}\n",
    "laughs": "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join(['*' + chr(97 + level)] * 9)}]\n"
        for level in range(9)
    )
    + "tags: *j\n",
    "huge-number-date": "date: 99999999999999999999999\n",
    "nan-date": "date: .nan\n",
    "year-zero": "date: 0000-01-01\n",
    "far-year": "date: '99999-01-01'\n",
    "bad-offset": "date: 2017-01-01 10:00:00 +99:99\n",
    "binary-title": "title: !!binary aGVsbG8=\n",
    "python-tag": "title: !!python/object/apply:os.system [ls]\n",
    "set-tags": "tags: !!set {a, b}\n",
    "nul-escape": 'title: "a\\0b"\ntags: ["\\0"]\n',
    "nul-raw": "title: a\x00b\n",
    "list-key": "? [a, b]\n: c\n",
    "merge-scalar": "<<: 1\n",
    "not-a-mapping": "- a\n- b\n",
    "huge-title": "title: " + "é" * 100_000 + "\n",
    "huge-int-tag": "tags: [" + "9" * 5000 + "]\n",
}


@pytest.mark.parametrize("name", NASTY_FRONT_MATTERS)
def test_nasty_front_matter_is_imported_or_refused_with_a_reason(tmp_path, db, name):
    files = {
        f"2017-01-03-{name}.md": post_file(NASTY_FRONT_MATTERS[name]).encode(),
        "2017-01-04-sain.md": post_file("title: Sain\n").encode(),
    }
    report = import_files(tmp_path, files)
    # A bad file never stops the others.
    assert report.count(importer.CREATED) >= 1
    assert Post.objects.filter(title="Sain").exists()


@pytest.mark.parametrize(
    "raw",
    [
        b"\xef\xbb\xbf---\r\ntitle: BOM et CRLF\r\n---\r\nLe texte.\r\n",
        b"---\ntitle: NUL\n---\nLe \x00 texte.\n",
        b"---\ntitle: Latin-1 \xe9\n---\n",
        b"\xff\xfe-\x00-\x00-\x00",  # UTF-16
        b"",
        b"---",
        b"---\n---",
        b"---\n...\n",
        b"\x00" * 1000,
    ],
)
def test_odd_encodings_and_bytes_are_imported_or_refused_with_a_reason(tmp_path, db, raw):
    import_files(tmp_path, {"2017-01-03-billet.md": raw})


def test_a_body_with_nul_is_imported_without_it_or_refused(tmp_path, db):
    report = import_files(
        tmp_path, {"2017-01-03-nul.md": b'---\ntitle: "Ti\\0tre"\n---\nLe \x00 texte.\n'}
    )
    post = Post.objects.filter(source_path="_posts/2017-01-03-nul.md").first()
    if post is None:
        assert report.failed
    else:
        assert "\x00" not in post.title + post.body


def test_dates_and_datetimes_round_trip_through_the_importer(tmp_path, db):
    # Sanity check of the strategy above: plain dates do import.
    import_files(
        tmp_path,
        {
            "2017-01-03-a.md": post_file(dump({"date": date(2017, 1, 3)})).encode(),
            "2017-01-04-b.md": post_file(dump({"date": datetime(2017, 1, 4, 10)})).encode(),
        },
    )
    assert Post.objects.filter(source_path__startswith="_posts/2017-01-0").count() == 2


@pytest.mark.parametrize("loader", ["libyaml", "pure Python"])
@pytest.mark.parametrize("depth", [51, 490])
def test_nesting_too_deep_is_refused_with_either_yaml_loader(monkeypatch, loader, depth):
    if loader == "pure Python":  # PyYAML without libyaml: its composer recurses in Python
        monkeypatch.setattr(jekyll, "YAML_LOADER", yaml.SafeLoader)
    text = post_file("x: " + "[" * depth + "]" * depth + "\n")
    with pytest.raises(jekyll.JekyllError, match="50"):
        jekyll.split_front_matter(text)
    # Fifty levels are allowed: more than any front matter needs.
    assert jekyll.split_front_matter(post_file("x: " + "[" * 49 + "]" * 49 + "\n")).present


def test_a_config_nested_too_deep_stops_that_site_with_a_reason(tmp_path, db):
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("x: " + "[" * 100_000 + "]" * 100_000 + "\n")
    (site / "_posts" / "2017-01-03-a.md").write_text(post_file("title: A\n"))
    report = importer.import_site([site])
    assert [outcome.status for outcome in report.outcomes] == [importer.FAILED]
    assert "50" in report.outcomes[0].reason
