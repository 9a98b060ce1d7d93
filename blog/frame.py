"""The site's frame around every page: head links, header and menu, footer.

The frame depends on the site identity and the menu, never on the request, so it is rendered
when either changes and stored with the identity (`SiteIdentity.frame`), as a post's markdown
is stored in `body_html` and its entry in lists in `summary_html` (blog.summaries). Rendered
on every request, it cost 0.7 ms of every page, over a quarter of the home page's time. A
request only marks the menu link of the page being read (`mark_current`).

The home page's own layout (its head, title and pagination around the newest entries) depends
on nothing else either: it is rendered with the frame from `blog/post_list.html`, around a mark
where the entries go, and stored beside it (`frame["home"]`). The home page's first page, the
busiest of all, then only reads its entries and joins strings: rendering its template on every
request cost twice what serving the page's bytes does (bench/pages.py, cache off). Its other
pages, and a home with nothing published, are rendered as usual; tests/test_frame.py holds
the stored layout to what the template renders.

`SiteIdentity.frame_key` names what the frame was rendered with (templates, catalogue,
addresses, stylesheet's hashed name, settings); `SiteIdentity.current()` renders and stores it
again when that changes, after a deploy.
"""

from __future__ import annotations

import functools
import secrets
import sys
from copy import copy
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.html import escape

from blog import pagination
from blog.summaries import fingerprint
from blog.templatetags import blog_tags

if TYPE_CHECKING:
    from blog.models import SiteIdentity

PARTS = {
    "head": "includes/site_head.html",
    "header": "includes/site_header.html",
    "footer": "includes/site_footer.html",
}
HOME_TEMPLATE = "blog/post_list.html"
# What HOME_TEMPLATE is made of, besides the parts above.
HOME_TEMPLATES = (
    HOME_TEMPLATE,
    "base.html",
    "includes/head.html",
    "includes/pagination.html",
    "includes/pagination_links.html",
)
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
    defaults = (
        settings.SITE_TITLE,
        settings.SITE_DESCRIPTION,
        settings.SITE_AUTHOR,
        settings.SITE_URL,
    )
    parts = [*addresses, *defaults]
    from blog.models import SiteIdentity

    # The Python the frame runs: its tags and filters, this module, the identity's links,
    # the home page's paginator.
    python = (blog_tags, sys.modules[__name__], SiteIdentity.link_list, pagination)
    return fingerprint((*PARTS.values(), *HOME_TEMPLATES), python, parts)


def with_defaults(identity: SiteIdentity) -> SiteIdentity:
    """The identity as readers see it: the settings fill what the author left blank."""
    shown = copy(identity)
    shown.title = identity.title or settings.SITE_TITLE
    shown.tagline = identity.tagline or settings.SITE_DESCRIPTION
    shown.author_name = identity.author_name or settings.SITE_AUTHOR
    return shown


def render_frame(identity: SiteIdentity, menu_pages=None) -> dict:
    """The three parts of the frame and the home page's layout; `menu_pages` are read from
    the database unless given."""
    from django.template.loader import render_to_string

    from blog.models import Page

    if menu_pages is None:
        menu_pages = list(
            Page.objects.filter(is_published=True, show_in_menu=True).only("title", "slug")
        )
    site = with_defaults(identity)
    context = {"site": site, "menu_pages": menu_pages}
    with translation.override(settings.LANGUAGE_CODE):
        parts = {part: render_to_string(name, context).strip() for part, name in PARTS.items()}
        site.frame = parts
        return {**parts, "home": render_home(site)}


class _Mark:
    """Stands for an entry in the home page's template: a comment no text can hold."""

    def __init__(self):
        self.summary_html = f"<!--{secrets.token_hex(16)}-->"


def render_home(site: SiteIdentity) -> dict:
    """The first page of the home page around its entries, as `HOME_TEMPLATE` renders it:
    `[before, between, after]` (the page is `before + between.join(entries) + after`), with
    an older page to link to (`more`) and without (`last`).

    `site` is the identity as the context processor gives it, with its frame. The page's
    address is its only part of the request, so `path` says which one it was rendered for.
    """
    from django.template.loader import render_to_string

    from blog.views import POSTS_PER_PAGE

    request = HttpRequest()
    request.path = reverse("blog:home")
    # Two entries: what comes between two of them is known too.
    first, second = _Mark(), _Mark()
    # What of the identity the layout shows, besides the frame: a row written past save()
    # shows in the template's <title> and meta tags, so the layout is then not used.
    home = {"path": request.path, "identity": [site.title, site.tagline]}
    for name, has_next in (("more", True), ("last", False)):
        paginator = pagination.UncountedPaginator([], POSTS_PER_PAGE)
        page = pagination.UncountedPage([first, second], 1, paginator, has_next)
        context = {
            "request": request,
            "site": site,
            "SITE_URL": settings.SITE_URL,
            "paginator": paginator,
            "page_obj": page,
            "is_paginated": page.has_other_pages(),
            "posts": page.object_list,
        }
        html = render_to_string(HOME_TEMPLATE, context)
        before, rest = html.split(first.summary_html)
        between, after = rest.split(second.summary_html)
        home[name] = [before, between, after]
    return home


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
