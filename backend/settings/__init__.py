"""Django settings, read strictly from the environment (see backend/env.py and docs/backend.md).

Production is the default (DJANGO_DEBUG=False), where ALLOWED_HOSTS must be set. SECRET_KEY, BACKEND_SIGNING_KEY
and SESSION_STATE_KEYS are always required: `make run` makes its own (DJANGO_DEBUG=True), and with no DATABASE_URL
and REDIS_URL runs on SQLite under VAR_DIR, the in-memory channel layer and cache, and a Celery broker on SQLite.

The settings are read in parts, each a module of this package: ``core`` (debug, secrets, hosts, apps, database),
``limits`` (rates, limits, timings), ``queues`` (Redis or the embedded stand-ins, Celery), ``monitoring`` (the
metrics) and ``security``.
"""

from backend.settings.core import *  # noqa: F403
from backend.settings.limits import *  # noqa: F403
from backend.settings.monitoring import *  # noqa: F403
from backend.settings.queues import *  # noqa: F403
from backend.settings.security import *  # noqa: F403
