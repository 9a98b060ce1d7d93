"""Template helpers for the public pages: French dates, the menu, head metadata, pagination."""

from __future__ import annotations

import html
import json
from datetime import datetime
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from blog import rendering
from blog.models import Post, SiteIdentity, plain_search_text

register = template.Library()


@register.filter
def long_date(value: datetime | None) -> str:
    """'3 janvier 2017' in the site's time zone; French writes the first day '1er'."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    text = date_format(local, "j F Y")
    return "1er" + text[1:] if local.day == 1 else text


@register.filter
def by_name(items) -> list:
    """Categories or tags in the order a French reader looks for them: case and accents
    aside (`écoconception` before `tutoriel`), whatever order the database returns."""
    return sorted(items, key=lambda item: (plain_search_text(item.name), item.name, item.slug))


@register.filter
def same_day(first: datetime | None, second: datetime | None) -> bool:
    if first is None or second is None:
        return False
    return timezone.localdate(first) == timezone.localdate(second)


@register.simple_tag(takes_context=True)
def site_frame(context, part: str) -> SafeString:
    """A part of the frame around the page (blog.frame), as stored with the site identity.

    A page rendered without the identity (a 400 whose cause is the database) gets the
    frame of the settings' defaults, with no menu pages.
    """
    from blog import frame

    site = context.get("site")
    if site is not None and site.frame.get(part) is not None:
        rendered = site.frame[part]
    else:
        rendered = frame.render_frame(site or SiteIdentity(), menu_pages=[])[part]
    request = context.get("request")
    if part == "header" and request is not None:
        rendered = frame.mark_current(rendered, request.path)
    return mark_safe(rendered)  # noqa: S308 - rendered from our templates, with escaping on


@register.simple_tag
def contact_url(subject: str = "") -> str:
    """The contact form's address, with a subject; empty while the contact app has no form."""
    try:
        url = reverse("contact:form")
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode({'subject': subject})}" if subject else url


@register.filter
def typeset(text: str) -> SafeString:
    """A title or a name as posts' text is set: escaped, with French no-break spaces before
    `: ; ! ?` and inside « », so that no line starts with a lone `»` or `?`."""
    if not settings.MARKDOWN_FRENCH_TYPOGRAPHY:
        return conditional_escape(text)
    # On the text, then escaped: `&amp;`'s `;` is no punctuation of the title.
    spaced = rendering.apply_french_typography(html.escape(str(text), quote=False))
    return conditional_escape(html.unescape(spaced))


@register.filter
def absolute(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else settings.SITE_URL + path


def _kept_query(context, page: int | None) -> str:
    """The query string of this page's own address: its search words (on the search page
    only, which puts them in its context), and its page number; no other parameter."""
    query = context.get("query")
    params = [("q", query)] if query else []
    if page and page > 1:
        params.append(("page", str(page)))
    return "?" + urlencode(params) if params else ""


@register.simple_tag(takes_context=True)
def page_url(context, page: int) -> str:
    """This list's address at another page (page 1 has no parameter), keeping the search."""
    return context["request"].path + _kept_query(context, page)


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """The absolute address of this page, without tracking or unknown parameters."""
    request = context["request"]
    page_obj = context.get("page_obj")
    page = page_obj.number if page_obj is not None else None
    return settings.SITE_URL + request.path + _kept_query(context, page)


def _json_ld(data: dict) -> SafeString:
    # The escapes of django.utils.html.json_script: no "</script>" can close the element early.
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308


@register.simple_tag
def post_json_ld(post: Post, description: str = "") -> SafeString:
    """Structured data for search engines: the post as a schema.org BlogPosting."""
    site = SiteIdentity.current()
    url = settings.SITE_URL + post.get_absolute_url()
    author = {"@type": "Person", "name": site.author_name}
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": settings.LANGUAGE_CODE,
        "author": author,
        "publisher": author,
        "datePublished": post.published_at,
        "dateModified": post.updated_at or post.published_at,
        "wordCount": post.word_count,
        "keywords": [tag.name for tag in post.tags.all()],
        "articleSection": [category.name for category in post.categories.all()],
    }
    if description:
        data["description"] = description
    return _json_ld(data)


@register.filter
def summary(post: Post, words: int = 40) -> str:
    """The meta description of a post: the author's, or the start of its excerpt."""
    if post.description:
        return post.description
    text = " ".join(html.unescape(strip_tags(post.excerpt_html)).split())
    cut = text.split(" ")
    return " ".join(cut[:words]) + ("…" if len(cut) > words else "")
