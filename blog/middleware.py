"""Old addresses of the Jekyll site, answered with a 301 when nothing else answers them."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

from django.http import HttpResponsePermanentRedirect
from django.urls import is_valid_path

from blog.models import OldURL


def candidate_paths(path: str) -> list[str]:
    """The forms an old address may have been stored under, most specific first."""
    path = unicodedata.normalize("NFC", unquote(path))
    stem = path.rstrip("/") or "/"
    forms = [path, stem, stem + "/"]
    for suffix in ("/index.html", ".html"):
        if stem.endswith(suffix):
            forms.append(stem[: -len(suffix)] or "/")
            forms.append((stem[: -len(suffix)] or "") + "/")
    if not stem.endswith(".html"):
        if stem != "/":
            forms.append(stem + ".html")
        # A permalink written `/:title/index.html` was served at its folder too.
        forms.append(stem.rstrip("/") + "/index.html")
    seen: list[str] = []
    for form in forms:
        if form not in seen:
            seen.append(form)
    return seen


def find_old_url(path: str) -> OldURL | None:
    candidates = candidate_paths(path)
    if any("\x00" in candidate for candidate in candidates):
        # No old address held a NUL (`/%00`), and PostgreSQL refuses one in a query.
        return None
    found = {
        old.path: old
        for old in OldURL.objects.filter(path__in=candidates).select_related("post", "page")
    }
    for candidate in candidates:
        if candidate in found:
            return found[candidate]
    return None


class OldURLRedirectMiddleware:
    """Like django.contrib.redirects' fallback, keyed on the content rather than a fixed URL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        old = find_old_url(request.path)
        if old is None:
            # `/a-propos/index.html`, `/index.html`: the old server answered a folder's address
            # with its index file too, and the new site answers the folder.
            folder = index_folder(request.path)
            if folder is None or not is_valid_path(folder, getattr(request, "urlconf", None)):
                return response
            return redirect_keeping_query(request, folder)
        destination = old.destination()
        if not destination or destination == request.path:
            return response
        return redirect_keeping_query(request, destination)


def index_folder(path: str) -> str | None:
    for name in ("index.html", "index.htm"):
        if path.endswith("/" + name):
            return path[: -len(name)]
    return None


def redirect_keeping_query(request, destination: str) -> HttpResponsePermanentRedirect:
    query = request.META.get("QUERY_STRING", "")
    if query and "?" not in destination:
        destination = f"{destination}?{query}"
    return HttpResponsePermanentRedirect(destination)
