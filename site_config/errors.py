"""Requests refused before any view ran (400, 413) or by the CSRF check: French pages."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
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


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused by the CSRF check: its session expired, or cookies are blocked.

    On the contact form the reader's text comes back, with a new token to send it again:
    a message must not be lost to an expired cookie. Elsewhere, a French page.
    """
    match = getattr(request, "resolver_match", None)
    if request.method == "POST" and match is not None and match.view_name == "contact:form":
        from contact.views import expired_form

        return expired_form(request)
    return render(request, "403_csrf.html", status=403)
