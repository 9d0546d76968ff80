"""POST /api/v1/auth/token: DRF's token login, throttled per client address and under the login lockout.

Axes flags a locked-out attempt on the request that ``authenticate`` was given, which here is DRF's own request:
the view turns that flag into the lockout answer (axes' middleware only sees Django's request).
"""

from __future__ import annotations

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from backend.lockout import lockout_response
from backend.throttles import AuthTokenThrottle


class AuthTokenView(ObtainAuthToken):
    throttle_classes = [AuthTokenThrottle]

    def post(self, request: Request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            raise
