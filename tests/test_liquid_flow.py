"""Liquid as the old site ran it: order, truth, includes, limits (a review's reproductions)."""

import os

import pytest

from blog import jekyll
from blog.importer import import_site
from blog.models import Post
from tests.conftest import write

pytestmark = pytest.mark.django_db


def _site(tmp_path, post, includes=None, extra=None):
    root = tmp_path / "site"
    write(root / "_config.yml", "title: Carnet\nsecret_api_key: s3cr3t\n")
    for name, text in (includes or {}).items():
        write(root / "_includes" / name, text)
    for name, text in (extra or {}).items():
        write(root / name, text)
    write(root / "_posts" / "2021-01-05-p.md", post)
    return root


def test_include_dotdot_reads_a_file_jekyll_refused(tmp_path):
    # Jekyll's include refuses `../` (INVALID_SEQUENCES); here _config.yml / .env are read.
    root = _site(tmp_path, "A {% include ../.env %} B", extra={".env": "SECRET=hunter2"})
    import_site([root])
    assert "hunter2" not in Post.objects.get().body


def test_include_outside_site_and_symlink_refused(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("OUTSIDE")
    root = _site(tmp_path, "A {% include ../../outside.txt %} {% include link.html %} B")
    (root / "_includes").mkdir(exist_ok=True)
    os.symlink(outside, root / "_includes" / "link.html")
    import_site([root])
    assert "OUTSIDE" not in Post.objects.get().body


def test_include_html_goes_through_sanitiser(tmp_path):
    root = _site(
        tmp_path,
        "A\n\n{% include x.html %}\n\n"
        "{% capture c %}<img src=x onerror=alert(1)>{% endcapture %}{{ c }}",
        includes={
            "x.html": '<script>alert(1)</script><a href="javascript:alert(1)">x</a>'
            '<iframe src="https://evil.example/"></iframe>'
        },
    )
    import_site([root])
    html = Post.objects.get().body_html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert "evil.example" not in html, html


def test_self_include_fanout_is_bounded(tmp_path):
    # An include of itself, 30 times: 30^5 expansions on the old site's first levels.
    root = _site(
        tmp_path, "{% include x.html %}", includes={"x.html": "x{% include x.html %}" * 30}
    )
    report = import_site([root])
    # At most the expansion budget of includes, each bringing its 30 x's.
    assert len(Post.objects.get().body) <= jekyll.EXPANSION_BUDGET * 30
    assert any("trop" in note.message or "too much" in note.message for note in report.notes)


def test_capture_evaluates_output_inside_it():
    result = jekyll.render_liquid(
        "{% capture u %}{{ site.title }}!{% endcapture %}{{ u }}",
        jekyll.LiquidContext(variables={"site.title": "Carnet"}),
    )
    assert result.text == "Carnet!"


def test_not_equal_nil_and_equal_nil():
    ctx = jekyll.LiquidContext(variables={"page.subtitle": "Sous-titre"})
    assert jekyll.render_liquid("{% if page.subtitle != nil %}S{% endif %}", ctx).text == "S"
    assert jekyll.render_liquid("{% if page.absent == nil %}N{% endif %}", ctx).text == "N"


def test_zero_is_truthy_in_liquid():
    ctx = jekyll.LiquidContext(variables={"page.weight": 0})
    assert jekyll.render_liquid("{% if page.weight %}W{% endif %}", ctx).text == "W"


def test_if_page_image_dict_or_list(tmp_path):
    root = _site(
        tmp_path,
        "---\nimage:\n  path: /a.png\ngallery: [a, b]\n---\n"
        "{% if page.image %}IMG{% else %}NOIMG{% endif %} "
        "{% if page.gallery %}GAL{% else %}NOGAL{% endif %}",
    )
    import_site([root])
    body = Post.objects.get().body
    assert "NOIMG" not in body and "NOGAL" not in body, body


def test_unclosed_if_false_swallows_rest_of_post(tmp_path):
    root = _site(tmp_path, "Début {% if false %} et tout le reste du billet.")
    report = import_site([root])
    assert "tout le reste" in Post.objects.get().body, [n.message for n in report.notes]


def test_for_reversed_and_limit():
    ctx = jekyll.LiquidContext()
    assert (
        jekyll.render_liquid("{% for i in (1..3) reversed %}{{ i }}{% endfor %}", ctx).text == "321"
    )
    assert (
        jekyll.render_liquid("{% for i in (1..5) limit:2 %}{{ i }}{% endfor %}", ctx).text == "12"
    )


def test_left_strip_of_found_include():
    ctx = jekyll.LiquidContext(include=lambda name, relative: "INC")
    assert jekyll.render_liquid("A\n{%- include x.html %}", ctx).text == "AINC"


def test_huge_nested_ranges_explode():
    text = (
        "{% for a in (1..100) %}{% for b in (1..100) %}{% for c in (1..100) %}x"
        "{% endfor %}{% endfor %}{% endfor %}"
    )
    result = jekyll.render_liquid(text, jekyll.LiquidContext())
    # A million x's on the old site; here the expansion budget, and a note saying so.
    assert len(result.text) <= jekyll.EXPANSION_BUDGET
    assert (jekyll.TOO_MUCH, "{% for c in (1..100) %}") in result.problems


def test_capture_without_a_name_does_not_crash_the_import(tmp_path):
    root = _site(tmp_path, "Avant {% capture %}x{% endcapture %} après")
    report = import_site([root])
    assert Post.objects.count() == 1, [(o.path, o.status, o.reason) for o in report.outcomes]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{% if false %}{% assign x = 'no' %}{% endif %}[{{ x }}]", "[]"),
        (
            "{% if page.lang == 'fr' %}{% assign g = 'Bonjour' %}{% else %}{% assign g = 'Hello' %}"
            "{% endif %}{{ g }}",
            "Bonjour",
        ),
        ("{% assign i = 'a.png' %}{{ i }} {% assign i = 'b.png' %}{{ i }}", "a.png b.png"),
    ],
)
def test_assign_runs_in_document_order_and_only_in_taken_branch(text, expected):
    ctx = jekyll.LiquidContext(variables={"page.lang": "fr"})
    assert jekyll.render_liquid(text, ctx).text == expected


def test_unknown_include_parameter_is_reported_not_blank(tmp_path):
    root = _site(
        tmp_path,
        "---\nheader:\n  image: /a.png\n---\n{% include f.html image=page.header.image %}",
        includes={"f.html": '<img src="{{ include.image | relative_url }}">'},
    )
    report = import_site([root])
    body = Post.objects.get().body
    assert 'src="/"' not in body or any(n.code == "liquid" for n in report.notes), body


def test_month_archive_single_segment_pattern_redirects(tmp_path, client):
    root = tmp_path / "site"
    write(
        root / "_config.yml",
        "plugins: [jekyll-archives]\njekyll-archives:\n  enabled: [month]\n"
        "  permalinks:\n    month: '/:year-:month/'\n",
    )
    write(root / "_posts" / "2020-03-04-b.md", "B.")
    import_site([root])
    from django.urls import is_valid_path

    from blog.models import OldURL

    print("VALID", is_valid_path("/2020-03/"), list(OldURL.objects.values_list("path", flat=True)))
    assert client.get("/2020-03/").status_code == 301


def test_a_post_whose_liquid_cannot_be_read_fails_alone(tmp_path):
    # 500 nested blocks: Liquid refuses more than 100; here the post fails, the rest comes in.
    root = _site(tmp_path, "{% if true %}" * 500 + "x" + "{% endif %}" * 500)
    write(root / "_posts" / "2021-01-06-sain.md", "Sain.")
    report = import_site([root])
    [failed] = report.failed
    assert failed.path == "_posts/2021-01-05-p.md" and "RecursionError" in failed.reason
    assert list(Post.objects.values_list("slug", flat=True)) == ["sain"]
