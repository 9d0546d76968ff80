"""The sessions' auth states, kept off the workers so that any worker can open a session without a QR.

A worker stores its session's state (the browser's storage state, gzip'd JSON) under its lease: only the
authenticated worker that holds the session's current lease may store or read it, so no other worker can read a
tenant's credentials, and a worker cut off from the backend, or one that lost the session to another, can never
overwrite it. A logout, a failure or a delete ends the lease: no later upload is stored. At rest it is encrypted
with SESSION_STATE_KEYS (``cryptography``'s MultiFernet: the first key encrypts, every key decrypts). Logout and
delete wipe it (backend/accounts/services/endings.py, in their own transactions).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import transaction

from backend import audit
from backend.accounts.errors import ServiceError
from backend.accounts.models import WhatsAppAccount
from backend.accounts.services.locks import account_lock
from backend.fleet.models import SessionAuthState
from shared.gunzip import Refused, gunzip, inflate_limit

log = logging.getLogger(__name__)

LAYOUTS = ("shared", "profile")


class AuthStateError(ServiceError):
    """``status`` is the HTTP answer's; ``code`` its ``error``."""

    status = 400
    code = "invalid_state"


class NotLeaseHolder(AuthStateError):
    """Not the lease holder's to read or write: another worker's session, one that ended (logged out, failed,
    deleted: its lease ended with it), or none at all. It does not say which, nor the current epoch."""

    status, code = 403, "not_lease_holder"


class NoStoredState(AuthStateError):
    status, code = 404, "no_state"

    def __init__(self, message: str, *, lease_remaining_ms: int) -> None:
        super().__init__(message)
        self.lease_remaining_ms = lease_remaining_ms


class StaleEpoch(AuthStateError):
    status, code = 409, "stale_epoch"


class StateTooLarge(AuthStateError):
    status, code = 413, "too_large"


class StateCorrupt(AuthStateError):
    status, code = 400, "corrupt_state"


class StateUnreadable(AuthStateError):
    """Stored, but no key of SESSION_STATE_KEYS decrypts it (a key was dropped before its states were rotated)."""

    status, code = 500, "state_unreadable"


@dataclasses.dataclass(frozen=True)
class StoredState:
    data: bytes  # the gzip'd state as the worker sent it; empty when the caller's copy is current
    version: int
    sha256: str
    layout: str
    lease_remaining_ms: int  # of the caller's lease, as of now


def _cipher() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.SESSION_STATE_KEYS])


def _checked(data: bytes) -> None:
    """Refuse what is too large, or not a gzip'd storage state (``{"cookies": [...], "origins": [...]}``)."""
    limit = settings.SESSION_STATE_MAX_BYTES
    if len(data) > limit:
        raise StateTooLarge(f"the state is {len(data)} bytes; SESSION_STATE_MAX_BYTES is {limit}")
    try:
        state = json.loads(gunzip(data, limit=inflate_limit(len(data))))
    except Refused as exc:
        raise StateCorrupt(f"the state is refused: {exc}") from None
    except (ValueError, RecursionError):
        raise StateCorrupt("the state is not JSON once decompressed") from None
    if not (
        isinstance(state, dict) and isinstance(state.get("cookies"), list) and isinstance(state.get("origins"), list)
    ):
        raise StateCorrupt('the state must be a storage state: {"cookies": [...], "origins": [...]}')


_NOT_YOURS = "this worker does not hold the session's lease; stop driving it"


def _holds(account: WhatsAppAccount | None, worker_id: str) -> bool:
    """``worker_id`` holds the account's lease, and the lease still runs (logout, failure and delete end it)."""
    return (
        account is not None
        and not account.is_deleted
        and account.worker_id == worker_id
        and WhatsAppAccount.live.should_run().filter(pk=account.pk).exists()
    )


def _check_holder(*, session_id: str, worker_id: str, epoch: int) -> WhatsAppAccount:
    """The session's account if ``worker_id`` holds its lease at ``epoch`` (read without a lock: the cheap check
    before anything is inflated); NotLeaseHolder or StaleEpoch otherwise, the refusal audited."""
    account = WhatsAppAccount.objects.filter(session_id=session_id).first()
    if not _holds(account, worker_id):
        holder = "no live account has it" if account is None or account.is_deleted else "not its lease"
        audit.refused(worker_id=worker_id, what="auth state", session_id=session_id, why=holder)
        raise NotLeaseHolder(_NOT_YOURS)
    if account.lease_epoch != epoch:
        audit.refused(worker_id=worker_id, what="auth state", session_id=session_id, why=f"epoch {epoch} is old")
        raise StaleEpoch("not the session's current lease; stop driving it")
    return account


def _locked_holder(*, session_id: str, worker_id: str, epoch: int) -> WhatsAppAccount:
    """As ``_check_holder``, with the account locked: the lease cannot move until the transaction ends."""
    ref = _check_holder(session_id=session_id, worker_id=worker_id, epoch=epoch)
    _, account = account_lock(account_id=ref.pk, workspace_id=ref.workspace_id)
    if not _holds(account, worker_id) or account.lease_epoch != epoch:
        raise NotLeaseHolder(_NOT_YOURS)
    return account


@transaction.atomic
def auth_state_store(*, session_id: str, worker_id: str, epoch: int, layout: str, data: bytes) -> SessionAuthState:
    """Keep ``data`` (gzip'd storage-state JSON) as the session's auth state, if ``worker_id`` holds its lease at
    ``epoch``: checked before the state is inflated, and again under the account's lock; an unchanged state is
    not written."""
    if layout not in LAYOUTS:
        raise StateCorrupt(f"layout must be one of {', '.join(LAYOUTS)}")
    _check_holder(session_id=session_id, worker_id=worker_id, epoch=epoch)
    _checked(data)
    account = _locked_holder(session_id=session_id, worker_id=worker_id, epoch=epoch)
    digest = hashlib.sha256(data).hexdigest()
    current = SessionAuthState.objects.filter(account=account).first()
    if current is not None and current.sha256 == digest:
        return current
    ciphertext = _cipher().encrypt(data)
    if current is None:
        current = SessionAuthState(account=account, version=0)
    current.ciphertext, current.layout, current.size, current.sha256 = ciphertext, layout, len(data), digest
    current.version += 1
    current.epoch = epoch
    current.save()
    log.info("session %s: auth state v%s stored (%s bytes, epoch %s)", session_id, current.version, len(data), epoch)
    return current


@transaction.atomic
def auth_state_read(*, session_id: str, worker_id: str, epoch: int, known_sha256: str = "") -> StoredState:
    """The session's auth state for ``worker_id``, the holder of its lease at ``epoch``; no data when
    ``known_sha256`` is current."""
    account = _locked_holder(session_id=session_id, worker_id=worker_id, epoch=epoch)
    stored = SessionAuthState.objects.filter(account=account).first()
    remaining = account.lease_remaining_ms()
    if stored is None:
        raise NoStoredState(f"no auth state is stored for session {session_id}", lease_remaining_ms=remaining)
    if known_sha256 and known_sha256 == stored.sha256:
        return StoredState(b"", stored.version, stored.sha256, stored.layout, remaining)
    try:
        data = _cipher().decrypt(bytes(stored.ciphertext))
    except InvalidToken:
        log.error(
            "session %s: ITS AUTH STATE CANNOT BE DECRYPTED: it was encrypted with a key not in SESSION_STATE_KEYS "
            "(restore the old key, or the session needs a new QR)",
            session_id,
        )
        raise StateUnreadable("the auth state was encrypted with a key not in SESSION_STATE_KEYS") from None
    return StoredState(data, stored.version, stored.sha256, stored.layout, remaining)


def auth_state_wipe(*, account: WhatsAppAccount) -> None:
    """Forget the session's auth state (logout, delete, a new session for the account)."""
    if SessionAuthState.objects.filter(account=account).delete()[0]:
        log.info("session %s: auth state wiped", account.session_id)


def auth_states_rotate() -> int:
    """Encrypt every stored state with the first key of SESSION_STATE_KEYS; how many were rewritten. A state no
    key decrypts is left as it is (and logged)."""
    cipher = _cipher()
    rotated = 0
    for pk in SessionAuthState.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            stored = SessionAuthState.objects.select_for_update().filter(pk=pk).first()
            if stored is None:
                continue
            try:
                stored.ciphertext = cipher.rotate(bytes(stored.ciphertext))
            except InvalidToken:
                log.error("auth state of account %s: no key of SESSION_STATE_KEYS decrypts it, left as it is", pk)
                continue
            stored.save(update_fields=["ciphertext", "updated_at"])
            rotated += 1
    return rotated
