"""The settings the test suites run Django with: the backend's own, read from the environment like in
production, except that an unset DJANGO_DEBUG means True here (the development secrets and hosts), where
production's default is False. `make test` points DATABASE_URL and REDIS_URL at PostgreSQL and Redis."""

import os

os.environ.setdefault("DJANGO_DEBUG", "True")

from backend.settings import *  # noqa: F403
