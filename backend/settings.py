"""Django settings, read strictly from the environment (see backend/env.py and docs/backend.md).

Production is the default (DJANGO_DEBUG=False): SECRET_KEY, WHATSAPP_HMAC_SECRET and ALLOWED_HOSTS must then be
set. `make run` sets DJANGO_DEBUG=True, which allows development values for them, and with no DATABASE_URL and
REDIS_URL runs on SQLite under VAR_DIR, the in-memory channel layer and cache, and a Celery broker on SQLite.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from backend.env import env_bool, env_fernet_keys, env_int, env_list, env_networks, env_rate, env_str, env_url
from shared.signing import SecretError, parse_secrets

REPO_DIR = Path(__file__).resolve().parent.parent
DEBUG = env_bool("DJANGO_DEBUG", False)
# Where the backend keeps its files when no server is configured (the demo's SQLite database, the embedded
# Celery broker, beat's schedule): created owner-only (0700, files 0600), as they hold tokens and QR strings.
VAR_DIR = Path(env_str("VAR_DIR", str(REPO_DIR / "var"))).resolve()


def private_file(path: Path) -> str:
    """``path`` (its folder made 0700), created 0600 if missing: SQLite then gives its journal the same mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    return str(path)


# A fixed development value, refused in production.
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"  # noqa: S105
_DEV_HMAC_SECRET = "whsec_ZGV2LW9ubHktaG1hYy1zZWNyZXQtb2YtMzItYnl0ZXM="  # noqa: S105
_DEV_STATE_KEY = "ZGV2LW9ubHktc2Vzc2lvbi1zdGF0ZS1rZXktMzJieSE="

SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else None)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG=False")

_hmac = env_str("WHATSAPP_HMAC_SECRET", _DEV_HMAC_SECRET if DEBUG else None)
if not _hmac:
    raise ImproperlyConfigured("WHATSAPP_HMAC_SECRET must be set when DJANGO_DEBUG=False")
try:
    WHATSAPP_HMAC_SECRETS: list[str] = parse_secrets(_hmac)
except SecretError as exc:
    raise ImproperlyConfigured(f"WHATSAPP_HMAC_SECRET is invalid: {exc}") from None

# The sessions' auth states at rest (SessionAuthState): Fernet keys, the first encrypts, all decrypt (rotation:
# put the new key first, run `manage.py session_state_rotate`, then drop the old one; docs/operations.md).
SESSION_STATE_KEYS: list[str] = env_fernet_keys("SESSION_STATE_KEYS", _DEV_STATE_KEY if DEBUG else None)
# The largest auth state a worker may store (its gzip'd bytes); larger ones are refused with 413.
SESSION_STATE_MAX_BYTES = env_int("SESSION_STATE_MAX_BYTES", 16 * 1024 * 1024, minimum=64 * 1024)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_DEBUG=False")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The proxies whose X-Forwarded-For, X-Real-IP and X-Forwarded-Proto are believed (backend/proxies.py): every
# limit counts on the client's address they give. Empty (the default): no such header is believed from anyone.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", [])

# Rate limits (docs/security.md). The webhook: unverified requests per client address, verified ones per worker.
if os.environ.get("WEBHOOK_RATE_LIMIT_PER_MINUTE"):
    raise ImproperlyConfigured(
        "WEBHOOK_RATE_LIMIT_PER_MINUTE is gone: set WEBHOOK_UNVERIFIED_RATE (per address) and WEBHOOK_WORKER_RATE"
        " (per worker) instead, see docs/operations.md"
    )
WEBHOOK_UNVERIFIED_RATE = env_rate("WEBHOOK_UNVERIFIED_RATE", "30/minute")
WEBHOOK_WORKER_RATE = env_rate("WEBHOOK_WORKER_RATE", "6000/minute")
# The REST API (DRF throttles, backend/throttles.py): per user, per address when anonymous, and the token login.
API_THROTTLE_USER = env_rate("API_THROTTLE_USER", "1200/minute")
API_THROTTLE_ANON = env_rate("API_THROTTLE_ANON", "120/minute")
API_THROTTLE_AUTH_TOKEN = env_rate("API_THROTTLE_AUTH_TOKEN", "10/minute")
QR_LIFETIME_S = env_int("QR_LIFETIME_S", 180, minimum=10)
# Limits per workspace (docs/operations.md, "Limits per workspace"): the defaults of the workspaces whose own
# fields are empty (staff set those in the admin). Counted in the database, under the workspace's lock.
WORKSPACE_MAX_ACCOUNTS = env_int("WORKSPACE_MAX_ACCOUNTS", 10, minimum=1)
WORKSPACE_CONNECTS_PER_HOUR = env_int("WORKSPACE_CONNECTS_PER_HOUR", 5, minimum=1)
WORKSPACE_CONNECTS_PER_DAY = env_int("WORKSPACE_CONNECTS_PER_DAY", 20, minimum=1)
WEBHOOK_INBOX_RETENTION_DAYS = env_int("WEBHOOK_INBOX_RETENTION_DAYS", 7, minimum=1)
# A worker silent this long is dead; a session's lease lasts SESSION_LEASE_TTL_S from its worker's last
# heartbeat. Its sessions move once both have passed (docs/operations.md "Losing a worker").
WORKER_HEARTBEAT_TIMEOUT_S = env_int("WORKER_HEARTBEAT_TIMEOUT_S", 15, minimum=2)
SESSION_LEASE_TTL_S = env_int("SESSION_LEASE_TTL_S", 15, minimum=2, maximum=3600)
# How often beat marks silent workers dead and moves the sessions whose leases expired on them.
WORKERS_CHECK_INTERVAL_S = env_int("WORKERS_CHECK_INTERVAL_S", 2, minimum=1, maximum=600)
WORKER_REQUEST_TIMEOUT_S = env_int("WORKER_REQUEST_TIMEOUT_S", 10, minimum=1)
# How often each WebSocket renews its group memberships on Redis (a lost one closes it: backend/live/consumers.py).
WEBSOCKET_MEMBERSHIP_CHECK_S = env_int("WEBSOCKET_MEMBERSHIP_CHECK_S", 5, minimum=1, maximum=3600)
DEFAULT_WORKER_ID = env_str("DEFAULT_WORKER_ID", "worker-1")
DEFAULT_WORKER_URL = env_url("DEFAULT_WORKER_URL", None, schemes=("http", "https"))
DEFAULT_WORKER_CAPACITY = env_int("DEFAULT_WORKER_CAPACITY", 20, minimum=1)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files served from here: no CDN, works offline
    "channels",
    "backend.accounts",
    "backend.fleet",
    "backend.inbox",
    "backend.live",
    "backend.web",
    "axes",  # the login lockout; last, as its documentation asks
]

MIDDLEWARE = [
    "backend.proxies.UntrustedProxyHeadersMiddleware",  # first: X-Forwarded-Proto only from a trusted proxy
    "django.middleware.security.SecurityMiddleware",
    "backend.headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into its answer (backend/lockout.py)
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"
ASGI_APPLICATION = "backend.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: PostgreSQL through psycopg 3 with its connection pool (CONN_MAX_AGE must be 0 with a pool:
# persistent connections under ASGI exhausted PostgreSQL's connections in the measurements of docs/design.md).
_database_url = env_url(
    "DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}", schemes=("sqlite", "postgres", "postgresql")
)
_database = dj_database_url.parse(_database_url, conn_max_age=0)
if _database["ENGINE"] == "django.db.backends.postgresql":
    _database["OPTIONS"] = {
        "pool": {
            "min_size": env_int("DATABASE_POOL_MIN", 1, minimum=0),
            "max_size": env_int("DATABASE_POOL_MAX", 10, minimum=1),
            "timeout": env_int("DATABASE_POOL_TIMEOUT_S", 10, minimum=1),
        }
    }
else:
    if _database["NAME"] != ":memory:":
        private_file(Path(_database["NAME"]))
    _database["OPTIONS"] = {"timeout": 20}
# The test database's name (default "test_" + the name), so that parallel suites on one server do not collide.
_database["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME", None)}
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis serves the channel layer, the cache (the webhook rate limit) and the Celery broker; without it,
# everything stays in the process or on disk under var/ (for `make run`, a single daphne process).
REDIS_URL = env_url("REDIS_URL", None, schemes=("redis", "rediss"))
KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "wa")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "backend.live.channel_layer.ChannelLayer",  # channels_redis, riding out a Redis restart
            "CONFIG": {
                # socket_timeout None: the layer's blocking read waits for messages; redis-py 8's 5 s default
                # would end every idle WebSocket after 5 s (django/channels_redis#422).
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "prefix": f"{KEY_PREFIX}:channels",
                # messages a slow consumer may have queued before new ones are dropped (default 100)
                "capacity": 1000,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": KEY_PREFIX,
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"global_keyprefix": f"{KEY_PREFIX}:celery:"}
else:
    from backend.broker import broker_file

    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # kombu's SQLAlchemy transport on a SQLite file (backend/broker.py): no half-written message is ever read.
    CELERY_BROKER_URL = f"sqlite:///{broker_file(private_file(VAR_DIR / 'celery-broker.sqlite3'))}"
    CELERY_BROKER_TRANSPORT = "backend.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {"connect_args": {"timeout": 60}}  # wait for another writer's lock

CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "whatsapp")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SOFT_TIME_LIMIT = 30
CELERY_TASK_TIME_LIMIT = 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "expire-stale-qr": {"task": "accounts_expire_stale_qr", "schedule": 15.0},
    "reconcile-workers": {"task": "workers_reconcile_all", "schedule": 60.0},
    "mark-dead-workers": {
        "task": "workers_mark_dead",
        "schedule": float(WORKERS_CHECK_INTERVAL_S),
    },
    "prune-webhook-inbox": {"task": "webhook_events_prune", "schedule": 3600.0},
}

# Login guessing (docs/security.md): django-axes counts failed logins at every door that authenticates with a
# password (the admin's and the site's login pages, POST /api/v1/auth/token), per account and per client address
# apart; after LOGIN_FAILURE_LIMIT failures that account, or that address, is refused for LOGIN_LOCKOUT_MINUTES,
# the right password included. Unlock earlier: `manage.py axes_reset_username <name>` or `axes_reset_ip <address>`.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
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

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/settings/whatsapp-accounts"

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
    ]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if BEHIND_TLS_PROXY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", BEHIND_TLS_PROXY)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", BEHIND_TLS_PROXY)

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {LOG_LEVEL!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
