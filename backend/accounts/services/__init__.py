"""Writes: one function per state change, keyword-only, named ``<entity>_<action>``.

- ``accounts``: the account's state changes (what the session's events and the users' actions do);
- ``workers``: the workers' registration, reconciliation and death;
- ``primary``: the workspace's primary account;
- ``placement``: which worker runs a session;
- ``pairing``: a pairing code from the account's worker;
- ``limits``: the workspace's limits on accounts and connect attempts;
- ``common``: the errors, the workspace lock and the commands to a worker, shared by the others.

Backend code imports from the submodules. This package re-exports their public functions and errors so that
``from backend.accounts import services; services.account_create(...)`` keeps working (tests, scripts).
"""

from backend.accounts.services.accounts import (
    account_authenticate,
    account_cancel,
    account_connect,
    account_create,
    account_delete,
    account_disconnect,
    account_fail,
    account_logout,
    account_qr_show_if_newer,
    account_qr_update,
    account_reconnect,
    account_sync_progress,
    accounts_expire_stale_qr,
    new_session_id,
)
from backend.accounts.services.common import (
    AccountStateConflict,
    NoWorkerAvailable,
    ServiceError,
    WorkerUnavailable,
)
from backend.accounts.services.limits import LimitReached, workspace_check_connect, workspace_limits
from backend.accounts.services.pairing import account_request_pairing_code
from backend.accounts.services.placement import account_move_to_other_worker, worker_ensure_default, worker_pick
from backend.accounts.services.primary import account_set_primary, workspace_promote_next_primary
from backend.accounts.services.workers import worker_heartbeat, worker_reconcile, workers_mark_dead

__all__ = [
    "AccountStateConflict",
    "LimitReached",
    "NoWorkerAvailable",
    "ServiceError",
    "WorkerUnavailable",
    "account_authenticate",
    "account_cancel",
    "account_connect",
    "account_create",
    "account_delete",
    "account_disconnect",
    "account_fail",
    "account_logout",
    "account_move_to_other_worker",
    "account_qr_show_if_newer",
    "account_qr_update",
    "account_reconnect",
    "account_request_pairing_code",
    "account_set_primary",
    "account_sync_progress",
    "accounts_expire_stale_qr",
    "new_session_id",
    "worker_ensure_default",
    "worker_heartbeat",
    "worker_pick",
    "worker_reconcile",
    "workers_mark_dead",
    "workspace_check_connect",
    "workspace_limits",
    "workspace_promote_next_primary",
]
