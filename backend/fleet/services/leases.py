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

from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef

from backend.accounts.models import WhatsAppAccount
from backend.fleet.models import SessionAuthState


def worker_leases(*, worker_id: str) -> dict[str, Any]:
    """The heartbeat's answer: every lease the worker holds (the sessions that should run there), each with
    its epoch, workspace and whether the backend has its auth state (``restore``); they run for ``lease_ttl_s``
    from this answer."""
    rows = (
        WhatsAppAccount.live.filter(worker_id=worker_id)
        .should_run()
        .annotate(stored=Exists(SessionAuthState.objects.filter(account=OuterRef("pk"))))
        .values_list("session_id", "lease_epoch", "workspace_id", "stored")
    )
    leases = {
        session_id: {"epoch": epoch, "workspace_id": str(workspace_id), "restore": stored}
        for session_id, epoch, workspace_id, stored in rows
    }
    return {"lease_ttl_s": settings.SESSION_LEASE_TTL_S, "leases": leases}
