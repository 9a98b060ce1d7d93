"""Markdown to safe HTML, as Jekyll's kramdown rendered it (first cut)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import markdown
import nh3


@dataclass(frozen=True)
class RenderOptions:
    hard_wrap: bool = False
    french_typography: bool = True


def render_markdown(text: str, options: RenderOptions | None = None) -> str:
    options = options or RenderOptions()
    extensions = ["extra", "sane_lists"]
    if options.hard_wrap:
        extensions.append("nl2br")
    html = markdown.markdown(text or "", extensions=extensions)
    return sanitize_html(html)


def sanitize_html(html: str) -> str:
    return nh3.clean(html)


def split_excerpt(text: str, separator: str) -> tuple[str, bool]:
    """The excerpt's markdown, and whether the post goes on after it."""
    text = text or ""
    if separator and separator in text:
        head, _sep, tail = text.partition(separator)
        return head, bool(tail.strip())
    paragraphs = re.split(r"\n\s*\n", text.strip(), maxsplit=1)
    return paragraphs[0], len(paragraphs) > 1 and bool(paragraphs[1].strip())
