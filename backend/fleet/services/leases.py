"""Leases: which worker may drive a session, under which epoch, until when (docs/design.md "Many workers").

A lease lives on the account row: ``worker``, ``lease_epoch`` (the fencing token; +1 at every grant, under the
account's row lock) and ``lease_expires_at`` (SESSION_LEASE_TTL_S after its grant). The worker's heartbeats
renew all its leases at once: a lease runs until SESSION_LEASE_TTL_S after the later of its grant and its
worker's last heartbeat, so a heartbeat writes one worker row, never every account row (and never waits on an
account's lock). The worker stops a session itself a safety margin before that (session_worker/leases.py).

A session moves to another worker (failover.py) only once this lease is gone: no two workers drive one
session.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from backend.accounts.models import WhatsAppAccount
from backend.egress.selectors import accounts_proxies
from backend.egress.services import account_proxy_remember
from backend.fleet.models import SessionAuthState, WorkerNode
from backend.incidents.selectors import whatsapp_web_pin


def worker_leases(*, worker_id: str) -> dict[str, Any]:
    """The heartbeat's answer: every lease the worker holds (the sessions that should run there), each with its
    epoch, workspace, whether the backend has its auth state (``restore``), how long it still runs from now
    (``expires_in_ms``: until SESSION_LEASE_TTL_S after the later of its grant and the worker's last heartbeat) and,
    when it has one, the proxy its browser goes through (``proxy``, backend/egress/; a session the answer starts or
    restarts uses it). A proxy that changed since the session's last start is remembered for its timeline. When an
    operator pinned a WhatsApp Web build (backend/incidents/), ``whatsapp_web_pin`` names it."""
    now = timezone.now()
    heartbeat = WorkerNode.objects.filter(pk=worker_id).values_list("last_heartbeat_at", flat=True).first()
    renewed_until = heartbeat + dt.timedelta(seconds=settings.SESSION_LEASE_TTL_S) if heartbeat else now
    rows = (
        WhatsAppAccount.live.filter(worker_id=worker_id)
        .should_run()
        .annotate(stored=Exists(SessionAuthState.objects.filter(account=OuterRef("pk"))))
        .values_list("session_id", "lease_epoch", "workspace_id", "stored", "lease_expires_at", "pk", "proxy_address")
    )
    rows = list(rows)
    proxies = accounts_proxies(accounts=[(row[5], row[2]) for row in rows])
    leases = {}
    for session_id, epoch, workspace_id, stored, granted_until, account_id, remembered in rows:
        until = max(renewed_until, granted_until or renewed_until)
        remaining_ms = max(0, int((until - now).total_seconds() * 1000))
        leases[session_id] = {
            "epoch": epoch,
            "workspace_id": str(workspace_id),
            "restore": stored,
            "expires_in_ms": remaining_ms,
        }
        proxy = proxies.get(account_id)
        if proxy is not None:
            leases[session_id]["proxy"] = proxy.to_wire()
        if (proxy.address if proxy else "") != remembered:
            account_proxy_remember(account_id=account_id, session_id=session_id, address=proxy.address if proxy else "")
    answer: dict[str, Any] = {"lease_ttl_s": settings.SESSION_LEASE_TTL_S, "leases": leases}
    pin = whatsapp_web_pin()
    if pin:
        answer["whatsapp_web_pin"] = pin  # the build its sessions load instead of the live page
    return answer
