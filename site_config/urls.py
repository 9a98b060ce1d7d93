"""The site's URL map: the admin, the contact form, media in development, and the blog."""

import functools
import re
from pathlib import Path

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("contact/", include("contact.urls")),
    path("", include("blog.urls")),
]

if settings.BENCH_BARE_VIEW:
    # The yardsticks of bench/pages.py: the whole middleware stack, no work, never cached.
    def bare_view(request):
        response = HttpResponse("Bonjour.")
        response["Cache-Control"] = "no-store"
        return response

    def layout_view(request):
        # The site's layout around an empty page, no query: what any page costs at least.
        response = render(request, "base.html")
        response["Cache-Control"] = "no-store"
        return response

    @functools.cache
    def fixed_page() -> bytes:
        return Path(settings.BENCH_FIXED_PAGE).read_bytes()

    def fixed_view(request):
        # A saved page served as it is: what a page of that size costs with no view work at
        # all (compression, ETag, sending), the ceiling of any page rendered per request.
        return HttpResponse(fixed_page())

    urlpatterns[:0] = [
        path("bench/bare/", bare_view),
        path("bench/layout/", layout_view),
        path("bench/fixed/", fixed_view),
    ]

if settings.DEBUG:
    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
elif settings.SERVE_MEDIA:
    # `make serve-prod` only: in production nginx serves /media/ (docs/DEPLOY.md).
    urlpatterns.insert(
        0,
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        ),
    )

# Requests refused before any view (oversized, malformed) get a French 400 or 413 page.
handler400 = "site_config.errors.bad_request"
