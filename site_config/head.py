"""HEAD requests answered as HTTP says: the headers of a GET, no body.

Django leaves removing the body to the server; gunicorn does it but logs a warning for each
such response ("WSGI app sent body bytes on a no-body response"), and uptime checks send HEAD.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase


class HeadWithoutBodyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.method == "HEAD" and not response.streaming and response.content:
            # After the page cache, which keeps the whole page for the GETs to come.
            length = response.get("Content-Length") or str(len(response.content))
            response.content = b""
            response["Content-Length"] = length
        return response
