"""A Python-Markdown extension that reads GFM the way Jekyll's kramdown (GFM input) does.

Python-Markdown alone differs from kramdown on what Jekyll posts rely on; each class below closes
one gap, checked against Debian's kramdown by tests/test_kramdown_differential.py:

- fenced code (``` and ~~~, also inside lists and quotes), emitted as Jekyll's rouge wrapper;
- ATX headers need a space after the hashes (`#communs` is a hashtag, not a title);
- a list, a header or an attribute list may start right after a paragraph line;
- kramdown's block attribute lists (`{: .class #id}`) and `{::comment}` extensions;
- header ids as kramdown-parser-gfm computes them (`en-résumé-tldr`, then `-1`, `-2`…);
- footnote markup as kramdown writes it (`fnref:1`, `doc-noteref`, `reversefootnote`…);
- ~~strikethrough~~, and bare URLs turned into links as GitHub does (optional).
"""

from __future__ import annotations

import html
import re
import unicodedata
import xml.etree.ElementTree as etree
from typing import Any

from markdown import Markdown, util
from markdown.blockprocessors import (
    BlockProcessor,
    BlockQuoteProcessor,
    HashHeaderProcessor,
    HRProcessor,
    OListProcessor,
    UListProcessor,
)
from markdown.extensions import Extension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.inlinepatterns import (
    HTML_RE,
    HtmlInlineProcessor,
    SimpleTagInlineProcessor,
    SubstituteTagInlineProcessor,
)
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

# kramdown-parser-gfm: `^[ ]{0,3}(([~`]){3,})\s*?((\S+?)(?:\?\S*)?)?\s*?\n(.*?)^[ ]{0,3}\1\2*\s*?\n`
FENCE_RE = re.compile(
    r"^(?P<indent>[ ]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[^\s`?]+)?[^\n`]*\n"
    r"(?P<code>.*?)"
    r"^[ ]{0,3}(?P=fence)[`~]*[ \t]*(?:\n|\Z)",
    re.MULTILINE | re.DOTALL,
)
FENCE_START_RE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")
LANG_SAFE_RE = re.compile(r"[^\w+#.-]")

# kramdown: a paragraph ends where a list, an ATX header or a block attribute list starts.
INTERRUPT_RE = re.compile(
    r"^(?:[ ]{0,3}(?:[*+-]|\d+\.)(?:[ \t]|$)|#{1,6}[ \t]+\S|[ ]{0,3}\{:(?!:|/)[^\n]*\}[ \t]*$)"
)

# Block extensions: attribute lists `{: …}`, definitions `{:name: …}`, `{::comment}` blocks.
IAL_LINE_RE = re.compile(r"^[ ]{0,3}\{:(?!:|/)(?P<body>(?:\\\}|[^}\n])+)\}[ \t]*$")
ALD_LINE_RE = re.compile(r"^[ ]{0,3}\{:\w[\w-]*:(?:\\\}|[^}\n])+\}[ \t]*$")
EXT_LINE_RE = re.compile(r"^[ ]{0,3}\{:(?::\w+(?:\s[^}\n]*)?/?|/\w*)\}[ \t]*$")
COMMENT_EXT_RE = re.compile(
    r"^[ ]{0,3}\{::comment\}.*?\{:/(?:comment)?\}[ \t]*$", re.MULTILINE | re.DOTALL
)
IAL_MARKER = "\x02kramdown-ial:{}\x03"
IAL_MARKER_RE = re.compile(r"^\x02kramdown-ial:(\d+)\x03$")
IAL_ELEMENT = "kramdown-ial"
IAL_TOKEN_RE = re.compile(
    r"""(?P<key>\w[\w-]*)=(?P<q>["'])(?P<value>.*?)(?P=q)"""
    r"""|#(?P<id>[A-Za-z][\w:-]*)"""
    r"""|\.(?P<cls>[^\s.#}]+)"""
    r"""|(?P<ref>\w[\w-]*)"""
)

# kramdown-parser-gfm: NON_WORD_RE = /[^\p{Word}\- \t]/, then spaces and tabs become dashes.
WORD_CATEGORIES = ("L", "M", "Nd", "Pc")

# GitHub's extended autolinks: `www.` or a scheme, up to white space or `<`; trailing
# punctuation is left out, and a closing parenthesis only when it has no opening partner.
BARE_URL_RE = re.compile(r"(?<![\w/@.:-])(?:https?://|www\.)[^\s<>\x02\x03]+", re.IGNORECASE)
URL_TRAILING = "?!.,:*_~'\";"
NO_AUTOLINK_TAGS = frozenset({"a", "code", "pre", "kbd", "samp", "script", "style"})


def code_block_html(code: str, lang: str | None) -> str:
    """A code block as Jekyll's kramdown writes it: rouge's wrapper when a language is named."""
    escaped = html.escape(code, quote=False)
    if not lang:
        return f"<pre><code>{escaped}</code></pre>"
    lang = LANG_SAFE_RE.sub("", lang)
    return (
        f'<div class="language-{lang} highlighter-rouge"><div class="highlight">'
        f'<pre class="highlight"><code>{escaped}</code></pre></div></div>'
    )


def gfm_header_id(text: str) -> str:
    """kramdown-parser-gfm's id: lower case, word characters, dashes and spaces kept."""
    kept = (
        char
        for char in text.lower()
        if char in "- \t" or unicodedata.category(char).startswith(WORD_CATEGORIES)
    )
    return "".join(kept).replace(" ", "-").replace("\t", "-")


def parse_attribute_list(body: str) -> tuple[dict[str, str], list[str]]:
    """Attributes and references (`toc`, ALD names) of a kramdown attribute list body."""
    attrs: dict[str, str] = {}
    refs: list[str] = []
    classes: list[str] = []
    for match in IAL_TOKEN_RE.finditer(body):
        if match["key"]:
            attrs[match["key"]] = match["value"]
        elif match["id"]:
            attrs["id"] = match["id"]
        elif match["cls"]:
            classes.append(match["cls"])
        elif match["ref"]:
            refs.append(match["ref"])
    if classes:
        attrs["class"] = " ".join(classes)
    return attrs, refs


class FencedCodePreprocessor(Preprocessor):
    """Fences at the top level, before raw HTML is pulled out (HTML inside code stays code)."""

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if "```" not in text and "~~~" not in text:
            return lines
        text = FENCE_RE.sub(self._replace, text)
        return text.split("\n")

    def _replace(self, match: re.Match[str]) -> str:
        placeholder = self.md.htmlStash.store(code_block_html(match["code"], match["lang"]))
        # Blank lines around: in GFM a fence may interrupt a paragraph.
        return f"\n\n{placeholder}\n\n"


# Not a footnote (`[^1]: <abbr title="A B">`): its text is no address.
REFERENCE_IN_BRACKETS_RE = re.compile(
    r"^( {0,3}\[(?!\^)[^\]\n]+\]:[ \t]*)<([^>\n]*\s[^>\n]*)>", re.M
)


class ReferenceAddressPreprocessor(Preprocessor):
    """`[charte]: <https://exemple.fr/ma charte.pdf>`: kramdown takes an address with spaces
    between angle brackets; Python-Markdown wants none, and showed the definition as text."""

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if "]:" not in text:
            return lines
        return REFERENCE_IN_BRACKETS_RE.sub(
            lambda m: m.group(1) + "<" + re.sub(r"\s", "%20", m.group(2)) + ">", text
        ).split("\n")


FOOTNOTE_DEFINITION_RE = re.compile(r"^ {0,3}\[\^[^\]]+\]:")


class FootnoteEndPreprocessor(Preprocessor):
    """A footnote's text goes on only on indented lines in kramdown: `[^1]: La note.` then
    `Paragraphe suivant.` is a note and a paragraph of the post, where Python-Markdown would
    take the paragraph into the note, at the bottom of the page."""

    def run(self, lines: list[str]) -> list[str]:
        if not any(FOOTNOTE_DEFINITION_RE.match(line) for line in lines):
            return lines
        result: list[str] = []
        # Right under a definition's first line: an unindented line ends the note. Once an
        # indented line went on with it, kramdown takes an unindented one lazily.
        first_line = False
        for line in lines:
            if FOOTNOTE_DEFINITION_RE.match(line):
                first_line = True
            elif not line.strip() or line.startswith(("    ", "\t")):
                first_line = False
            elif first_line:
                result.append("")
                first_line = False
            result.append(line)
        return result


LIST_ITEM_RE = re.compile(
    r"^(?P<indent> *)(?P<marker>[*+-]|\d+\.)(?P<space>[ ]+)(?P<content>\S.*)$"
)
# kramdown: an attribute list or a block HTML tag never continues an item lazily.
NOT_LAZY_RE = re.compile(
    r"^ {0,3}(?:\{:|</?(?!(?:a|abbr|b|br|cite|code|del|em|i|img|ins|kbd|mark|q|s|samp|small|"
    r"span|strong|sub|sup|u|var)\b)[a-zA-Z])"
)
HR_LINE_RE = re.compile(r"^ {0,3}([-*_])[ \t]*\1[ \t]*\1(?:\1|[ \t])*$")


class ListIndentationPreprocessor(Preprocessor):
    """Re-indents list items from kramdown's model to Python-Markdown's.

    kramdown (like GFM) takes an item's content as what is indented to the column where its
    text starts (2 for `- `, 3 for `1. `), so `- a` then `  - b` nests. Python-Markdown wants
    four spaces per level. Each item's content is moved to its Python-Markdown column, keeping
    any extra indentation (code inside an item stays code). Fenced code is carried along whole.
    """

    def run(self, lines: list[str]) -> list[str]:
        if not any(LIST_ITEM_RE.match(line) for line in lines):
            return lines
        frames: list[tuple[int, int]] = []  # (kramdown content column, Python-Markdown column)
        loose: list[bool] = []  # per frame: its content went on after a blank line
        result: list[str] = []
        last_blank = True
        fence: tuple[str, tuple[int, int] | None] | None = None  # (closing fence, its frame)
        for line in lines:
            indent = len(line) - len(line.lstrip(" "))
            if fence is not None:
                closing, owner = fence
                result.append(self._move(line, indent, owner))
                if line.strip().startswith(closing) and not line.strip().strip(closing[0]):
                    fence = None
                continue
            if not line.strip():
                result.append("")
                last_blank = True
                continue
            item = None if HR_LINE_RE.match(line) else LIST_ITEM_RE.match(line)
            lazy = False
            ended_loose = False
            while frames and indent < frames[-1][0]:
                if not last_blank and item is None and not NOT_LAZY_RE.match(line):
                    lazy = True
                    break
                frames.pop()
                ended_loose = ended_loose or loose.pop()
            if ended_loose and not last_blank:
                # An item whose content went on after a blank line ends here, at the next
                # item: Python-Markdown would read this line as part of the item's last block
                # (`- a`, blank, `  more`, `- b` nested b in a). kramdown ends the item.
                result.append("")
                loose[:] = [True] * len(loose)  # the blank is in the items still open too
            if last_blank and frames and not lazy and indent >= frames[-1][0]:
                loose[:] = [True] * len(loose)
            container_k, container_p = frames[-1] if frames else (0, 0)
            relative = 0 if lazy else indent - container_k
            if (
                frames
                and not last_blank
                and item is None
                and 0 <= relative <= 3
                and (FENCE_START_RE.match(line.lstrip(" ")) or line.lstrip(" ").startswith(">"))
            ):
                # A fence or a quote right under an item's text (GFM lets them interrupt it):
                # Python-Markdown would read it as the text's continuation, `>` and all.
                result.append("")
                loose[:] = [True] * len(loose)
            if item is not None and relative <= 3:
                marker = item["marker"]
                frames.append((indent + len(marker) + len(item["space"]), container_p + 4))
                loose.append(False)
                result.append(f"{' ' * container_p}{marker} {item['content']}")
            elif frames:
                result.append(" " * (container_p + max(relative, 0)) + line.lstrip(" "))
            else:
                result.append(line)
            opening = FENCE_START_RE.match(line.lstrip(" ")) if relative <= 3 else None
            if opening:
                fence = (opening.group(1), frames[-1] if frames else None)
            last_blank = False
        return result

    @staticmethod
    def _move(line: str, indent: int, frame: tuple[int, int] | None) -> str:
        if frame is None or not line.strip():
            return line
        kramdown_column, python_markdown_column = frame
        return " " * (python_markdown_column + max(indent - kramdown_column, 0)) + line.lstrip(" ")


class FencedCodeBlockProcessor(BlockProcessor):
    """Fences nested in lists and quotes, which the preprocessor sees still indented."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return bool(FENCE_START_RE.match(block))

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        # A fence may contain blank lines, so it can span several blocks.
        for count in range(1, len(blocks) + 1):
            text = "\n\n".join(blocks[:count])
            match = FENCE_RE.match(text)
            if match:
                del blocks[:count]
                rest = text[match.end() :]
                if rest.strip():
                    blocks.insert(0, rest)
                placeholder = self.parser.md.htmlStash.store(
                    code_block_html(match["code"], match["lang"])
                )
                etree.SubElement(parent, "p").text = placeholder
                return True
        return False


class GfmHashHeaderProcessor(HashHeaderProcessor):
    """ATX headers as kramdown-parser-gfm reads them: `#` then at least one space or tab."""

    RE = re.compile(
        r"(?:^|\n)(?P<level>#{1,6})[ \t]+(?P<header>[^\n]*?\S)(?:[ \t]+#+)?[ \t]*(?:\n|$)"
    )


class KramdownListMixin:
    """Lists as kramdown builds them.

    kramdown wraps an item's text in `<p>` only when a blank line follows that item, where
    Python-Markdown also wraps the first item after a blank line; and a bulleted list does not
    continue a numbered one (Python-Markdown merges them).
    """

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        sibling = self.lastChild(parent)
        if sibling is None or sibling.tag not in self.SIBLING_TAGS:
            return super().run(parent, blocks)
        items = self.get_items(blocks.pop(0))
        last = sibling[-1]
        # The previous item was followed by a blank line: its text becomes a paragraph.
        if last.text:
            paragraph = etree.Element("p")
            paragraph.text, last.text = last.text, ""
            last.insert(0, paragraph)
        last_child = self.lastChild(last)
        if last_child is not None and last_child.tail:
            etree.SubElement(last, "p").text = last_child.tail.lstrip()
            last_child.tail = ""
        self.parser.state.set("list")
        for item in items:
            if item.startswith(" " * self.tab_length):
                self.parser.parseBlocks(sibling[-1], [item])
            else:
                self.parser.parseBlocks(etree.SubElement(sibling, "li"), [item])
        self.parser.state.reset()
        return None


class ListParagraphTreeprocessor(Treeprocessor):
    """kramdown's last rule on list paragraphs: the last item of a list whose other items all
    have paragraphs gets one too, blank line after it or not."""

    def run(self, root: etree.Element) -> None:
        for lst in root.iter():
            if lst.tag not in ("ul", "ol") or len(lst) < 2:
                continue
            *others, last = list(lst)
            if last.tag != "li" or not (last.text or "").strip():
                continue
            if all(
                len(item) and item[0].tag == "p" and not (item.text or "").strip()
                for item in others
            ):
                paragraph = etree.Element("p")
                paragraph.text, last.text = last.text, None
                last.insert(0, paragraph)


class KramdownOListProcessor(KramdownListMixin, OListProcessor):
    SIBLING_TAGS = ["ol"]


class KramdownUListProcessor(KramdownListMixin, UListProcessor):
    SIBLING_TAGS = ["ul"]


class KramdownBlockQuoteProcessor(BlockQuoteProcessor):
    """A blank line ends a quote in kramdown; Python-Markdown would merge the next one in."""

    def lastChild(self, parent: etree.Element) -> None:
        return None


class KramdownHRProcessor(HRProcessor):
    """A rule cannot interrupt a paragraph in kramdown: `line\nline\n---` is text (and a dash)."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return super().test(parent, block) and self.match.start() == 0


class ParagraphInterruptProcessor(BlockProcessor):
    """Ends a paragraph where GFM lets a list, a header or an attribute list begin."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return self._split_at(block) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        block = blocks.pop(0)
        index = self._split_at(block)
        lines = block.split("\n")
        self.parser.parseBlocks(parent, ["\n".join(lines[:index])])
        blocks.insert(0, "\n".join(lines[index:]))

    @staticmethod
    def _split_at(block: str) -> int | None:
        if "\n" not in block:
            return None
        for index, line in enumerate(block.split("\n")[1:], start=1):
            if INTERRUPT_RE.match(line):
                return index
        return None


class BlockExtensionPreprocessor(Preprocessor):
    """Turns kramdown's block attribute lists into markers; drops ALDs and comments.

    Like kramdown, a list right after a block (no blank line) applies to that block, otherwise
    to the next one. The marker becomes an element that `AttributeListTreeprocessor` resolves.
    """

    def __init__(self, md: Markdown, extension: KramdownExtension):
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        if not any("{:" in line for line in lines):
            return lines
        text = "\n".join(lines)
        if "{::comment}" in text:
            text = COMMENT_EXT_RE.sub("", text)
            lines = text.split("\n")
        result: list[str] = []
        previous_blank = True
        for line in lines:
            if ALD_LINE_RE.match(line) or EXT_LINE_RE.match(line):
                continue
            match = IAL_LINE_RE.match(line)
            if match:
                attrs, refs = parse_attribute_list(match["body"])
                direction = "next" if previous_blank else "previous"
                self.extension.attribute_lists.append((direction, attrs, refs))
                marker = IAL_MARKER.format(len(self.extension.attribute_lists) - 1)
                result.extend(["", marker, ""])
                continue
            result.append(line)
            previous_blank = not line.strip()
        return result


class AttributeListBlockProcessor(BlockProcessor):
    """Keeps an attribute list marker in the tree, where its neighbours are known."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return bool(IAL_MARKER_RE.match(block.strip()))

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        index = IAL_MARKER_RE.match(blocks.pop(0).strip()).group(1)
        etree.SubElement(parent, IAL_ELEMENT, {"index": index})


class AttributeListTreeprocessor(Treeprocessor):
    """Applies each block attribute list to its neighbour, then removes the marker."""

    def __init__(self, md: Markdown, extension: KramdownExtension):
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        if not self.extension.attribute_lists:
            return
        for parent in list(root.iter()):
            children = list(parent)
            for position, child in enumerate(children):
                if child.tag != IAL_ELEMENT:
                    continue
                direction, attrs, refs = self.extension.attribute_lists[int(child.get("index"))]
                if direction == "previous":
                    targets = reversed(children[:position])
                else:
                    targets = iter(children[position + 1 :])
                target = next((el for el in targets if el.tag != IAL_ELEMENT), None)
                if target is not None:
                    self._apply(target, attrs, refs)
                parent.remove(child)

    @staticmethod
    def _apply(target: etree.Element, attrs: dict[str, str], refs: list[str]) -> None:
        for key, value in attrs.items():
            if key == "class" and target.get("class"):
                value = f"{target.get('class')} {value}"
            target.set(key, value)
        if "toc" in refs and target.tag in ("ul", "ol"):
            target.set(TOC_FLAG, "1")


class AttributeListLeftoverPostprocessor(Postprocessor):
    """Removes markers that ended up inside raw HTML (an unclosed `<div>` swallows the rest)."""

    def run(self, text: str) -> str:
        return IAL_LEFTOVER_RE.sub("", text) if "\x02kramdown-ial:" in text else text


IAL_LEFTOVER_RE = re.compile(r"\x02kramdown-ial:\d+\x03")
TOC_FLAG = "data-kramdown-toc"
TAG_RE = re.compile(r"<[^>]*>")


class HeaderIdTreeprocessor(Treeprocessor):
    """Header ids from the rendered text, as kramdown-parser-gfm does; fills `{:toc}` lists."""

    def __init__(self, md: Markdown, auto_ids: bool):
        super().__init__(md)
        self.auto_ids = auto_ids

    def run(self, root: etree.Element) -> None:
        counters: dict[str, int] = {}
        headers: list[tuple[int, str, str]] = []
        for element in root.iter():
            if element.tag not in ("h1", "h2", "h3", "h4", "h5", "h6"):
                continue
            text = self._plain_text(element)
            if self.auto_ids and not element.get("id"):
                base = gfm_header_id(text)
                counters[base] = counters.get(base, -1) + 1
                count = counters[base]
                element.set("id", f"{base}-{count}" if count else base)
            if element.get("id"):
                headers.append((int(element.tag[1]), element.get("id"), text))
        for toc in [el for el in root.iter() if el.get(TOC_FLAG)]:
            self._fill_toc(toc, headers)

    def _plain_text(self, element: etree.Element) -> str:
        """The header's text with stashed HTML (smart quotes, entities, tags) resolved."""
        stash = self.md.htmlStash.rawHtmlBlocks

        def resolve(match: re.Match[str]) -> str:
            raw = stash[int(match.group(1))]
            return html.unescape(TAG_RE.sub("", str(raw)))

        text = "".join(element.itertext())
        return util.HTML_PLACEHOLDER_RE.sub(resolve, text).strip()

    @staticmethod
    def _fill_toc(toc: etree.Element, headers: list[tuple[int, str, str]]) -> None:
        """kramdown's table of contents: nested lists of links, `id="markdown-toc"`."""
        tail = toc.tail
        toc.clear()
        toc.tag = "ul"
        toc.set("id", "markdown-toc")
        toc.tail = tail
        # (header level, where its sub-entries go: its item, then the list nested in it)
        stack: list[tuple[int, etree.Element]] = [(0, toc)]
        for level, header_id, text in headers:
            while len(stack) > 1 and level <= stack[-1][0]:
                stack.pop()
            parent = stack[-1][1]
            if parent.tag == "li":
                # The first sub-entry of an item opens its nested list.
                nested = etree.SubElement(parent, "ul")
                stack[-1] = (stack[-1][0], nested)
                parent = nested
            item = etree.SubElement(parent, "li")
            link = etree.SubElement(item, "a", {"href": f"#{header_id}"})
            link.set("id", f"markdown-toc-{header_id}")
            link.text = util.AtomicString(text)
            stack.append((level, item))


class FootnoteMarkupTreeprocessor(Treeprocessor):
    """Rewrites Python-Markdown's footnote markup into kramdown's, unreferenced notes dropped."""

    def __init__(self, md: Markdown, hard_wrap: bool):
        super().__init__(md)
        self.hard_wrap = hard_wrap

    def run(self, root: etree.Element) -> None:
        footnotes = next(
            (ext for ext in self.md.registeredExtensions if isinstance(ext, FootnoteExtension)),
            None,
        )
        for sup in root.iter("sup"):
            link = sup.find("a")
            if link is not None and link.get("class") == "footnote-ref":
                sup.set("role", "doc-noteref")
                href = link.get("href")
                link.attrib.clear()
                link.attrib.update({"href": href, "class": "footnote", "rel": "footnote"})
        for parent in list(root.iter()):
            for div in list(parent):
                if div.tag == "div" and div.get("class") == "footnote":
                    self._rewrite_div(parent, div, footnotes)
                    if self.hard_wrap:
                        self._remove_line_breaks(div)

    @staticmethod
    def _remove_line_breaks(div: etree.Element) -> None:
        """kramdown applies `hard_wrap` outside footnotes only, and then has no `  ` breaks."""
        for parent in list(div.iter()):
            for br in [child for child in parent if child.tag == "br"]:
                index = list(parent).index(br)
                tail = "\n" + (br.tail or "")
                if index:
                    previous = parent[index - 1]
                    previous.tail = (previous.tail or "") + tail
                else:
                    parent.text = (parent.text or "") + tail
                parent.remove(br)

    @staticmethod
    def _rewrite_div(parent: etree.Element, div: etree.Element, footnotes: Any) -> None:
        div.set("class", "footnotes")
        div.set("role", "doc-endnotes")
        for hr in div.findall("hr"):
            div.remove(hr)
        ol = div.find("ol")
        # Reference order, as kramdown numbers them; a note never cited is not shown.
        order = footnotes.footnote_order if footnotes is not None else []
        items = sorted(
            (li for li in ol if _note_name(li) in order), key=lambda li: order.index(_note_name(li))
        )
        for li in list(ol):
            ol.remove(li)
        for li in items:
            ol.append(li)
            li.set("role", "doc-endnote")
            for backref in li.iter("a"):
                if backref.get("class") == "footnote-backref":
                    href = backref.get("href")
                    backref.attrib.clear()
                    backref.attrib.update(
                        {"href": href, "class": "reversefootnote", "role": "doc-backlink"}
                    )
            for node in li.iter():
                if node.text and FOOTNOTE_NBSP in node.text:
                    node.text = node.text.replace(FOOTNOTE_NBSP, " ")
        if len(ol) == 0:
            parent.remove(div)


def _note_name(li: etree.Element) -> str:
    return li.get("id", "").partition(":")[2]


# Python-Markdown puts a no-break space before the back link; kramdown a plain one.
FOOTNOTE_NBSP = util.STX + "qq3936677670287331zz" + util.ETX


class BareUrlTreeprocessor(Treeprocessor):
    """Links bare `https://…` and `www.…` addresses, as GitHub does and kramdown does not."""

    def run(self, root: etree.Element) -> None:
        self._walk(root)

    def _walk(self, element: etree.Element) -> None:
        if element.tag in NO_AUTOLINK_TAGS:
            return
        if element.text and not isinstance(element.text, util.AtomicString):
            pieces = self._split(element.text)
            if pieces:
                element.text = pieces[0]
                for offset, link in enumerate(pieces[1:]):
                    element.insert(offset, link)
        for child in list(element):
            self._walk(child)
            if child.tail and not isinstance(child.tail, util.AtomicString):
                pieces = self._split(child.tail)
                if pieces:
                    child.tail = pieces[0]
                    position = list(element).index(child) + 1
                    for offset, link in enumerate(pieces[1:]):
                        element.insert(position + offset, link)

    @staticmethod
    def _split(text: str) -> list[Any] | None:
        """Text before the first URL, then `a` elements whose tails carry the text between."""
        if "www." not in text and "://" not in text:
            return None
        head: str | None = None
        links: list[etree.Element] = []
        position = 0
        for match in BARE_URL_RE.finditer(text):
            url = match.group(0)
            url = url.rstrip(URL_TRAILING)
            while url.endswith(")") and url.count(")") > url.count("("):
                url = url[:-1].rstrip(URL_TRAILING)
            if "." not in url.partition("://")[2] and not url.lower().startswith("www."):
                continue
            start, end = match.start(), match.start() + len(url)
            before = text[position:start]
            if links:
                links[-1].tail = before
            else:
                head = before
            href = url if "://" in url else f"http://{url}"
            link = etree.Element("a", {"href": href})
            link.text = util.AtomicString(url)
            links.append(link)
            position = end
        if not links:
            return None
        links[-1].tail = text[position:]
        return [head or "", *links]


# kramdown's smart quotes (from RubyPants) and typographic symbols, ported rule for rule. Its
# regular expressions are ASCII-minded (`\w`, `\s`, `\b`), hence re.ASCII.
SQ_PUNCT = r"""[!"#$%'()*+,\-./:;<=>?@\[\\\]^_`{|}~]"""
SQ_CLOSE = r"[^ \\\t\r\n\[{(\-]"
SQ_RULES = [
    (re.compile(r"""("|')(?=[_*]{1,2}\S)""", re.A | re.M), ("lquote1",)),
    (re.compile(rf"""("|')(?={SQ_PUNCT}(?!\.\.)\B)""", re.A | re.M), ("rquote1",)),
    (re.compile(r"""(\s?)"'(?=\w)""", re.A | re.M), (1, "“", "‘")),
    (re.compile(r"""(\s?)'"(?=\w)""", re.A | re.M), (1, "‘", "“")),
    (re.compile(r"""(\s?)'(?=\d\ds)""", re.A | re.M), (1, "’")),
    (re.compile(r"""(\s)('|")(?=\w)""", re.A | re.M), (1, "lquote2")),
    (re.compile(rf"""({SQ_CLOSE})('|")""", re.A | re.M), (1, "rquote2")),
    (re.compile(r"""("|')(?=\s|s\b|$)""", re.A | re.M), ("rquote1",)),
    (re.compile(r"""(.?)'""", re.A | re.S), (1, "‘")),
    (re.compile(r"""(.?)\"""", re.A | re.S), (1, "“")),
]
QUOTE_CHARS = {
    ("lquote", '"'): "“",
    ("lquote", "'"): "‘",
    ("rquote", '"'): "”",
    ("rquote", "'"): "’",
}
TYPOGRAPHIC_SYMBOLS = {
    "---": "—",
    "--": "–",
    "...": "…",
    "<< ": "«\u00a0",
    " >>": "\u00a0»",
    "<<": "«",
    ">>": "»",
}
TYPOGRAPHY_RE = re.compile(r"""(?P<quote>[^\\]?["'])|(?P<symbol>---|--|\.\.\.|<< | >>|<<|>>)""")
NO_SMART_QUOTES_TAGS = frozenset({"code", "pre", "kbd", "samp", "script", "style"})
# How the markdown of an element begins, for the quote rules that look ahead (`"*foo*"`).
SOURCE_OPENERS = {"em": "*", "strong": "**", "a": "[", "img": "![", "code": "`", "del": "~~"}


def educate(text: str, following: str = "") -> str:
    """kramdown's smart quotes and typographic symbols in one run of text.

    `following` stands for the markdown source right after the run (an element's opening),
    which kramdown's look-ahead rules see and a tree of elements has lost.
    """
    if not any(mark in text for mark in ('"', "'", "--", "...", "<<", ">>")):
        return text
    source = text + following
    out: list[str] = []
    position = 0
    while True:
        match = TYPOGRAPHY_RE.search(source, position)
        if match is None or match.start() >= len(text):
            break
        out.append(source[position : match.start()])
        if match["symbol"]:
            out.append(TYPOGRAPHIC_SYMBOLS[match["symbol"]])
            position = match.end()
            continue
        for rule, rule_substitutions in SQ_RULES:
            found = rule.match(source, match.start())
            if found:
                substitutions = rule_substitutions
                break
        for item in substitutions:
            if isinstance(item, int):
                out.append(found.group(item))
            elif item[-1].isdigit():
                quote = found.group(int(item[-1]))
                out.append(QUOTE_CHARS[(item[:-1], quote)])
            else:
                out.append(item)
        position = found.end()
    out.append(text[position:])
    return "".join(out)


def _opener(element: etree.Element) -> str:
    first = next((piece for piece in element.itertext() if piece), "")[:1] or "x"
    return SOURCE_OPENERS.get(element.tag, "<") + first


class TypographyTreeprocessor(Treeprocessor):
    """Applies `educate` to the text of the tree, outside code and raw HTML."""

    def run(self, root: etree.Element) -> None:
        self._walk(root)

    def _walk(self, element: etree.Element) -> None:
        if element.tag in NO_SMART_QUOTES_TAGS:
            return
        children = list(element)
        if element.text and not isinstance(element.text, util.AtomicString):
            element.text = educate(element.text, _opener(children[0]) if children else "")
        for index, child in enumerate(children):
            self._walk(child)
            if child.tail and not isinstance(child.tail, util.AtomicString):
                following = _opener(children[index + 1]) if index + 1 < len(children) else ""
                child.tail = educate(child.tail, following)


class KramdownExtension(Extension):
    """Registers the processors above; `autolink` turns GitHub's bare-URL links on."""

    def __init__(self, **kwargs: Any):
        self.config = {
            "autolink": [True, "Link bare http(s):// and www. addresses"],
            "auto_ids": [True, "Give headers kramdown's GFM ids"],
            "hard_wrap": [False, "Line breaks are kept (footnotes excepted, as in kramdown)"],
        }
        super().__init__(**kwargs)
        self.attribute_lists: list[tuple[str, dict[str, str], list[str]]] = []

    def extendMarkdown(self, md: Markdown) -> None:
        md.registerExtension(self)
        # Before raw HTML extraction (20) so HTML inside a fence stays code; after whitespace (30).
        md.preprocessors.register(ListIndentationPreprocessor(md), "kramdown_lists", 26)
        md.preprocessors.register(FencedCodePreprocessor(md), "gfm_fence", 25)
        # After the fences are stashed: a `[^1]:` line shown in code is no note.
        md.preprocessors.register(FootnoteEndPreprocessor(md), "kramdown_footnote_end", 24.5)
        md.preprocessors.register(ReferenceAddressPreprocessor(md), "kramdown_ref_spaces", 24.4)
        md.preprocessors.register(BlockExtensionPreprocessor(md, self), "kramdown_ial", 24)
        parser = md.parser
        parser.blockprocessors.register(AttributeListBlockProcessor(parser), "kramdown_ial", 110)
        parser.blockprocessors.register(FencedCodeBlockProcessor(parser), "gfm_fence", 86)
        parser.blockprocessors.deregister("hashheader")
        parser.blockprocessors.register(GfmHashHeaderProcessor(parser), "hashheader", 70)
        parser.blockprocessors.register(ParagraphInterruptProcessor(parser), "gfm_interrupt", 12)
        parser.blockprocessors.register(KramdownOListProcessor(parser), "olist", 40)
        parser.blockprocessors.register(KramdownBlockQuoteProcessor(parser), "quote", 20)
        parser.blockprocessors.register(KramdownHRProcessor(parser), "hr", 50)
        parser.blockprocessors.register(KramdownUListProcessor(parser), "ulist", 30)
        # `<<word>>` is a pair of guillemets, not a tag (as in the smarty extension).
        md.inlinePatterns.register(HtmlInlineProcessor(HTML_RE + r"(?!\>)", md), "html", 90)
        md.inlinePatterns.register(
            SimpleTagInlineProcessor(r"(~~)(?!\s|~)((?s:.*?)[^\s~])~~", "del"), "gfm_del", 65
        )
        if not self.getConfig("hard_wrap"):
            # GFM's other hard break: a backslash at the end of the line.
            md.inlinePatterns.register(
                SubstituteTagInlineProcessor(r"\\\n", "br"), "gfm_backslash_break", 185
            )
        md.treeprocessors.register(AttributeListTreeprocessor(md, self), "kramdown_ial", 30)
        md.postprocessors.register(AttributeListLeftoverPostprocessor(md), "kramdown_ial", 5)
        md.treeprocessors.register(
            FootnoteMarkupTreeprocessor(md, self.getConfig("hard_wrap")), "kramdown_footnotes", 14
        )
        md.treeprocessors.register(ListParagraphTreeprocessor(md), "kramdown_lists", 29)
        md.treeprocessors.register(TypographyTreeprocessor(md), "kramdown_typography", 6)
        # GFM's escapable characters, quotes included, so that `\"` stays a straight quote.
        md.ESCAPED_CHARS.extend(ch for ch in "\"'<:|$=~" if ch not in md.ESCAPED_CHARS)
        if self.getConfig("autolink"):
            md.treeprocessors.register(BareUrlTreeprocessor(md), "gfm_autolink", 7)
        md.treeprocessors.register(
            HeaderIdTreeprocessor(md, self.getConfig("auto_ids")), "gfm_header_ids", 4
        )

    def reset(self) -> None:
        self.attribute_lists = []
