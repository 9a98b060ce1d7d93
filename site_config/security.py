"""The admin door's glue for django-axes: who is knocking, and what a locked-out login sees."""

from __future__ import annotations

import ipaddress
import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, for django-axes (AXES_CLIENT_IP_CALLABLE).

    Behind nginx every request comes from the proxy; with CONTACT_TRUST_X_FORWARDED_FOR on
    (the contact form's switch, one for the whole site), the last X-Forwarded-For entry, the
    one nginx appended, is the client. Earlier entries are the client's to forge, so they are
    never read. Anything that is not an address counts as no address.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "CONTACT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        address = forwarded or address
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The page a locked-out login gets (AXES_LOCKOUT_CALLABLE): French, with the wait in minutes.

    A 429, as django-axes answers by default, so that scripts see "slow down" rather than
    "forbidden".
    """
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(request, "axes/lockout.html", context, status=429)
