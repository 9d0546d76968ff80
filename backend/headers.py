"""Headers on every answer: a Content-Security-Policy on HTML pages, no caching of the API's JSON.

The policy allows scripts, styles, images, fonts and connections (the WebSocket included) from the site itself
only, no plugins, no framing, forms posting to the site only. The pages have no inline script or style, so it
needs no exception; a view that needs another policy sets its own header, which is kept. The API's JSON
(accounts carry QR strings and phone numbers) is ``Cache-Control: no-store``, like the QR image.
"""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html"):
            response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        elif request.path.startswith("/api/") and content_type.startswith("application/json"):
            add_never_cache_headers(response)
        return response


# The API docs (Swagger UI) ship an inline <style>: their page allows inline styles; scripts stay the site's own.
API_DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


def api_docs_policy(view):
    @wraps(view)
    def with_policy(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = API_DOCS_CONTENT_SECURITY_POLICY
        return response

    return with_policy
