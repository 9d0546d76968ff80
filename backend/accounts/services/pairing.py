"""Link with phone number instead: a pairing code from the account's worker.

No lock and no write: the code is shown to the user and the link arrives as the usual webhooks. A coroutine,
unlike the other services, because it waits on the network for up to WORKER_REQUEST_TIMEOUT_S: while it
waits it holds neither a thread nor a database connection (the pool has DATABASE_POOL_MAX of them, and a
few slow workers would otherwise starve every other request of one).
"""

from __future__ import annotations

import logging

from asgiref.sync import sync_to_async
from django.db import connection

from backend.accounts.errors import AccountStateConflict, WorkerUnavailable
from backend.accounts.models import AccountStatus, WhatsAppAccount
from backend.fleet.worker_client import WorkerClient, WorkerError

log = logging.getLogger(__name__)


@sync_to_async
def _account_then_release_connection(account_id: int) -> WhatsAppAccount:
    """The account with its worker; then this thread's database connection goes back to the pool, before the
    wait (a transaction in progress, as in a test, keeps it)."""
    account = WhatsAppAccount.objects.select_related("worker").get(pk=account_id)
    if not connection.in_atomic_block:
        connection.close()
    return account


async def account_request_pairing_code(*, account_id: int, phone_number: str) -> str:
    """Ask the account's worker for a pairing code for ``phone_number`` (digits, E.164 without "+")."""
    account = await _account_then_release_connection(account_id)
    if account.is_deleted or account.status != AccountStatus.QR_SCANNING:
        raise AccountStateConflict(f"the account is {account.status}: a pairing code needs a session waiting to link")
    if account.worker is None:
        raise WorkerUnavailable("the account has no session worker yet")
    try:
        return await WorkerClient(account.worker).request_pairing_code(
            session_id=account.session_id, phone_number=phone_number
        )
    except WorkerError as exc:
        log.warning("session %s: pairing code refused by worker %s: %s", account.session_id, account.worker_id, exc)
        if exc.retryable:
            raise WorkerUnavailable("the session worker is unavailable; try again in a moment") from None
        raise AccountStateConflict(f"the session cannot give a pairing code now ({exc.reason or exc.status})") from None
