"""The session workers the backend knows, and the sessions' auth states kept off them.

A worker is registered and refreshed by its heartbeats; the sessions it holds are the accounts whose lease
(``WhatsAppAccount.worker``, ``lease_epoch``, ``lease_expires_at``) names it (services/leases.py).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone


class WorkerNode(models.Model):
    """A session worker, registered by an operator (`manage.py worker_register`, or the admin): its name, the URL
    of its API and its capacity are the operator's, never a heartbeat's. It proves who it is with its own Ed25519
    key: the backend keeps only the public half (two during a rotation). A revoked worker is refused at once."""

    id = models.CharField(primary_key=True, max_length=128)
    base_url = models.CharField(max_length=512)
    capacity = models.PositiveIntegerField(default=0)
    # whpk_ public keys, space-separated: the worker's signatures are checked with these (at most two: a rotation).
    public_keys = models.TextField(blank=True, default="")
    revoked_at = models.DateTimeField(null=True, blank=True)
    reported_sessions = models.PositiveIntegerField(default=0)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    is_alive = models.BooleanField(default=True)
    # Draining (`manage.py worker_drain`): it takes no new session and its sessions move off it.
    draining = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.id

    @property
    def keys(self) -> list[str]:
        return self.public_keys.split()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def heartbeat_age(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        if self.last_heartbeat_at is None:
            return None
        return (now or timezone.now()) - self.last_heartbeat_at


class SessionAuthState(models.Model):
    """What a worker needs to open the session elsewhere without a QR: the browser's storage state (cookies,
    localStorage, IndexedDB) as the worker sent it, gzip'd, encrypted at rest with SESSION_STATE_KEYS
    (services/auth_state.py). One per account; wiped when the account logs out or is deleted."""

    account = models.OneToOneField(
        "accounts.WhatsAppAccount", primary_key=True, on_delete=models.CASCADE, related_name="auth_state"
    )
    ciphertext = models.BinaryField()
    layout = models.CharField(max_length=16)  # the uploading worker's SESSION_LAYOUT (either layout opens it)
    size = models.PositiveIntegerField()  # bytes of the gzip'd state, before encryption
    sha256 = models.CharField(max_length=64)  # of those bytes: an unchanged state is not stored again
    version = models.PositiveIntegerField(default=1)  # +1 per stored change
    epoch = models.BigIntegerField()  # the lease epoch of the upload
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"auth state of {self.account_id} v{self.version} ({self.size} bytes)"
