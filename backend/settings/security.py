"""Logins and their lockout, the REST API's authentication, throttles and schema, and HTTPS (docs/security.md)."""

from __future__ import annotations

from datetime import timedelta

from backend.env import env_bool, env_int
from backend.settings.core import DEBUG
from backend.settings.limits import API_THROTTLE_ANON, API_THROTTLE_AUTH_TOKEN, API_THROTTLE_USER

# Login guessing (docs/security.md): django-axes counts failed logins at every door that authenticates with a
# password (the admin's and the site's login pages, POST /api/v1/auth/token); after LOGIN_FAILURE_LIMIT failures
# that account from that address, or that address for every account, is refused for LOGIN_LOCKOUT_MINUTES, the
# right password included. Unlock earlier: `manage.py axes_reset_username <name>` or `axes_reset_ip <address>`.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
# Locked: a username from the address that guessed it, and an address that guessed (any usernames). Never a username
# from everywhere: an outsider who knows the admin's name must not lock the admin out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_CLIENT_IP_CALLABLE = "backend.proxies.client_address"
AXES_LOCKOUT_CALLABLE = "backend.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

REST_FRAMEWORK = {
    # Token first: an unauthenticated request then gets 401 (with WWW-Authenticate), not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["backend.throttles.UserThrottle", "backend.throttles.AnonThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": API_THROTTLE_USER,
        "anon": API_THROTTLE_ANON,
        "auth_token": API_THROTTLE_AUTH_TOKEN,
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "WhatsApp accounts API",
    # Markdown, rendered as HTML by Swagger UI: the path is a code span, so that "<id>" shows instead of vanishing
    # as an unknown HTML tag.
    "DESCRIPTION": "Connect WhatsApp accounts to workspaces. Live updates on the WebSocket `/ws/workspaces/<id>/`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "/static/web/favicon.svg",  # the site's own icon (backend/web/urls.py)
    "REDOC_DIST": "SIDECAR",
}

# HTTPS (docs/security.md). Production (DJANGO_DEBUG=False) is served behind the TLS proxy of deploy/nginx.conf,
# which sets X-Forwarded-Proto (believed from TRUSTED_PROXIES only): plain HTTP is redirected to HTTPS, HSTS sent,
# cookies Secure. The workers' endpoints and the probes answer on plain HTTP too: workers and monitors reach gunicorn
# directly. BEHIND_TLS_PROXY=False is for plain-HTTP stacks on loopback (the test stacks; `make run` is DEBUG).
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", not DEBUG)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [
        r"^api/v1/whatsapp/webhook$",
        r"^api/v1/whatsapp/sessions/[^/]+/auth-state$",
        r"^healthz$",
        r"^readyz$",
        r"^metrics$",  # the private listener's, plain (backend/metrics/views.py)
    ]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if BEHIND_TLS_PROXY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", BEHIND_TLS_PROXY)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", BEHIND_TLS_PROXY)
