"""Markdown rendering: kramdown's GFM features, French micro-typography, the sanitiser, excerpts."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from blog import rendering
from blog.rendering import (
    RenderOptions,
    apply_french_typography,
    render_markdown,
    render_with_excerpt,
    sanitize_html,
    split_excerpt,
)
from tests.test_kramdown_differential import FRONT_MATTER_RE

TESTS = Path(__file__).resolve().parent
NBSP = "\u00a0"
NNBSP = "\u202f"
PLAIN = RenderOptions(hard_wrap=False, french_typography=False)
WRAP = RenderOptions(hard_wrap=True, french_typography=False)
FRENCH = RenderOptions(hard_wrap=True, french_typography=True)


def render(text: str, options: RenderOptions = PLAIN) -> str:
    return render_markdown(text, options)


# --- kramdown / GFM features ----------------------------------------------------------------


@pytest.mark.parametrize("fence", ["```", "~~~"])
def test_fenced_code_carries_the_language_like_jekyll(fence):
    html = render(f'{fence}ruby\nputs "<b>" if a < b\n{fence}\n')
    assert '<div class="language-ruby highlighter-rouge">' in html
    assert '<pre class="highlight"><code>puts "&lt;b&gt;" if a &lt; b\n</code></pre>' in html


def test_fence_without_language_and_html_inside_a_fence_stay_code():
    html = render("```\n<div>pas du HTML</div>\n\n*ni du markdown*\n```\n")
    assert (
        "<pre><code>&lt;div&gt;pas du HTML&lt;/div&gt;\n\n*ni du markdown*\n</code></pre>" in html
    )


def test_fence_right_after_a_paragraph_line_and_inside_a_list_item():
    html = render("Voici :\n```js\nconst x = 1;\n```\n\n- un élément\n\n  ```\n  dedans\n  ```\n")
    assert html.startswith("<p>Voici :</p>")
    assert "<code>const x = 1;\n</code>" in html
    assert re.search(r"<li>\s*<p>un élément</p>\s*<pre><code>dedans\n</code></pre>", html)


def test_fence_right_under_an_item_text_is_code_and_ends_no_list():
    # GFM lets the fence interrupt the item's text; the next item stays a sibling.
    html = render("- item\n  ```\n  code\n  ```\n- autre\n")
    assert "<code>code\n</code></pre>" in html and "`" not in html
    assert html.count("<ul>") == 1 and html.count("<li>") == 2
    # A quote too: kramdown showed a quote, not "> une citation".
    html = render("- un point\n  > une citation\n- deux\n")
    assert re.search(r"<blockquote>\s*<p>une citation</p>\s*</blockquote>", html)
    assert "&gt;" not in html and html.count("<li>") == 2


def test_an_outer_item_after_a_loose_nested_list_stays_outside():
    html = render("1. un\n   - b\n\n     suite\n   - c\n2. deux\n")
    assert html.count("<ol>") == 1 and html.count("<ul>") == 1
    # `deux` is the outer list's second item, after the nested list has closed.
    assert re.search(r"</ul>\s*</li>\s*<li>\s*(<p>)?deux", html)


def test_a_reference_address_with_spaces_in_angle_brackets_is_a_link():
    html = render("Voir [la charte][charte].\n\n[charte]: <https://exemple.fr/ma charte.pdf>\n")
    assert html == '<p>Voir <a href="https://exemple.fr/ma%20charte.pdf">la charte</a>.</p>'


def test_indented_code_block():
    assert "<pre><code>x = 1\n</code></pre>" in render("Texte\n\n    x = 1\n")


def test_table_with_alignment():
    html = render("| a | b | c |\n|:--|:-:|--:|\n| 1 | **2** | 3 |\n")
    assert '<th style="text-align:left">a</th>' in html
    assert '<td style="text-align:center"><strong>2</strong></td>' in html
    assert '<td style="text-align:right">3</td>' in html


def test_footnotes_use_kramdown_markup_and_reference_order():
    html = render(
        "Deux[^b] notes[^a].\n\n[^a]: La note A.\n[^b]: La note B.\n[^c]: Jamais citée.\n"
    )
    assert (
        '<sup id="fnref:b" role="doc-noteref"><a class="footnote" href="#fn:b" rel="footnote">1'
        in html
    )
    assert '<div class="footnotes" role="doc-endnotes">' in html
    assert html.index('id="fn:b"') < html.index('id="fn:a"')
    assert '<a class="reversefootnote" href="#fnref:a" role="doc-backlink">↩</a>' in html
    assert "Jamais citée" not in html
    assert "<hr>" not in html


def test_strikethrough():
    assert "<del>plus valable</del>" in render("C’est ~~plus valable~~.")
    assert "~~ pas barré ~~" in render("~~ pas barré ~~")


def test_header_ids_follow_kramdown_gfm():
    html = render(
        "## En résumé (TLDR, pour les intimes)\n\n## Retour\n\n## Retour\n\n"
        "## L'été : « bilan » !\n\n## Choisi {#mon-id}\n"
    )
    assert '<h2 id="en-résumé-tldr-pour-les-intimes">' in html
    assert '<h2 id="retour">' in html and '<h2 id="retour-1">' in html
    assert '<h2 id="lété---bilan--">' in html
    assert '<h2 id="mon-id">Choisi</h2>' in html


def test_header_ids_ignore_french_spacing_so_old_anchors_still_work():
    html = render("## Le bilan : tout va bien\n", FRENCH)
    assert 'id="le-bilan--tout-va-bien"' in html


def test_auto_ids_can_be_turned_off():
    assert render("## Titre\n", RenderOptions(auto_ids=False)).startswith("<h2>Titre</h2>")


def test_hashtag_at_line_start_is_not_a_header():
    html = render("Les concepts :\n#communs, #open source\n", WRAP)
    assert "<h1" not in html
    assert "#communs, #open source" in html


def test_header_may_interrupt_a_paragraph():
    html = render("Un paragraphe\n## Un titre\nLa suite.\n")
    assert re.search(
        r"<p>Un paragraphe</p>\s*<h2 id=\"un-titre\">Un titre</h2>\s*<p>La suite.</p>", html
    )


@pytest.mark.parametrize(
    ("quote", "expected"),
    [
        ("c'est l'été", "c’est l’été"),
        ('des "guillemets"', "des “guillemets”"),
        ("des 'simples'", "des ‘simples’"),
        ("la suite...", "la suite…"),
        ("un -- court", "un – court"),
        ("un --- long", "un — long"),
        ("<<collés>> et << espacés >>", f"«collés» et «{NBSP}espacés{NBSP}»"),
        ('n\'"ubérise" pas', "n’“ubérise” pas"),
        ("rock'n'roll, les '80s", "rock’n’roll, les ’80s"),
        ('un "*mot*"', "un “<em>mot</em>”"),
        ('\\"droits\\"', '"droits"'),
        ("-un peu-", "-un peu-"),
    ],
)
def test_smart_quotes_and_symbols_as_kramdown(quote, expected):
    assert render(quote) == f"<p>{expected}</p>"


def test_no_smart_quotes_in_code():
    assert '<code>it\'s "raw" -- ...</code>' in render('`it\'s "raw" -- ...`')


def test_list_right_after_a_paragraph_line():
    html = render("Début :\n- un\n- deux\n- trois\n")
    assert re.search(r"<p>Début :</p>\s*<ul>\s*<li>un</li>\s*<li>deux</li>\s*<li>trois</li>", html)
    html = render("Étapes :\n1. un\n2. deux\n")
    assert re.search(r"<p>Étapes :</p>\s*<ol>\s*<li>un</li>\s*<li>deux</li>\s*</ol>", html)


def test_nested_list_with_two_space_indentation():
    html = render("- un\n  - sous-élément\n- deux\n")
    assert re.search(r"<li>un\s*<ul>\s*<li>sous-élément</li>\s*</ul>\s*</li>\s*<li>deux</li>", html)


def test_item_paragraphs_follow_kramdown():
    """An item followed by a blank line gets a paragraph; the last one only if all others do."""
    html = render("- a\n- b\n\n- c\n")
    assert re.search(r"<li>a</li>\s*<li>\s*<p>b</p>\s*</li>\s*<li>c</li>", html)
    html = render("- a\n\n- b\n")
    assert re.search(r"<li>\s*<p>a</p>\s*</li>\s*<li>\s*<p>b</p>", html)


def test_inline_html_is_kept_and_block_html_is_raw():
    html = render(
        'Un <kbd>Ctrl</kbd> et <mark>ceci</mark>.\n\n<div class="note">\n*brut*\n</div>\n'
    )
    assert "<kbd>Ctrl</kbd>" in html and "<mark>ceci</mark>" in html
    assert '<div class="note">\n*brut*\n</div>' in html


def test_markdown_inside_block_html_when_asked():
    html = render('<div markdown="1">\nCeci *est* transformé.\n</div>\n')
    assert "<em>est</em>" in html
    assert "markdown=" not in html


def test_br_on_its_own_line_is_a_paragraph_with_a_line_break():
    assert "<p><br></p>" in render("Avant\n\n<br>\n\nAprès\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Un paragraphe.\n{: .intro}\n", '<p class="intro">Un paragraphe.</p>'),
        ("Un autre.\n{:.remarque #la-remarque}\n", '<p class="remarque" id="la-remarque">'),
        ("{: .suivant}\nLe suivant.\n", '<p class="suivant">Le suivant.</p>'),
        ("- un\n- deux\n{: .liste}\n", '<ul class="liste">'),
        ("Un *mot*{: .accent} marqué.\n", '<em class="accent">mot</em>'),
        ('![image](/i.png){: width="300"}\n', 'width="300"'),
    ],
)
def test_kramdown_attribute_lists_are_applied(text, expected):
    html = render(text, WRAP)
    assert expected in html
    assert "{:" not in html


def test_attribute_definitions_and_comments_never_show():
    html = render("{:ref: .reference}\n\n{::comment}\ncaché\n{:/comment}\n\nVisible.\n")
    assert html.strip() == "<p>Visible.</p>"


def test_kramdown_table_of_contents():
    html = render("* TOC\n{:toc}\n\n# A\n\n## B\n\n# C\n")
    assert '<ul id="markdown-toc">' in html
    assert '<a href="#b" id="markdown-toc-b">B</a>' in html
    assert re.search(r'<li><a href="#a" id="markdown-toc-a">A</a>\s*<ul>\s*<li><a href="#b"', html)
    assert "TOC" not in html


def test_hard_wrap_turns_single_newlines_into_line_breaks():
    assert render("un\ndeux", WRAP) == "<p>un<br>\ndeux</p>"
    assert render("un\ndeux", PLAIN) == "<p>un\ndeux</p>"
    assert render("un  \ndeux", PLAIN) == "<p>un<br>\ndeux</p>"
    assert render("un\\\ndeux", PLAIN) == "<p>un<br>\ndeux</p>"


def test_bare_urls_become_links_as_on_github():
    html = render("Voir https://example.org/page. Ou www.example.org, (https://example.org/a_(b)).")
    assert '<a href="https://example.org/page">https://example.org/page</a>.' in html
    assert '<a href="http://www.example.org">www.example.org</a>,' in html
    assert '<a href="https://example.org/a_(b)">https://example.org/a_(b)</a>).' in html


def test_bare_urls_are_not_linked_twice_nor_in_code_nor_when_off():
    html = render("[https://example.org](https://example.org) et `https://code.example`")
    assert html.count("<a ") == 1
    assert "<code>https://code.example</code>" in html
    off = render("https://example.org", RenderOptions(autolink=False, french_typography=False))
    assert off == "<p>https://example.org</p>"


def test_no_state_leaks_between_renders():
    render("## Titre\n\nUne note[^1].\n\n[^1]: La note.\n\n{: .x}\nPara.\n")
    html = render("## Titre\n\nRien.\n")
    assert '<h2 id="titre">' in html
    assert "footnote" not in html and "class" not in html


def test_markdown_instance_is_built_once_per_options_and_thread():
    first = rendering._markdown_for(WRAP)
    assert rendering._markdown_for(RenderOptions(hard_wrap=True, french_typography=False)) is first
    assert rendering._markdown_for(PLAIN) is not first
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(rendering._markdown_for(WRAP)))
    thread.start()
    thread.join()
    assert other[0] is not first


# --- French micro-typography ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("En résumé : voilà", f"En résumé{NBSP}: voilà"),
        ("Vraiment ? Oui ! Bon ; suite", f"Vraiment{NNBSP}? Oui{NNBSP}! Bon{NNBSP}; suite"),
        ("Collé: ici; là! non?", f"Collé{NBSP}: ici{NNBSP}; là{NNBSP}! non{NNBSP}?"),
        ("« bonjour »", f"«{NBSP}bonjour{NBSP}»"),
        ("«bonjour»", f"«{NBSP}bonjour{NBSP}»"),
        (f"Déjà{NBSP}: fait", f"Déjà{NBSP}: fait"),
        ("Quoi ?!", f"Quoi{NNBSP}?!"),
        ("Et alors...?", f"Et alors…{NNBSP}?"),
        ("Rendez-vous à 10:30, ratio 16:9", "Rendez-vous à 10:30, ratio 16:9"),
        ("c’est cool :-)", "c’est cool :-)"),
    ],
)
def test_french_spacing(text, expected):
    assert render(text, FRENCH) == f"<p>{expected}</p>"


def test_french_spacing_never_in_code_urls_or_attributes():
    html = render(
        'Code `a : b` et <abbr title="Note : ceci">N</abbr> puis https://example.org/?q=1 !\n\n'
        "```\nx : y ; z ?\n```\n",
        FRENCH,
    )
    assert "<code>a : b</code>" in html
    assert 'title="Note : ceci"' in html
    assert 'href="https://example.org/?q=1"' in html
    assert f">https://example.org/?q=1</a>{NNBSP}!" in html
    assert "<code>x : y ; z ?\n</code>" in html


def test_french_spacing_across_inline_tags():
    html = render("Un *mot*? et **gras** :", FRENCH)
    assert html == f"<p>Un <em>mot</em>{NNBSP}? et <strong>gras</strong>{NBSP}:</p>"


def test_french_typography_keeps_html_escaped():
    html = apply_french_typography("<p>a &lt; b &amp; c : d</p>")
    assert html == f"<p>a &lt; b &amp; c{NBSP}: d</p>"


def test_french_typography_follows_the_setting(settings):
    settings.MARKDOWN_FRENCH_TYPOGRAPHY = False
    assert render_markdown("Ceci : cela") == "<p>Ceci : cela</p>"
    settings.MARKDOWN_FRENCH_TYPOGRAPHY = True
    assert render_markdown("Ceci : cela") == f"<p>Ceci{NBSP}: cela</p>"


# --- Sanitiser ----------------------------------------------------------------------------


def test_sanitiser_drops_scripts_handlers_and_dangerous_urls():
    html = render(
        '<script>alert("x")</script>\n\n<img src="/a.png" onerror="alert(1)" alt="a">\n\n'
        '[clic](javascript:alert(1)) <a href="JaVaScRiPt:alert(2)">x</a> '
        "[data](data:text/html;base64,PHNjcmlwdD4=) ![i](data:image/png;base64,AAAA)\n\n"
        "<style>body{display:none}</style>\n\n"
        '<form action="/x"><label>Nom</label><input name="a"><button>Go</button></form>\n'
    )
    lowered = html.lower()
    for needle in ("<script", "alert", "onerror", "javascript:", "data:", "<style", "<form",
                   "<input", "<button", "nom"):  # fmt: skip
        assert needle not in lowered
    assert '<img src="/a.png" alt="a"' in html


def test_sanitiser_keeps_what_posts_contain():
    source = (
        '<figure><img src="/i.jpg" alt="x" title="t" width="10" height="20">'
        "<figcaption>Légende</figcaption></figure>"
        "<details><summary>Plus</summary><p>H<sub>2</sub>O, E=mc<sup>2</sup>, <kbd>K</kbd>, "
        '<mark>m</mark>, <abbr title="a">A</abbr>, <del>d</del><ins>i</ins></p></details>'
        '<pre><code class="language-py">x</code></pre><hr>'
        '<p style="text-align:center;color:red">c</p>'
        '<a href="https://e.org/" title="t" rel="footnote">l</a>'
    )
    html = sanitize_html(source)
    for kept in ('<figcaption>Légende</figcaption>', '<summary>Plus</summary>', "<sub>2</sub>",
                 "<sup>2</sup>", "<kbd>K</kbd>", "<mark>m</mark>", '<abbr title="a">A</abbr>',
                 "<del>d</del>", "<ins>i</ins>", '<code class="language-py">', "<hr>",
                 'style="text-align:center"', 'rel="footnote"', 'width="10"',
                 'title="t"'):  # fmt: skip
        assert kept in html
    assert 'loading="lazy"' in html and 'decoding="async"' in html
    assert "color" not in html


def test_iframes_only_from_video_hosts():
    html = sanitize_html(
        '<iframe src="https://www.youtube-nocookie.com/embed/a" allowfullscreen></iframe>'
        '<iframe src="//player.vimeo.com/video/1"></iframe>'
        '<iframe src="http://www.youtube.com/embed/b"></iframe>'
        '<iframe src="https://evil.example/embed/c"></iframe>'
        '<iframe src="javascript:alert(1)"></iframe>'
    )
    assert '<iframe src="https://www.youtube-nocookie.com/embed/a"' in html
    assert 'src="https://player.vimeo.com/video/1"' in html
    assert 'src="https://www.youtube.com/embed/b"' in html  # upgraded to https
    assert "evil" not in html and "javascript" not in html
    assert html.count("<iframe") == 3


def test_embed_hosts_setting_adds_peertube_instances(settings):
    source = '<iframe src="https://framatube.org/videos/embed/x"></iframe>'
    settings.EMBED_HOSTS = []
    assert "<iframe" not in sanitize_html(source)
    settings.EMBED_HOSTS = ["framatube.org"]
    assert '<iframe src="https://framatube.org/videos/embed/x"></iframe>' in sanitize_html(source)


# --- Excerpts -----------------------------------------------------------------------------


def test_excerpt_ends_at_the_separator():
    assert split_excerpt("Intro.\n\n<!--more-->\n\nSuite.", "<!--more-->") == ("Intro.\n\n", True)


def test_excerpt_falls_back_to_the_first_paragraph():
    assert split_excerpt("\nPremier.\nligne deux\n\nSecond.", "<!--more-->") == (
        "Premier.\nligne deux",
        True,
    )
    assert split_excerpt("Seul paragraphe.\n", "<!--more-->") == ("Seul paragraphe.", False)
    assert split_excerpt("Tout.\n<!--more-->\n", "<!--more-->") == ("Tout.\n", False)
    assert split_excerpt("", "<!--more-->") == ("", False)


def test_excerpt_never_splits_inside_a_fence_or_an_html_block():
    text = "```\nun\n\n<!--more-->\n\ndeux\n```\n\nAprès le code.\n\nFin."
    excerpt, more = split_excerpt(text, "<!--more-->")
    assert excerpt == "```\nun\n\n<!--more-->\n\ndeux\n```" and more
    html_block = '<div class="a">\n\nun\n\n</div>\n\nFin.'
    assert split_excerpt(html_block, "\n\n") == ('<div class="a">\n\nun\n\n</div>', True)


def test_excerpt_keeps_link_definitions_and_the_footnotes_it_cites():
    text = (
        "Voir [Jekyll][jk] et une note[^1].\n\nSuite[^2].\n\n"
        "[jk]: https://jekyllrb.com/\n[^1]: Un.\n[^2]: Deux.\n"
    )
    excerpt, more = split_excerpt(text, "<!--more-->")
    assert more
    html = render(excerpt)
    assert '<a href="https://jekyllrb.com/">Jekyll</a>' in html
    assert 'id="fn:1"' in html and "Deux" not in html


def test_excerpt_with_an_unclosed_tag_before_the_separator_is_still_well_formed():
    excerpt, more = split_excerpt("<div>\nIntro\n<!--more-->\n</div>\n\nSuite", "<!--more-->")
    html = render(excerpt)
    assert more and html.count("<div>") == html.count("</div>") == 1


# --- Body and excerpt in one pass ---------------------------------------------------------

SAMPLES = sorted((TESTS / "rendering_samples").glob("*.md"))


def two_renders(text: str, options: RenderOptions) -> tuple[str, str, bool]:
    excerpt, more = split_excerpt(text, "<!--more-->")
    return render_markdown(text, options), render_markdown(excerpt, options), more


@pytest.fixture
def second_renders(monkeypatch) -> list[str]:
    """The texts `render_with_excerpt` rendered a second time (its excerpt, alone)."""
    texts: list[str] = []
    real = rendering.render_markdown

    def counting(text, options=None):
        texts.append(text)
        return real(text, options)

    monkeypatch.setattr(rendering, "render_markdown", counting)
    return texts


def test_body_and_excerpt_in_one_pass_are_what_two_renders_give(shared_dir, second_renders):
    """Every sample and seed, with `<!--more-->` after each of its paragraphs in turn."""
    texts = [path.read_text(encoding="utf-8") for path in SAMPLES]
    texts += [seed_body(shared_dir, path.name) for path in sorted(shared_dir.glob("seeds/*"))]
    variants = []
    for text in texts:
        variants.append(text)
        for blank in re.finditer(r"\n\n", text):
            variants.append(f"{text[: blank.start()]}\n\n<!--more-->\n\n{text[blank.end() :]}")
            variants.append(f"{text[: blank.start()]}\n<!--more-->\n{text[blank.end() :]}")
    single_passes = 0
    for text in variants:
        for options in (FRENCH, PLAIN):
            before = len(second_renders)
            result = render_with_excerpt(text, "<!--more-->", options)
            single_passes += len(second_renders) == before
            assert result == two_renders(text, options), text
    # The common case does not pay for a second pass.
    assert single_passes > len(variants) // 2


@pytest.mark.parametrize(
    "text",
    [
        "Intro : *oui*.\n\n<!--more-->\n\n## Suite\n\n- a\n- b\n",
        "Intro\n<!--more-->\nSuite",
        "# Titre\n\nIntro\n\n<!--more-->\n\n# Titre\n",  # ids numbered across the post
        "<div>Encadré</div>\n\n<!--more-->\n\nSuite",
        "Tout.\n\n<!--more-->\n",
        "Un seul paragraphe.",
    ],
)
def test_one_pass_when_the_excerpt_is_a_top_level_start_of_the_post(text, second_renders):
    assert render_with_excerpt(text, "<!--more-->", FRENCH) == two_renders(text, FRENCH)
    assert second_renders == []


@pytest.mark.parametrize(
    "text",
    [
        "Intro[^1].\n\n<!--more-->\n\nSuite\n\n[^1]: La note.",  # its note belongs to it
        "Un [lien][l].\n\n<!--more-->\n\nSuite\n\n[l]: https://example.org",
        "Le *[ESS] de l’ESS.\n\n<!--more-->\n\n*[ESS]: économie sociale",
        "* {:toc}\n\n# Un\n\n<!--more-->\n\n# Deux",  # the contents list all headers
        "- un\n\n  <!--more-->\n\n  deux",  # inside a list item
        "Intro <!--more--> dans la phrase.\n\nSuite",
        "Un.\n\n<!--more-->\n\nDeux.\n\n<!--more-->\n\nTrois.",
        "<div>\nIntro\n<!--more-->\n</div>\n\nSuite",
        "```\nun\n\n<!--more-->\n\ndeux\n```\n\nfin",
        "Premier.\n\nSecond.",  # Jekyll's first-paragraph excerpt
    ],
)
def test_two_passes_when_the_post_around_the_excerpt_changes_it(text, second_renders):
    assert render_with_excerpt(text, "<!--more-->", FRENCH) == two_renders(text, FRENCH)
    assert second_renders == [split_excerpt(text, "<!--more-->")[0]]


# --- Her posts ------------------------------------------------------------------------------


def seed_body(shared_dir, name: str) -> str:
    text = (shared_dir / "seeds" / name).read_text(encoding="utf-8")
    return FRONT_MATTER_RE.sub("", text, count=1)


def test_second_seed_renders_like_her_blog(shared_dir):
    html = render(seed_body(shared_dir, "004_549576643b165482.txt"), FRENCH)
    summary = html.split('id="en-résumé-tldr-pour-les-intimes"')[1].split("<h2")[0]
    items = re.findall(r"<li>(.*?)</li>", summary, re.S)
    assert len(items) == 3
    assert items[0].startswith("je veux <strong>m’adresser aux porteurs-ses")
    assert "<p><br></p>" in html
    assert "parce qu’il y a du pain" in html and "'" not in re.sub(r"<[^>]+>", "", html)
    assert f"moment{NBSP}:<br>" in html
    assert f"la version longue{NBSP}:</strong>" in html
    assert "#communs, #open source" in html and "<h1" not in html


def test_second_seed_excerpt_ends_at_more(shared_dir):
    body = seed_body(shared_dir, "004_549576643b165482.txt")
    excerpt, more = split_excerpt(body, "<!--more-->")
    assert more
    html = render(excerpt, FRENCH)
    assert html.startswith("<p>Parce que 2016 a été une année un brin éprouvante, parce qu’il")
    assert "le monde.</p>" in html and "résumé" not in html


def test_first_seed_excerpt_and_links(shared_dir):
    body = seed_body(shared_dir, "000_1f4b98a203fd6adf.txt")
    excerpt, more = split_excerpt(body, "<!--more-->")
    assert more and "Simili journal de bord" in excerpt and "Antoine" not in excerpt
    html = render(body, FRENCH)
    assert '<a href="https://twitter.com/antoinentl">Antoine</a>' in html
    assert f"(oh ouiiii faisons ça{NNBSP}!)" in html


def test_post_save_renders_body_and_excerpt(make_post):
    post = make_post(body="Intro : *oui*.\n\n<!--more-->\n\n## Suite\n\n- a\n- b\n", hard_wrap=True)
    assert f"Intro{NBSP}: <em>oui</em>." in post.excerpt_html
    assert "Suite" not in post.excerpt_html and post.has_more
    assert '<h2 id="suite">Suite</h2>' in post.body_html


# --- Robustness ---------------------------------------------------------------------------

MARKDOWN_PIECES = [
    "- ", "* ", "1. ", "  ", "    ", "\n", "\n\n", "```", "~~~", "`", "*", "_", "~~", "#", "## ",
    "> ", "{: .x}", "{:toc}", "{::comment}", "{:/comment}", "[", "]", "(", ")", "[^1]",
    "[^1]: note", "[^1]:", "<div>", "</div>", "<br>", '<div markdown="1">', "| a | b |\n|---|---|",
    "'", '"', "--", "...", "<<", ">>", ":", "!", "?", ";", "«", "»", "http://x.org", "www.y.com",
    "mot", "été", "\t", "\\", "<!--more-->", "<script>", "{#id}", "\n: déf", "*[ESS]: x", "&",
    "<iframe src=//evil.example>", 'onerror="x"',
]  # fmt: skip


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(MARKDOWN_PIECES), max_size=40).map("".join), st.booleans())
def test_any_markdown_renders_without_error_or_leftovers(text, hard_wrap):
    for options in (RenderOptions(hard_wrap=hard_wrap), PLAIN):
        html = render_markdown(text, options)
        assert "<script" not in html
        assert not re.search(r"<[^>]*\sonerror=|<iframe[^>]*evil", html)
        assert "\x02" not in html and "\x03" not in html
        excerpt, _more = split_excerpt(text, "<!--more-->")
        render_markdown(excerpt, options)


EXCERPT_PIECES = [
    *MARKDOWN_PIECES,
    "\n\n<!--more-->\n\n", "\n<!--more-->\n", "Mot.", "\n\n", "[x]", "[x]: http://a.b",
    "\n\n*[mot]: m\n\n", "\n\n# T\n\n", "\n\n<div>\nb\n</div>\n\n", "[^1]: n",
]  # fmt: skip


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(EXCERPT_PIECES), max_size=30).map("".join), st.booleans())
def test_one_pass_excerpt_equals_two_renders_on_any_markdown(text, hard_wrap):
    for options in (RenderOptions(hard_wrap=hard_wrap), PLAIN):
        assert render_with_excerpt(text, "<!--more-->", options) == two_renders(text, options)
