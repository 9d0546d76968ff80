"""The phone's record of linked devices, in SQLite so that a simulator restart keeps them.

A device is created when a QR code (or a pairing code) is accepted. The page keeps ``device_id`` and the
``secret`` and presents them when it connects; the registry keeps only a hash of the secret.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
import secrets
import sqlite3
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    pushname TEXT NOT NULL,
    platform TEXT NOT NULL,
    lid TEXT NOT NULL,
    linked_at REAL NOT NULL,
    logged_out INTEGER NOT NULL DEFAULT 0
)
"""


class UnknownDevice(LookupError):
    pass


@dataclasses.dataclass(frozen=True, kw_only=True)
class Device:
    device_id: str
    phone_number: str
    pushname: str
    platform: str
    lid: str
    linked_at: float
    logged_out: bool


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Registry:
    def __init__(self, path: Path | None) -> None:
        if path is not None:  # owner-only (device secrets): SQLite's -wal and -shm files take the file's mode
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._db = sqlite3.connect(str(path) if path is not None else ":memory:", isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def device_link(self, *, phone_number: str, pushname: str, platform: str) -> tuple[Device, str]:
        """A new linked device and its secret (given once, to the page)."""
        device_id = "dev_" + secrets.token_hex(8)
        secret = secrets.token_urlsafe(24)
        lid = str(10**14 + secrets.randbelow(9 * 10**14))
        self._db.execute(
            "INSERT INTO devices (device_id, secret_hash, phone_number, pushname, platform, lid, linked_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (device_id, _hash(secret), phone_number, pushname, platform, lid, time.time()),
        )
        return self.device_get(device_id=device_id), secret

    def device_get(self, *, device_id: str) -> Device:
        row = self._db.execute("SELECT * FROM devices WHERE device_id = ?", (device_id,)).fetchone()
        if row is None:
            raise UnknownDevice(device_id)
        return _device(row)

    def device_authenticate(self, *, device_id: str, secret: str) -> Device | None:
        """The device if the credentials are right and it is still linked, else None."""
        row = self._db.execute("SELECT * FROM devices WHERE device_id = ?", (device_id,)).fetchone()
        if row is None or row["logged_out"] or not hmac.compare_digest(row["secret_hash"], _hash(secret)):
            return None
        return _device(row)

    def device_log_out(self, *, device_id: str) -> Device:
        self.device_get(device_id=device_id)
        self._db.execute("UPDATE devices SET logged_out = 1 WHERE device_id = ?", (device_id,))
        return self.device_get(device_id=device_id)

    def devices(self) -> list[Device]:
        return [_device(row) for row in self._db.execute("SELECT * FROM devices ORDER BY linked_at")]


def _device(row: sqlite3.Row) -> Device:
    return Device(
        device_id=row["device_id"],
        phone_number=row["phone_number"],
        pushname=row["pushname"],
        platform=row["platform"],
        lid=row["lid"],
        linked_at=row["linked_at"],
        logged_out=bool(row["logged_out"]),
    )
