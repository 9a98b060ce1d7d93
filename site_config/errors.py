"""The 400 handler: requests refused before any view ran, answered with a French page."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.template import loader

from blog.context_processors import site


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400, or 413 when the body was larger than DATA_UPLOAD_MAX_MEMORY_SIZE.

    Rendered without the request, as Django's own handler does: a request refused for its
    Host header would raise again in anything that builds an absolute address.
    """
    too_large = isinstance(exception, RequestDataTooBig)
    template = loader.get_template("413.html" if too_large else "400.html")
    try:
        context = site(request)
    except DatabaseError:
        # The page must still render when the database is what went wrong.
        context = {}
    return HttpResponse(template.render(context), status=413 if too_large else 400)
