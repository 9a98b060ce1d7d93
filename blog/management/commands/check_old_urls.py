"""`manage.py check_old_urls LIST`: what the new site answers at each address the old one served.

LIST is a file of paths or URLs, one a line, or the old site's sitemap.xml as it is. Each address
is requested from this site in-process (django.test.Client, redirects followed), so the check
needs no running server and no DNS switch. Run it before pointing the domain at the new site.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import CommandError
from django.http.request import validate_host
from django.test import Client
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from blog.management.translated import TranslatedCommand
from blog.models import OldURL


@dataclass
class Check:
    address: str
    status: int  # the first answer
    final_status: int
    final_path: str
    note: str = ""
    elsewhere: bool = False  # another page of the new site answers it, not its own

    @property
    def broken(self) -> bool:
        return self.final_status >= 400 or self.elsewhere


def read_addresses(path: Path) -> list[str]:
    """Old addresses from a sitemap (any `<loc>`) or from a plain list (blank lines and `#`
    comments ignored)."""
    text = path.read_text(encoding="utf-8-sig")
    if text.lstrip().startswith("<"):
        try:
            root = ElementTree.fromstring(text.encode())  # noqa: S314 (a file the author gives)
        except ElementTree.ParseError as error:
            raise CommandError(
                _("%(file)s is not valid XML: %(error)s") % {"file": path, "error": error}
            ) from error
        return [
            element.text.strip()
            for element in root.iter()
            if element.tag.rsplit("}", 1)[-1] == "loc" and element.text and element.text.strip()
        ]
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _host() -> tuple[str, bool]:
    """A host this site accepts, so that ALLOWED_HOSTS in production does not answer 400."""
    site = urlsplit(settings.SITE_URL)
    hosts = [site.netloc, *settings.ALLOWED_HOSTS, "localhost"]
    allowed = settings.ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
    for host in hosts:
        if host and not host.startswith((".", "*")) and validate_host(host.split(":")[0], allowed):
            return host, site.scheme == "https"
    return "localhost", site.scheme == "https"


def _media_status(path: str) -> int | None:
    """Media files are served by the web server in production, not by Django: look at storage."""
    media_url = settings.MEDIA_URL
    if not media_url.startswith("/") or not path.startswith(media_url):
        return None
    return 200 if default_storage.exists(unquote(path[len(media_url) :])) else 404


MAX_REDIRECTS = 10


def check_address(client: Client, address: str, secure: bool, host: str) -> Check:
    """Follow the redirects by hand: one that leaves this site ends the walk (it cannot be
    checked from here, and is no broken address of ours)."""
    split = urlsplit(address)
    path = (split.path or "/") + (f"?{split.query}" if split.query else "")
    first = None
    seen = {path}
    for _hop in range(MAX_REDIRECTS):
        response = client.get(path, secure=secure)
        first = first or response.status_code
        if response.status_code not in (301, 302, 303, 307, 308):
            status = response.status_code
            if status == 404:
                status = _media_status(urlsplit(path).path) or status
            return _landed(Check(address, first, status, path))
        location = urlsplit(response["Location"])
        if location.netloc and location.netloc not in (host, "testserver"):
            return Check(address, first, 200, response["Location"], _("leaves this site"))
        path = (location.path or "/") + (f"?{location.query}" if location.query else "")
        if path in seen:
            break
        seen.add(path)
    return Check(address, first or 301, 508, path, _("redirect loop"))


def _landed(check: Check) -> Check:
    """An imported address answered by another page of the new site (a post once at
    /contact/, now the contact form's address) lands where its post is not."""
    start = urlsplit(check.address).path or "/"
    # A post's or a page's: an address that led to a list or a feed (/feed.xml to the Atom
    # feed) is well answered by the new site's own page of the same kind.
    old = (
        OldURL.objects.filter(path=unicodedata.normalize("NFC", unquote(start)))
        .exclude(post=None, page=None)
        .first()
    )
    destination = old.destination() if old else None
    if destination and urlsplit(destination).path != urlsplit(check.final_path).path:
        check.elsewhere = True
        check.note = _("another page of the new site answers it; it should lead to %(url)s") % {
            "url": destination
        }
    return check


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Check every old address in LIST (one path or URL a line, or a sitemap.xml) against "
        "this site, following redirects; exits non-zero when any is broken."
    )

    def add_arguments(self, parser):
        parser.add_argument("list", metavar="LIST", type=Path)

    def handle(self, *args, list: Path, verbosity: int, **options):  # noqa: A002
        if not list.is_file():
            raise CommandError(_("%(file)s: no such file") % {"file": list})
        addresses = read_addresses(list)
        host, secure = _host()
        client = Client(HTTP_HOST=host, raise_request_exception=False)
        broken = 0
        # Each 404 would also be logged by django.request; the report below already says it.
        request_logger = logging.getLogger("django.request")
        level = request_logger.level
        request_logger.setLevel(logging.ERROR)
        try:
            checks = [check_address(client, address, secure, host) for address in addresses]
        finally:
            request_logger.setLevel(level)
        for address, check in zip(addresses, checks, strict=True):
            broken += check.broken
            line = (
                _("%(status)d %(address)s → %(final)s (%(final_status)d)")
                if check.final_path != (urlsplit(address).path or "/")
                or check.final_status != check.status
                else _("%(status)d %(address)s")
            ) % {
                "status": check.status,
                "address": address,
                "final": check.final_path,
                "final_status": check.final_status,
            }
            if check.note:
                line += f" — {check.note}"
            if check.broken:
                self.stdout.write(self.style.ERROR(_("[broken] %(line)s") % {"line": line}))
            elif verbosity > 0:
                self.stdout.write(line)
        self.stdout.write(
            ngettext(
                "%(count)d address checked, %(broken)d broken.",
                "%(count)d addresses checked, %(broken)d broken.",
                len(addresses),
            )
            % {"count": len(addresses), "broken": broken}
        )
        if broken:
            raise CommandError(
                ngettext(
                    "%(broken)d old address is broken.",
                    "%(broken)d old addresses are broken.",
                    broken,
                )
                % {"broken": broken}
            )
