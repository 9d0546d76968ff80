"""The core: debug or production, the secrets, the hosts, the apps, the database, static files, logging."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from backend.env import (
    env_bool,
    env_fernet_keys,
    env_int,
    env_list,
    env_networks,
    env_signing_keys,
    env_str,
    env_url,
)

REPO_DIR = Path(__file__).resolve().parents[2]
DEBUG = env_bool("DJANGO_DEBUG", False)
# Where the backend keeps its files when no server is configured (the demo's SQLite database, the embedded
# Celery broker, beat's schedule): created owner-only (0700, files 0600), as they hold tokens and QR strings.
VAR_DIR = Path(env_str("VAR_DIR", str(REPO_DIR / "var"))).resolve()


def private_file(path: Path) -> str:
    """``path`` (its folder made 0700), created 0600 if missing: SQLite then gives its journal the same mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    return str(path)


# The secrets are always required, DJANGO_DEBUG or not: no published development value stands in for one
# (`make run` makes its own and keeps them under var/demo; the tests make theirs).
SECRET_KEY = env_str("SECRET_KEY", None)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set (make run makes one; see docs/operations.md)")
if os.environ.get("WHATSAPP_HMAC_SECRET"):
    raise ImproperlyConfigured(
        "WHATSAPP_HMAC_SECRET is gone: each worker has a key of its own (manage.py worker_register) and the backend "
        "signs its commands with BACKEND_SIGNING_KEY; see docs/operations.md, Upgrades"
    )
# The backend's own Ed25519 key for its commands to the workers (whsk_; two, space-separated, during a rotation):
# no worker holds it; each worker checks the commands with its public half (the worker's BACKEND_PUBLIC_KEYS,
# which `manage.py worker_register` prints).
BACKEND_SIGNING_KEYS: list[str] = env_signing_keys("BACKEND_SIGNING_KEY")

# The sessions' auth states at rest (SessionAuthState): Fernet keys, the first encrypts, all decrypt (rotation:
# put the new key first, run `manage.py session_state_rotate`, then drop the old one; docs/operations.md).
SESSION_STATE_KEYS: list[str] = env_fernet_keys("SESSION_STATE_KEYS", None)
# The largest auth state a worker may store (its gzip'd bytes); larger ones are refused with 413.
SESSION_STATE_MAX_BYTES = env_int("SESSION_STATE_MAX_BYTES", 16 * 1024 * 1024, minimum=64 * 1024)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_DEBUG=False")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The proxies whose X-Forwarded-For, X-Real-IP and X-Forwarded-Proto are believed (backend/proxies.py): every
# limit counts on the client's address they give. Empty (the default): no such header is believed from anyone.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", [])

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
    "backend.egress",
    "backend.incidents",
    "backend.inbox",
    "backend.live",
    "backend.web",
    "django_prometheus",  # request and database metrics (docs/operations.md, "Monitoring")
    "axes",  # the login lockout; last, as its documentation asks
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # counts and times every request (all below)
    "backend.proxies.UntrustedProxyHeadersMiddleware",  # first: X-Forwarded-Proto only from a trusted proxy
    "django.middleware.security.SecurityMiddleware",
    "backend.headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a lockout into its answer (backend/lockout.py)
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # last: the view's name and the status
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
# django-prometheus' wrappers of the same engines count the queries, their errors and their time (the PostgreSQL one
# gives psycopg 3 its cursor class through the connection parameters, which the pool passes on).
if _database["ENGINE"] == "django.db.backends.postgresql":
    _database["ENGINE"] = "django_prometheus.db.backends.postgresql"
    _database["OPTIONS"] = {
        "pool": {
            "min_size": env_int("DATABASE_POOL_MIN", 1, minimum=0),
            "max_size": env_int("DATABASE_POOL_MAX", 10, minimum=1),
            "timeout": env_int("DATABASE_POOL_TIMEOUT_S", 10, minimum=1),
        }
    }
else:
    _database["ENGINE"] = "django_prometheus.db.backends.sqlite3"
    if _database["NAME"] != ":memory:":
        private_file(Path(_database["NAME"]))
    # make run's SQLite, shared by daphne, Celery and its beat: WAL (a reader never waits for the writer), a writer
    # waits up to 20 s for another's lock, and a transaction takes the write lock when it begins (IMMEDIATE): one
    # that read first could not wait for the lock once it wrote, and failed with "database is locked" (a 500).
    _database["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# The test database's name (default "test_" + the name), so that parallel suites on one server do not collide.
_database["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME", None)}
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/settings/whatsapp-accounts"

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
