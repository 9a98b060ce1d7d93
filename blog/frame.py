"""The site's frame around every page: head links, header and menu, footer.

The frame depends on the site identity and the menu, never on the request, so it is rendered
when either changes and stored with the identity (`SiteIdentity.frame`), as a post's markdown
is stored in `body_html` and its entry in lists in `summary_html` (blog.summaries). Rendered
on every request, it cost 0.7 ms of every page, over a quarter of the home page's time. A
request only marks the menu link of the page being read (`mark_current`).

`SiteIdentity.frame_key` names what the frame was rendered with (templates, catalogue,
addresses, stylesheet's hashed name, settings); `SiteIdentity.current()` renders and stores it
again when that changes, after a deploy.
"""

from __future__ import annotations

import functools
import sys
from copy import copy
from typing import TYPE_CHECKING

from django.conf import settings
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.html import escape

from blog.summaries import fingerprint
from blog.templatetags import blog_tags

if TYPE_CHECKING:
    from blog.models import SiteIdentity

PARTS = {
    "head": "includes/site_head.html",
    "header": "includes/site_header.html",
    "footer": "includes/site_footer.html",
}
STATIC_FILES = ("css/site.css", "favicon.svg")
NAV_URLS = ("blog:home", "blog:archives", "blog:categories", "blog:tags", "blog:search")


def _addresses() -> list[str]:
    urls = [reverse(name) for name in (*NAV_URLS, "blog:feed", "blog:atom")]
    urls.append(reverse("blog:page", kwargs={"slug": "p"}))
    try:
        urls.append(reverse("contact:form"))
    except NoReverseMatch:
        urls.append("no contact form")
    for name in STATIC_FILES:
        try:
            urls.append(static(name))
        except ValueError:
            # No manifest yet (`migrate` before `collectstatic`): no frame can be rendered,
            # and a process started once it is there has another key.
            urls.append(f"{name} not collected")
    return urls


@functools.cache
def current_key() -> str:
    """A fingerprint of everything the frame depends on besides the identity and the menu.

    Computed once a process (BlogConfig.ready), as `summaries.current_key`.
    """
    with translation.override(settings.LANGUAGE_CODE):
        addresses = _addresses()
    defaults = (settings.SITE_TITLE, settings.SITE_DESCRIPTION, settings.SITE_AUTHOR)
    parts = [*addresses, *defaults]
    from blog.models import SiteIdentity

    # The Python the frame runs: its tags and filters, this module, the identity's links.
    python = (blog_tags, sys.modules[__name__], SiteIdentity.link_list)
    return fingerprint(PARTS.values(), python, parts)


def with_defaults(identity: SiteIdentity) -> SiteIdentity:
    """The identity as readers see it: the settings fill what the author left blank."""
    shown = copy(identity)
    shown.title = identity.title or settings.SITE_TITLE
    shown.tagline = identity.tagline or settings.SITE_DESCRIPTION
    shown.author_name = identity.author_name or settings.SITE_AUTHOR
    return shown


def render_frame(identity: SiteIdentity, menu_pages=None) -> dict[str, str]:
    """The three parts of the frame; `menu_pages` are read from the database unless given."""
    from django.template.loader import render_to_string

    from blog.models import Page

    if menu_pages is None:
        menu_pages = list(
            Page.objects.filter(is_published=True, show_in_menu=True).only("title", "slug")
        )
    context = {"site": with_defaults(identity), "menu_pages": menu_pages}
    with translation.override(settings.LANGUAGE_CODE):
        return {part: render_to_string(name, context).strip() for part, name in PARTS.items()}


def rendered_for_storage(identity: SiteIdentity) -> tuple[dict[str, str], str]:
    """The frame and its key to store with `identity`; nothing, to be rendered at the first
    read, while the static files are not collected (an import before `collectstatic`): the
    stylesheet's hashed name is not known yet, and a write must not fail for it."""
    try:
        return render_frame(identity), current_key()
    except ValueError as error:
        if "staticfiles manifest" not in str(error):
            raise
        return {}, ""


def mark_current(header: str, path: str) -> str:
    """The header with the menu link to `path`, if any, marked as the page being read."""
    link = f'<a href="{escape(path)}">'
    return header.replace(link, f'{link[:-1]} aria-current="page">')
