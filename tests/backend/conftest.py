"""Fixtures of the backend's tests: a stand-in session worker over real HTTP, signed webhook deliveries, and
isolation of Redis keys per test (the people, owner, member and outsider, are tests/harness/members.py's).

The backend's tests run on PostgreSQL and Redis (DATABASE_URL and REDIS_URL, as `make test` sets them).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from backend.celery import app as celery_app
from backend.fleet.models import WorkerNode
from tests.backend.testkit import Sender, StandInWorker, WorkerKey, register_worker


def pytest_configure(config: pytest.Config) -> None:
    engine = django_settings.DATABASES["default"]["ENGINE"]
    if not engine.endswith(".backends.postgresql") or not django_settings.REDIS_URL:
        raise pytest.UsageError(
            "the backend's tests need PostgreSQL and Redis: set DATABASE_URL=postgres://... and "
            "REDIS_URL=redis://... (make test does; bash scripts/services.sh starts both)"
        )


@pytest.fixture(autouse=True)
def _isolated_redis_keys(settings) -> Iterator[str]:
    """A key prefix of its own for this test's channel groups and cache keys (Redis is shared)."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                **settings.CHANNEL_LAYERS["default"]["CONFIG"],
                "prefix": f"{prefix}:channels",
            },
        }
    }
    caches = dict(settings.CACHES)
    caches["default"] = {**caches["default"], "KEY_PREFIX": prefix}
    settings.CACHES = caches
    yield prefix
    # channels_redis leaves a "$inflight" backup key (no expiry) when a receive is cancelled at disconnect.
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture(autouse=True)
def _celery_eager() -> Iterator[None]:
    """Tasks run in the calling thread unless a test starts a real Celery worker."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = False  # True would break eager retries; .get() raises anyway
    yield
    celery_app.conf.task_always_eager = False


# --- webhooks and the worker ------------------------------------------------------------------------


@pytest.fixture
def worker_key(db) -> WorkerKey:
    """worker-1, registered with a key of its own: the tests' events and auth-state calls come from it."""
    return register_worker("worker-1")


@pytest.fixture
def sender(worker_key) -> Sender:
    return Sender(Client(), worker_key)


@pytest.fixture
def stand_in_worker() -> Iterator[StandInWorker]:
    worker = StandInWorker("worker-1")
    yield worker
    worker.close()


@pytest.fixture
def worker_node(worker_key, stand_in_worker) -> WorkerNode:
    """worker-1 at the stand-in worker's address, alive, capacity 10."""
    WorkerNode.objects.filter(pk="worker-1").update(base_url=stand_in_worker.base_url, last_heartbeat_at=timezone.now())
    return WorkerNode.objects.get(pk="worker-1")


@pytest.fixture
def staff_client(db) -> Client:
    """A superuser signed in to the admin."""
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", None))
    return client
