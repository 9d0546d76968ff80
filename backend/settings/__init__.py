"""Django settings, read strictly from the environment (see backend/env.py and docs/backend.md).

Production is the default (DJANGO_DEBUG=False): SECRET_KEY, WHATSAPP_HMAC_SECRET and ALLOWED_HOSTS must then be
set. `make run` sets DJANGO_DEBUG=True, which allows development values for them, and with no DATABASE_URL and
REDIS_URL runs on SQLite under VAR_DIR, the in-memory channel layer and cache, and a Celery broker on SQLite.

The settings are read in parts, each a module of this package: ``core`` (debug, secrets, hosts, apps, database),
``limits`` (rates, limits, timings), ``queues`` (Redis or the embedded stand-ins, Celery) and ``security``.
"""

from backend.settings.core import *  # noqa: F403
from backend.settings.limits import *  # noqa: F403
from backend.settings.queues import *  # noqa: F403
from backend.settings.security import *  # noqa: F403
