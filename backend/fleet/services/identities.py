"""Who a worker is: registered by an operator with its URL, capacity and Ed25519 key; its key rotated (two at once
while the worker changes over); revoked at once. Every request of a worker is authenticated here: the worker names
itself (``x-worker-id``) and signs with its key, the backend checks the signature with the public keys it keeps.

The private key is made here and shown once (or made on the worker's machine and only its public half given:
``public_key``); the backend keeps only what verifies it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.accounts.errors import ServiceError
from backend.fleet.models import WorkerNode
from shared import identity
from shared.signing import VerificationError

log = logging.getLogger(__name__)

WORKER_HEADER = "x-worker-id"
WORKER_NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # as the worker's own WORKER_ID
KEYS_KEPT = 2  # the new key and the one it replaces, while the worker changes over


class RegistrationError(ServiceError):
    code = "registration"


class NotAuthenticated(Exception):
    """The request does not prove it comes from a registered, unrevoked worker; ``reason`` says why."""

    def __init__(self, reason: str, detail: str = "", *, worker_id: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.worker_id = worker_id


@dataclass(frozen=True)
class Credentials:
    """What a worker is configured with (shown once): its name, its private key, the backend's command keys."""

    worker_id: str
    signing_key: str  # whsk_..., or "" when the operator brought the public key
    public_key: str


def backend_public_keys() -> list[str]:
    """The public halves of BACKEND_SIGNING_KEYS: what every worker checks the backend's commands with."""
    return [identity.public_of(key) for key in settings.BACKEND_SIGNING_KEYS]


def _checked_name(name: str) -> str:
    if not WORKER_NAME_RE.fullmatch(name):
        raise RegistrationError("a worker's name is 1 to 64 of A-Z a-z 0-9 _ - (its WORKER_ID)")
    return name


def _checked_url(url: str) -> str:
    if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", url):
        raise RegistrationError(f"the worker's URL must be an http(s) URL, got {url!r}")
    return url.rstrip("/")


def _key_pair(public_key: str | None) -> tuple[str, str]:
    if public_key is None:
        pair = identity.new_key_pair()
        return pair.private, pair.public
    try:
        identity.public_key(public_key)
    except ValueError as exc:
        raise RegistrationError(f"not a worker's public key: {exc}") from None
    return "", public_key


def worker_check(*, name: str, url: str, capacity: int, public_key: str | None = None) -> None:
    """RegistrationError if these cannot be a worker's: its name, URL, capacity and (when given) public key."""
    _checked_name(name)
    _checked_url(url)
    if capacity < 1:
        raise RegistrationError("a worker's capacity is 1 or more sessions")
    if public_key is not None:
        _key_pair(public_key)


@transaction.atomic
def worker_register(*, name: str, url: str, capacity: int, public_key: str | None = None) -> Credentials:
    """A new worker (a name not registered before) with a key pair made here, or the public key it brought."""
    worker_check(name=name, url=url, capacity=capacity)
    url = url.rstrip("/")
    if WorkerNode.objects.filter(pk=name).exists():
        raise RegistrationError(f"worker {name!r} is registered already (change it with --update, its key with rotate)")
    private, public = _key_pair(public_key)
    WorkerNode.objects.create(id=name, base_url=url, capacity=capacity, public_keys=public, is_alive=False)
    log.warning("worker %s: registered at %s (capacity %s) by an operator", name, url, capacity)
    return Credentials(worker_id=name, signing_key=private, public_key=public)


@transaction.atomic
def worker_register_as(*, name: str, url: str, capacity: int, public_key: str) -> WorkerNode:
    """Register the worker, or set a registered one to exactly this URL, capacity and key (`make run`'s workers,
    whose keys it keeps: idempotent, every start)."""
    worker_check(name=name, url=url, capacity=capacity, public_key=public_key)
    worker = WorkerNode.objects.select_for_update().filter(pk=name).first()
    if worker is None:
        worker_register(name=name, url=url, capacity=capacity, public_key=public_key)
        return WorkerNode.objects.get(pk=name)
    worker.base_url, worker.capacity, worker.public_keys = url.rstrip("/"), capacity, public_key
    worker.save(update_fields=["base_url", "capacity", "public_keys"])
    return worker


@transaction.atomic
def worker_update(*, name: str, url: str | None = None, capacity: int | None = None) -> WorkerNode:
    """Change a registered worker's URL or capacity (an operator's act; a heartbeat never does)."""
    worker = WorkerNode.objects.select_for_update().get(pk=name)
    if url is not None:
        worker.base_url = _checked_url(url)
    if capacity is not None:
        if capacity < 1:
            raise RegistrationError("a worker's capacity is 1 or more sessions")
        worker.capacity = capacity
    worker.save(update_fields=["base_url", "capacity"])
    log.warning("worker %s: now at %s (capacity %s), by an operator", name, worker.base_url, worker.capacity)
    return worker


@transaction.atomic
def worker_rotate_key(*, name: str, public_key: str | None = None) -> Credentials:
    """A new key for the worker, accepted beside the one it replaces until ``worker_retire_old_keys``."""
    worker = WorkerNode.objects.select_for_update().get(pk=name)
    private, public = _key_pair(public_key)
    worker.public_keys = " ".join([public, *worker.keys][:KEYS_KEPT])
    worker.save(update_fields=["public_keys"])
    log.warning("worker %s: a new key (the old one still accepted until it is retired)", name)
    return Credentials(worker_id=name, signing_key=private, public_key=public)


@transaction.atomic
def worker_retire_old_keys(*, name: str) -> WorkerNode:
    """Keep only the newest key: the worker signs with it now."""
    worker = WorkerNode.objects.select_for_update().get(pk=name)
    worker.public_keys = " ".join(worker.keys[:1])
    worker.save(update_fields=["public_keys"])
    log.warning("worker %s: old keys retired", name)
    return worker


@transaction.atomic
def worker_revoke(*, name: str) -> WorkerNode:
    """Refuse the worker from now on (every request 401) and treat it as dead: its sessions move to the others,
    opened from their stored auth states (no QR), once their leases run out, which it can no longer renew."""
    worker = WorkerNode.objects.select_for_update().get(pk=name)
    if worker.revoked_at is None:
        worker.revoked_at = timezone.now()
        worker.is_alive = False
        worker.save(update_fields=["revoked_at", "is_alive"])
        log.warning("worker %s: REVOKED by an operator; its sessions move to other workers", name)
    return worker


def worker_authenticate(*, headers: Mapping[str, str], content: bytes) -> WorkerNode:
    """The registered, unrevoked worker that signed ``content`` (the raw body, or a request's signed content);
    NotAuthenticated otherwise."""
    name = ""
    for key, value in headers.items():
        if key.lower() == WORKER_HEADER:
            name = value
    if not WORKER_NAME_RE.fullmatch(name):
        raise NotAuthenticated("unknown worker", f"{WORKER_HEADER} must name a registered worker")
    worker = WorkerNode.objects.filter(pk=name).first()
    if worker is None or not worker.keys:
        raise NotAuthenticated("unknown worker", f"no registered worker {name!r} has a key", worker_id=name)
    if worker.is_revoked:
        raise NotAuthenticated("revoked worker", f"worker {name!r} was revoked", worker_id=name)
    try:
        identity.verify(worker.keys, headers, content)
    except VerificationError as exc:
        raise NotAuthenticated(exc.reason.value, exc.detail, worker_id=name) from None
    return worker
