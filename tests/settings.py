"""The settings the test suites run Django with: the backend's own, read from the environment like in
production, except that an unset DJANGO_DEBUG means True here (the development hosts), where production's default
is False. The secrets are made here, once per test process, and kept in the environment, so that a Celery worker a
test starts reads the same (no published value stands in for a secret, in tests either). `make test` points
DATABASE_URL and REDIS_URL at PostgreSQL and Redis."""

import os
import secrets

from cryptography.fernet import Fernet

from shared.identity import new_key_pair

os.environ.setdefault("DJANGO_DEBUG", "True")
os.environ.setdefault("SECRET_KEY", "tests-" + secrets.token_hex(24))
os.environ.setdefault("BACKEND_SIGNING_KEY", new_key_pair().private)
os.environ.setdefault("SESSION_STATE_KEYS", Fernet.generate_key().decode())
# A process of a parallel run has Redis keys of its own. Set once: the Celery worker a test starts inherits
# this environment and reads these settings again, and must use the same keys as the test.
_prefix = os.environ.get("REDIS_KEY_PREFIX", "wa")
if (worker := os.environ.get("PYTEST_XDIST_WORKER")) and not _prefix.endswith(f"-{worker}"):
    os.environ["REDIS_KEY_PREFIX"] = f"{_prefix}-{worker}"

from backend.settings import *  # noqa: E402, F403 (after the environment is set)
