"""The settings the test suites run Django with: the backend's own, read from the environment like in
production, except that an unset DJANGO_DEBUG means True here (the development secrets and hosts), where
production's default is False. `make test` points DATABASE_URL and REDIS_URL at PostgreSQL and Redis."""

import os

os.environ.setdefault("DJANGO_DEBUG", "True")
# A process of a parallel run has Redis keys of its own. Set once: the Celery worker a test starts inherits
# this environment and reads these settings again, and must use the same keys as the test.
_prefix = os.environ.get("REDIS_KEY_PREFIX", "wa")
if (worker := os.environ.get("PYTEST_XDIST_WORKER")) and not _prefix.endswith(f"-{worker}"):
    os.environ["REDIS_KEY_PREFIX"] = f"{_prefix}-{worker}"

from backend.settings import *  # noqa: E402, F403 (after the environment is set)
