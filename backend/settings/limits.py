"""Rates, limits and timings of the webhook, the API, the workspaces and the workers (docs/operations.md)."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from backend.env import env_int, env_rate

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
# When WhatsApp Web changes (docs/operations.md): reports of the same changes from at least INCIDENT_MIN_WORKSPACES
# workspaces within INCIDENT_WINDOW_S open one incident (Connect paused until a session boots clean again).
INCIDENT_WINDOW_S = env_int("INCIDENT_WINDOW_S", 300, minimum=10, maximum=86400)
INCIDENT_MIN_WORKSPACES = env_int("INCIDENT_MIN_WORKSPACES", 2, minimum=1)
if os.environ.get("DEFAULT_WORKER_URL"):
    raise ImproperlyConfigured(
        "DEFAULT_WORKER_URL is gone: an operator registers each worker (manage.py worker_register NAME --url URL "
        "--capacity N), see docs/operations.md"
    )
