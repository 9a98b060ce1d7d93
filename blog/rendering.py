"""Markdown to safe HTML, as Jekyll's kramdown (GFM input) and jekyll-microtypo rendered it.

`render_markdown` runs three steps:

1. Python-Markdown with `blog.markdown_ext.KramdownExtension` and the stock extensions that
   match kramdown features (tables, footnotes, definition lists, abbreviations, attribute lists,
   markdown inside HTML blocks; `nl2br` when `hard_wrap` is on). One instance per
   option set and thread, reused with `reset()`: building one costs far more than a short post.
2. `sanitize_html`: nh3 with an allowlist of what posts legitimately contain.
3. French micro-typography on the sanitised HTML's text (never in tags, attributes, code or
   URLs): U+00A0 NO-BREAK SPACE before `:` and inside « », U+202F NARROW NO-BREAK SPACE before
   `; ! ?` (the Imprimerie nationale convention, which jekyll-microtypo follows too).

Stored HTML carries characters, not entities: ’ “ ” … and the no-break spaces as themselves.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

import markdown
import nh3
from django.conf import settings
from django.utils.translation import gettext as _

from blog.markdown_ext import FENCE_RE, KramdownExtension


def _setting(name: str, default: object) -> object:
    return getattr(settings, name, default) if settings.configured else default


def _default_french_typography() -> bool:
    return bool(_setting("MARKDOWN_FRENCH_TYPOGRAPHY", True))


@dataclass(frozen=True)
class RenderOptions:
    """How to read a post: the imported site's `_config.yml` decides, new posts the settings."""

    hard_wrap: bool = False
    french_typography: bool = field(default_factory=_default_french_typography)
    # kramdown's `auto_ids` (Jekyll's default: on); anchors of old links depend on them.
    auto_ids: bool = True
    # GitHub links bare URLs; kramdown, hence the old site, did not.
    autolink: bool = True
    # Off for a body written in HTML (Jekyll's .html posts): sanitised, never converted.
    markdown: bool = True


# --- Markdown ------------------------------------------------------------------------------

_local = threading.local()


def _markdown_for(options: RenderOptions) -> markdown.Markdown:
    """The Markdown instance for these options in this thread (instances are not thread-safe)."""
    key = (options.hard_wrap, options.auto_ids, options.autolink)
    instances = getattr(_local, "instances", None)
    if instances is None:
        instances = _local.instances = {}
    md = instances.get(key)
    if md is None:
        extensions: list[object] = [
            KramdownExtension(
                autolink=options.autolink,
                auto_ids=options.auto_ids,
                hard_wrap=options.hard_wrap,
            ),
            "tables",
            "footnotes",
            "def_list",
            "abbr",
            "attr_list",
            "md_in_html",
        ]
        if options.hard_wrap:
            extensions.append("nl2br")
        md = markdown.Markdown(
            extensions=extensions,
            extension_configs={
                "footnotes": {"USE_DEFINITION_ORDER": False, "SEPARATOR": ":"},
            },
            output_format="html",
        )
        # Python-Markdown's reordering crashes on an empty note (`[^1]:`); the kramdown
        # footnote processor puts notes in reference order itself.
        md.treeprocessors.deregister("footnote-reorder", strict=False)
        instances[key] = md
    return md


class RenderError(ValueError):
    """A text the renderer cannot take: the post is refused with this reason, not half-saved."""


def _convert(text: str, options: RenderOptions) -> tuple[markdown.Markdown, str]:
    """Python-Markdown's HTML for `text`, with the instance that made it.

    An instance that raised keeps a broken parser state: `reset()` does not clear it, and the
    next texts it rendered lost their paragraphs. It is thrown away.
    """
    md = _markdown_for(options)
    md.reset()
    try:
        return md, md.convert(text or "")
    except BaseException as error:
        _local.instances = {}
        if isinstance(error, RecursionError):
            raise RenderError(
                _("lists, quotes or tags are nested too deeply (hundreds of levels) to be shown")
            ) from None
        raise


def render_markdown(text: str, options: RenderOptions | None = None) -> str:
    """Sanitised HTML for a post's markdown (Liquid already resolved by the importer)."""
    options = options or RenderOptions()
    if not options.markdown:
        return _finish(text or "", options)
    _md, rendered = _convert(text, options)
    return _finish(rendered, options)


def _finish(rendered: str, options: RenderOptions) -> str:
    """Python-Markdown's output made safe and typeset."""
    cleaned = sanitize_html(rendered)
    if options.french_typography:
        return apply_french_typography(cleaned)
    return cleaned.replace("&nbsp;", "\u00a0")


# --- Sanitising ----------------------------------------------------------------------------

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "audio", "b", "blockquote", "br", "caption", "cite", "code", "col",
        "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption",
        "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "iframe", "img", "ins", "kbd",
        "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "source", "span", "strong",
        "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr",
        "u", "ul", "var", "video",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir", "role"},
    "a": {"href", "rel", "hreflang"},
    "abbr": set(),
    "img": {"src", "alt", "width", "height", "loading", "decoding", "style"},
    "iframe": {
        "src", "width", "height", "allow", "allowfullscreen", "frameborder", "loading",
        "referrerpolicy",
    },
    "video": {"src", "controls", "poster", "width", "height", "preload", "loop", "muted",
              "playsinline"},
    "audio": {"src", "controls", "preload", "loop"},
    "source": {"src", "type"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan", "scope"},
    "col": {"span"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "p": {"style"},
    "div": {"style"},
    "figure": {"style"},
    "span": {"style"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "time": {"datetime"},
    "details": {"open"},
}  # fmt: skip
# Only layout-neutral CSS survives in `style` (table alignment, image sizes).
ALLOWED_STYLE_PROPERTIES = frozenset({"text-align", "width", "max-width", "height"})
# Content removed with the tag: a form's labels and buttons are no use without the form.
REMOVED_WITH_CONTENT = frozenset({"script", "style", "form", "textarea", "select", "template"})
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
DEFAULT_EMBED_HOSTS = (
    "www.youtube.com",
    "youtube.com",
    "www.youtube-nocookie.com",
    "youtube-nocookie.com",
    "player.vimeo.com",
)
IFRAME_WITHOUT_SRC_RE = re.compile(r'<iframe\b(?![^>]*\ssrc=")[^>]*>.*?</iframe>', re.DOTALL)


def embed_hosts() -> tuple[str, ...]:
    """Hosts whose iframes posts may embed: video sites, plus `EMBED_HOSTS` (PeerTube…)."""
    extra = _setting("EMBED_HOSTS", ()) or ()
    return DEFAULT_EMBED_HOSTS + tuple(host.lower().strip() for host in extra)


def embed_src(value: str, hosts: tuple[str, ...]) -> str | None:
    """An iframe address on an allowed host, upgraded to https; None for any other."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if parts.scheme not in ("", "http", "https") or (parts.hostname or "") not in hosts:
        return None
    return parts._replace(scheme="https").geturl()


@lru_cache(maxsize=4)
def _cleaner(hosts: tuple[str, ...]) -> nh3.Cleaner:
    def attribute_filter(element: str, attribute: str, value: str) -> str | None:
        if element == "iframe" and attribute == "src":
            return embed_src(value, hosts)
        return value

    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=attribute_filter,
        strip_comments=True,
        # `rel` is kept as written (footnotes carry rel="footnote"), so nh3 must not set it.
        link_rel=None,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}},
        filter_style_properties=set(ALLOWED_STYLE_PROPERTIES),
    )


# Where markdown shows HTML as text, not as elements: fenced and indented code, code spans.
CODE_RE = re.compile(r"^(```|~~~).*?^\1[^\n]*$|^(?: {4}|\t).*$|`[^`\n]+`", re.M | re.S)
ACTIVE_ELEMENT_RE = re.compile(r"<(iframe|script|object|embed|form|style|applet)\b([^>]*)>", re.I)
IFRAME_SRC_RE = re.compile(r"""\bsrc\s*=\s*["']?([^"'\s>]+)""", re.I)


def removed_elements(text: str, markdown: bool = True) -> list[str]:
    """What the sanitiser will take out of this markdown or HTML, said for the import report:
    embeds from hosts not allowed (with the host, for EMBED_HOSTS), scripts, forms, objects.
    Readers would otherwise see a sentence announcing a video, then nothing."""
    if "<" not in (text or ""):
        return []
    hosts = embed_hosts()
    found: list[str] = []
    for match in ACTIVE_ELEMENT_RE.finditer(CODE_RE.sub("", text) if markdown else text):
        name = match.group(1).lower()
        if name == "iframe":
            src = IFRAME_SRC_RE.search(match.group(2))
            if src and embed_src(src.group(1), hosts):
                continue
            host = urlsplit(src.group(1)).hostname if src else None
            item = (
                _("an embed from %(host)s (allow it with EMBED_HOSTS)") % {"host": host}
                if host
                else _("an embed with no address")
            )
        else:
            item = f"<{name}>"
        if item not in found:
            found.append(item)
    return found


def sanitize_html(html_text: str) -> str:
    """Keep what posts legitimately contain; drop scripts, handlers, forms and unsafe URLs."""
    cleaned = _cleaner(embed_hosts()).clean(html_text or "")
    # An iframe whose address was refused has lost its src; it has nothing left to show.
    if "<iframe" in cleaned:
        cleaned = IFRAME_WITHOUT_SRC_RE.sub("", cleaned)
    return cleaned


# --- French micro-typography ---------------------------------------------------------------

NBSP = "\u00a0"
NNBSP = "\u202f"
TAG_RE = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>)""")
TAG_NAME_RE = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")
NO_TYPOGRAPHY_TAGS = frozenset({"code", "pre", "kbd", "samp", "var", "script", "style"})
# Text on either side of these does not touch: no context carried across them.
BOUNDARY_TAGS = frozenset(
    {
        "p", "br", "li", "ul", "ol", "dl", "dt", "dd", "div", "blockquote", "figure",
        "figcaption", "table", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "details", "summary", "img", "iframe",
    }
)  # fmt: skip
URL_IN_TEXT_RE = re.compile(r"((?:[a-zA-Z][a-zA-Z0-9+.-]*://|www\.|mailto:)[^\s<>]*)")
SPACES = "[ \u00a0\u202f]"
# What may follow the punctuation mark: it ends a clause (not `10:30`, `:-)`, `a?b`).
AFTER_MARK = r"(?=[\s)\]»”’.,:;!?]|$)"
AFTER_MARK_RE = re.compile(AFTER_MARK)
SPACED_MARK_RE = re.compile(rf"{SPACES}+([:;!?]){AFTER_MARK}")
ATTACHED_MARK_RE = re.compile(rf"(?<=[^\W_]|[)\]»”’…*])([:;!?]){AFTER_MARK}")
OPENING_GUILLEMET_RE = re.compile(rf"«{SPACES}*")
CLOSING_GUILLEMET_RE = re.compile(rf"{SPACES}*»")


def _space_for(mark: str) -> str:
    return NBSP if mark == ":" else NNBSP


def _typeset(text: str, before: str) -> str:
    """French spacing in one run of text; `before` is the character preceding it, if any."""
    text = SPACED_MARK_RE.sub(lambda m: _space_for(m[1]) + m[1], text)
    text = ATTACHED_MARK_RE.sub(lambda m: _space_for(m[1]) + m[1], text)
    if (
        text[:1] in (":", ";", "!", "?")
        and before
        and (before.isalnum() or before in ")]»”’…*")
        and AFTER_MARK_RE.match(text, 1)
    ):
        text = _space_for(text[0]) + text
    if "«" in text:
        text = OPENING_GUILLEMET_RE.sub("«" + NBSP, text)
    if "»" in text:
        text = CLOSING_GUILLEMET_RE.sub(NBSP + "»", text)
    return text


def apply_french_typography(html_text: str) -> str:
    """No-break spaces before `: ; ! ?` and inside « » in the text of well-formed HTML."""
    parts = TAG_RE.split(html_text)
    skip_depth = 0
    before = ""
    for index, part in enumerate(parts):
        if not part:
            continue
        if index % 2:  # a tag
            name_match = TAG_NAME_RE.match(part)
            name = name_match.group(1).lower() if name_match else ""
            if name in NO_TYPOGRAPHY_TAGS:
                skip_depth += -1 if part.startswith("</") else 1
            if name in BOUNDARY_TAGS:
                before = ""
            continue
        if skip_depth > 0:
            before = ""
            continue
        text = html.unescape(part)
        pieces = URL_IN_TEXT_RE.split(text)
        for position in range(0, len(pieces), 2):  # even positions are not URLs
            if pieces[position]:
                context = pieces[position - 1][-1:] if position else before
                pieces[position] = _typeset(pieces[position], context)
        text = "".join(pieces)
        parts[index] = html.escape(text, quote=False)
        before = text[-1:] or before
    return "".join(parts)


# --- Excerpts ------------------------------------------------------------------------------

JEKYLL_DEFAULT_SEPARATOR = "\n\n"
# Jekyll appends the post's link definitions to the excerpt so that its links still resolve.
LINK_DEFINITION_RE = re.compile(r"^ {0,3}\[([^\]]+)\]:.+$", re.MULTILINE)
HTML_BLOCK_TAG_RE = re.compile(
    r"<(/?)(div|figure|details|table|blockquote|section|aside|ul|ol|pre|video|audio|iframe)\b",
    re.IGNORECASE,
)


def _fenced_spans(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in FENCE_RE.finditer(text)]


def _html_blocks_balanced(head: str) -> bool:
    depth = 0
    for match in HTML_BLOCK_TAG_RE.finditer(head):
        depth += -1 if match.group(1) else 1
    return depth <= 0


def _find_separator(text: str, separator: str) -> int | None:
    """The first occurrence of the separator outside fenced code and open HTML blocks."""
    fences = _fenced_spans(text) if ("```" in text or "~~~" in text) else []
    position = text.find(separator)
    while position != -1:
        inside_fence = any(
            start <= position and position + len(separator) <= end for start, end in fences
        )
        if not inside_fence and text[:position].strip() and _html_blocks_balanced(text[:position]):
            return position
        position = text.find(separator, position + 1)
    return None


def _cut(text: str, separator: str) -> tuple[str, str | None, str, list[str]]:
    """Where the excerpt ends: (head, separator used or None, tail, link definitions carried)."""
    text = (text or "").replace("\r\n", "\n").strip("\n")
    position = None
    used = separator
    if separator and separator.strip():
        position = _find_separator(text, separator)
    if position is None:
        used = JEKYLL_DEFAULT_SEPARATOR
        position = _find_separator(text, used)
    if position is None:
        return text, None, "", []
    head, tail = text[:position], text[position + len(used) :]
    definitions = []
    if tail.strip():
        for match in LINK_DEFINITION_RE.finditer(tail):
            label = match.group(1)
            # A footnote definition comes along only when the excerpt calls it.
            if not label.startswith("^") or f"[{label}]" in head:
                definitions.append(match.group(0))
    return head, used, tail, definitions


def split_excerpt(text: str, separator: str) -> tuple[str, bool]:
    """The excerpt's markdown, and whether the post goes on after it.

    The excerpt ends at `separator` (`<!--more-->`), else at the end of the first paragraph
    (Jekyll's default separator). A separator inside fenced code or inside an unclosed HTML
    block does not count, so an excerpt never leaves a fence or a `<div>` open.
    """
    return _excerpt_of(_cut(text, separator))


def _excerpt_of(cut: tuple[str, str | None, str, list[str]]) -> tuple[str, bool]:
    head, used, tail, definitions = cut
    if used is None or not tail.strip():
        return head, False
    if definitions:
        head = head.rstrip("\n") + "\n\n" + "\n".join(definitions)
    return head, True


# A separator that Python-Markdown keeps in its output as it is: an HTML comment on one line.
COMMENT_SEPARATOR_RE = re.compile(r"<!--[^\n]*?-->")
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)  # fmt: skip


def _at_top_level(rendered: str) -> bool:
    """Whether every element opened in this HTML is closed, in order (what follows it then
    stands between top-level blocks)."""
    open_tags: list[str] = []
    for tag in TAG_RE.findall(rendered):
        name_match = TAG_NAME_RE.match(tag)
        if name_match is None:
            continue  # a comment or a declaration
        name = name_match.group(1).lower()
        if tag.startswith("</"):
            if not open_tags or open_tags.pop() != name:
                return False
        elif name not in VOID_TAGS and not tag.endswith("/>"):
            open_tags.append(name)
    return not open_tags


def _excerpt_in_body(
    rendered: str, md: markdown.Markdown, cut: tuple[str, str | None, str, list[str]]
) -> str | None:
    """The excerpt's HTML cut from the body's (before sanitising), when rendering the excerpt
    alone would give exactly that; None when it might not.

    It does when the excerpt ends at a comment separator that stands between top-level blocks
    and the body has nothing document-wide that the excerpt alone would see differently:
    link references, footnotes called in the excerpt, abbreviations, kramdown's `{:toc}` and
    block attribute lists (which may apply across the separator).
    """
    head, used, tail, definitions = cut
    if used is None or not COMMENT_SEPARATOR_RE.fullmatch(used):
        return None
    if used in head or used in tail or definitions or md.references:
        return None
    if "[^" in head or "{:" in head or "{:" in tail or "*[" in head or "*[" in tail:
        return None
    position = rendered.find(used)
    if position == -1 or rendered.find(used, position + 1) != -1:
        return None
    before = rendered[:position]
    if not _at_top_level(before):
        return None
    return before.strip()


def render_with_excerpt(
    text: str, separator: str, options: RenderOptions | None = None
) -> tuple[str, str, bool]:
    """A post's HTML, its excerpt's HTML and whether the post goes on after the excerpt.

    The same as `render_markdown(text)` and `render_markdown(split_excerpt(text)[0])`, in a
    single Markdown pass in the common cases (a `<!--more-->` between paragraphs, or a post
    that is all excerpt): the import renders thousands of posts, and this is most of its time.
    """
    options = options or RenderOptions()
    if not options.markdown:
        excerpt, more = split_excerpt(text or "", separator)
        return _finish(text or "", options), _finish(excerpt, options), more
    md, rendered = _convert(text, options)
    body_html = _finish(rendered, options)
    cut = _cut(text, separator)
    excerpt, more = _excerpt_of(cut)
    if excerpt == (text or ""):
        return body_html, body_html, more
    excerpt_rendered = _excerpt_in_body(rendered, md, cut)
    if excerpt_rendered is None:
        return body_html, render_markdown(excerpt, options), more
    return body_html, _finish(excerpt_rendered, options), more
