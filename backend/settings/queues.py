"""Redis (channel layer, cache, Celery broker) or, without it, `make run`'s embedded stand-ins; Celery and beat."""

from __future__ import annotations

from backend.env import env_str, env_url
from backend.settings.core import VAR_DIR, private_file
from backend.settings.limits import WORKERS_CHECK_INTERVAL_S

# Redis serves the channel layer, the cache (the webhook rate limit) and the Celery broker; without it,
# everything stays in the process or on disk under var/ (for `make run`, a single daphne process).
REDIS_URL = env_url("REDIS_URL", None, schemes=("redis", "rediss"))
KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "wa")
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "whatsapp")
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
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # kombu's SQLAlchemy transport on a SQLite file (backend/broker.py): no half-written message is ever read.
    _broker = private_file(VAR_DIR / "celery-broker.sqlite3")
    CELERY_BROKER_URL = f"sqlite:///{_broker}"  # prepared by make run (backend/broker.py broker_prepare)
    CELERY_BROKER_TRANSPORT = "backend.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {"connect_args": {"timeout": 60}}  # wait for another writer's lock

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
