"""Prometheus metrics (docs/operations.md, "Monitoring"): ``GET /metrics``'s optional token, and the directory
the backend's processes on one host share their counts in."""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from backend.env import env_str

# A bearer token ``GET /metrics`` asks for (``Authorization: Bearer <token>``); unset, the private listener's
# network (and loopback) is the only guard. At least 32 URL-safe characters: secrets.token_urlsafe(32).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
if METRICS_TOKEN and not re.fullmatch(r"[A-Za-z0-9_-]{32,}", METRICS_TOKEN):
    raise ImproperlyConfigured(
        "METRICS_TOKEN must be at least 32 URL-safe characters (A-Z a-z 0-9 _ -): "
        'python -c "import secrets; print(secrets.token_urlsafe(32))"'
    )
# prometheus_client's multiprocess mode: gunicorn's workers, daphne and Celery on one host each write their counts
# to files in this directory and ``/metrics`` sums them. Unset: each process counts for itself (make run, tests).
# prometheus_client reads the variable itself, at import: checked here, before any metric is made.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", None)
if PROMETHEUS_MULTIPROC_DIR is not None:
    _metrics_dir = Path(PROMETHEUS_MULTIPROC_DIR)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR") != PROMETHEUS_MULTIPROC_DIR:
        raise ImproperlyConfigured("PROMETHEUS_MULTIPROC_DIR must be set itself (not _FILE), without spaces")
    if not (_metrics_dir.is_absolute() and _metrics_dir.is_dir() and os.access(_metrics_dir, os.W_OK | os.X_OK)):
        raise ImproperlyConfigured(
            f"PROMETHEUS_MULTIPROC_DIR={PROMETHEUS_MULTIPROC_DIR!r} must be an absolute path to a directory this "
            "process can write (install -d -m 0700 it first)"
        )
