"""Reader text made safe to store and to put in e-mail headers: one line, no control codes."""

from __future__ import annotations

import re
import unicodedata

# Every control character, line and paragraph separators included: none belongs in a name or
# a subject, and CR/LF in a header is how header injection starts.
_NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# In a message, line breaks and tabs are the reader's layout; other control codes are noise.
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def one_line(value: str, max_length: int | None = None) -> str:
    """A single line: control characters become spaces, spaces collapse, length is capped."""
    text = " ".join(_NOT_ONE_LINE.sub(" ", unicodedata.normalize("NFC", value)).split())
    if max_length is not None and len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


def plain_text(value: str) -> str:
    """A message body: line breaks normalised to \\n, other control characters dropped."""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    return _CONTROL_IN_TEXT.sub("", text).strip()
