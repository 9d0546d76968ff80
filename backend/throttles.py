"""DRF throttles of the REST API, counted on the real client address (backend.proxies) in the cache (Redis).

- ``UserThrottle``: an authenticated user's requests (API_THROTTLE_USER);
- ``AnonThrottle``: anonymous requests per client address (API_THROTTLE_ANON);
- ``AuthTokenThrottle``: ``POST /api/v1/auth/token`` per client address, authenticated or not
  (API_THROTTLE_AUTH_TOKEN), far stricter: a password guess costs a request. The login lockout
  (django-axes, per account and per address) stops guessing altogether after AXES_FAILURE_LIMIT failures.
Over a rate: 429 with Retry-After and "Request was throttled. Expected available in N seconds."
"""

from __future__ import annotations

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from backend.proxies import client_address


class _ClientAddress:
    def get_ident(self, request) -> str:
        return client_address(request)


class UserThrottle(_ClientAddress, UserRateThrottle):
    pass


class AnonThrottle(_ClientAddress, AnonRateThrottle):
    pass


class AuthTokenThrottle(_ClientAddress, SimpleRateThrottle):
    scope = "auth_token"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
