"""The answer to a locked-out login (django-axes; settings AXES_* in backend/settings.py, docs/security.md).

Axes counts failed logins per account and per client address at every door that checks a password; once either
reaches LOGIN_FAILURE_LIMIT, logins for it are refused (the right password included) until LOGIN_LOCKOUT_MINUTES
pass without another failure, or an administrator unlocks it (``manage.py axes_reset_username <name>``,
``axes_reset_ip <address>``). The answer says so: 429 with Retry-After, JSON under /api/, a page elsewhere.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"Too many failed sign-ins for this account or from this address. Sign-in is locked for {minutes} minutes"
        " after the last failed attempt, even with the right password. An administrator can unlock it sooner."
    )


def lockout_response(request: HttpRequest, *_axes_args) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE (axes passes the original response and the credentials, unused here)."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": "locked out", "detail": lockout_message()}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": lockout_message()}, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
