"""The settings the test suites run Django with: the backend's own, read from the environment like in
production, except that an unset DJANGO_DEBUG means True here (the development secrets and hosts), where
production's default is False. `make test` points DATABASE_URL and REDIS_URL at PostgreSQL and Redis."""

import os

os.environ.setdefault("DJANGO_DEBUG", "True")
if worker := os.environ.get("PYTEST_XDIST_WORKER"):  # a process of a parallel run: Redis keys of its own
    os.environ["REDIS_KEY_PREFIX"] = f"{os.environ.get('REDIS_KEY_PREFIX', 'wa')}-{worker}"

from backend.settings import *  # noqa: F403
