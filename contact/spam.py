"""Spam defences without third-party services: time token, rate limit, content heuristics."""

from __future__ import annotations

import ipaddress
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

TOKEN_SALT = "contact.form.token"

# Words that almost only appear in unsolicited messages; a match files the message as spam
# (still readable in the admin), it never rejects it. CONTACT_SPAM_WORDS replaces the list.
SPAM_WORDS = (
    "viagra",
    "cialis",
    "casino",
    "porn",
    "escort",
    "forex",
    "crypto investment",
    "bitcoin investment",
    "backlinks",
    "seo services",
    "guest post",
    "payday loan",
    "rank your website",
    "first page of google",
    "référencement garanti",
)
# A reader may paste a link or two; a wall of links is how link spam looks.
MAX_LINKS = 3
# Each link counts once: `https://www.…`, an `<a href="http…">` or a `[url=http…]` is one link.
LINK_RE = re.compile(
    r"<a\s[^>]*>|\[url=[^\]]*\]|\[url\][^\[]*|https?://[^\s,<>\"'\]]+"
    r"|(?<![\w./])www\.[^\s,<>\"'\]]+",
    re.IGNORECASE,
)


# Token -----------------------------------------------------------------------------------


class TokenError(Exception):
    """The form's time token is missing, forged, too fresh or too old."""

    def __init__(self, message: str, *, refresh: bool, ripe: bool = False) -> None:
        super().__init__(message)
        self.message = message
        # Whether the reader needs a new token to send again (a merely early one still ripens),
        # and whether it may be sent at once (the old one was genuine, only too old).
        self.refresh = refresh
        self.ripe = ripe


class _RipeSigner(signing.TimestampSigner):
    def timestamp(self):
        return signing.b62_encode(int(time.time() - settings.CONTACT_MIN_SECONDS))


def make_token(ripe: bool = False) -> str:
    """A signed token carrying the time the form was shown. A ripe one may be sent at once:
    for a reader whose form was opened too long ago, who has long typed her text."""
    signer = _RipeSigner if ripe else signing.TimestampSigner
    return signer(salt=TOKEN_SALT).sign("contact")


def check_token(token: str, now: float | None = None) -> None:
    """Raise TokenError unless the form was shown long enough ago, and not too long ago."""
    signer = signing.TimestampSigner(salt=TOKEN_SALT)
    try:
        signer.unsign(token, max_age=settings.CONTACT_MAX_AGE_SECONDS)
    except signing.SignatureExpired as exc:
        raise TokenError(
            _("This form was opened too long ago. Your text is still here: please send it again."),
            refresh=True,
            ripe=True,
        ) from exc
    except signing.BadSignature as exc:
        raise TokenError(
            _("This form could not be checked. Your text is still here: please send it again."),
            refresh=True,
        ) from exc
    # The signature holds, so the timestamp it covers is genuine.
    issued = signing.b62_decode(token.rsplit(signer.sep, 2)[-2])
    now = time.time() if now is None else now
    if now - issued < settings.CONTACT_MIN_SECONDS:
        raise TokenError(
            _(
                "That was very fast: please check your message, wait a few seconds "
                "and send it again."
            ),
            refresh=False,
        )


# Rate limit ------------------------------------------------------------------------------

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(value: str) -> Rate | None:
    """`5/h` → 5 per hour, `10/30m` → 10 per 30 minutes; `0` or empty → no limit."""
    value = (value or "").strip().lower()
    if value in ("", "0", "off", "none"):
        return None
    match = re.fullmatch(r"(\d+)\s*/\s*(\d*)\s*([smhd])", value)
    if not match:
        raise ValueError(f"CONTACT_RATE_LIMIT must look like '5/h' or '0', not {value!r}")
    count, multiple, unit = match.groups()
    if int(count) == 0:
        return None
    return Rate(int(count), int(multiple or 1) * UNITS[unit])


def client_address(request: HttpRequest) -> str:
    """The address the rate limit counts against.

    Behind a reverse proxy every request comes from the proxy: with
    CONTACT_TRUST_X_FORWARDED_FOR on, the last X-Forwarded-For entry (the one our proxy
    appended) is used instead. Never turn it on without a proxy: the header is forgeable.
    IPv6 clients usually own a whole /64, so they are counted per /64.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "CONTACT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        address = forwarded or address
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def register_submission(address: str, now: float | None = None) -> int:
    """Count one message from this address; return the seconds it must wait (0: go ahead).

    A fixed window per address in the shared cache: `add` creates the counter only if absent
    and `incr` is atomic (Redis INCR), so several gunicorn workers count together.
    """
    rate = parse_rate(settings.CONTACT_RATE_LIMIT)
    if rate is None:
        return 0
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    key = f"contact:rate:{address}:{window}"
    cache.add(key, 0, timeout=rate.seconds + 60)
    try:
        count = cache.incr(key)
    except ValueError:
        # Evicted between add and incr: start the window again rather than fail the reader.
        cache.set(key, 1, timeout=rate.seconds + 60)
        count = 1
    if count <= rate.count:
        return 0
    return max(1, math.ceil((window + 1) * rate.seconds - now))


# Heuristics ------------------------------------------------------------------------------


def spam_reason(*, name: str, subject: str, message: str) -> str:
    """Why this message looks like spam, or "" when it does not (stored, so the author sees it)."""
    text = f"{name}\n{subject}\n{message}"
    if LINK_RE.search(name):
        return gettext("a link in the name")
    links = len(LINK_RE.findall(text))
    if links > MAX_LINKS:
        return ngettext("%(count)d link", "%(count)d links", links) % {"count": links}
    words = getattr(settings, "CONTACT_SPAM_WORDS", None) or SPAM_WORDS
    lowered = text.lower()
    for word in words:
        if re.search(rf"(?<!\w){re.escape(word.lower())}(?!\w)", lowered):
            return gettext("the word “%(word)s”") % {"word": word}
    return ""
