"""The Content-Security-Policy header: django-csp's middleware, with frame-src from the embeds."""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase

from blog.rendering import embed_hosts


def frame_sources() -> list[str]:
    """The video players posts may embed, as CSP sources: the sanitiser's own list.

    Asked of blog.rendering at each response rather than copied into settings, so the
    policy can never drift from what the sanitiser lets through (EMBED_HOSTS included).
    Its addresses are always upgraded to https, hence https only here.
    """
    return [f"https://{host}" for host in embed_hosts()]


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, adding frame-src for the video players posts embed."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only:
            parts.replace = {"frame-src": frame_sources(), **(parts.replace or {})}
        return parts
