"""The worker's durable state: a SQLite file in SESSION_DATA_DIR (WAL, synchronous=FULL).

- ``sessions``: every session this worker was told to run, its workspace, what it was last left as
  (``desired``, a :class:`DesiredState`: a record for the operator; what runs after a restart is what the
  leases say, session_worker/leases.py), its event ``sequence``, which only grows, and the highest lease
  epoch this worker has seen for it (``highest_epoch``: anything older is refused, after a restart too).
- ``outbox``: every event, written (and fsynced) before anything is sent; rows leave ``pending`` for
  ``delivered`` or ``dead`` (a 4xx that retrying cannot fix).

All access goes through one thread, so the event loop never waits on a disk flush.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import os
import sqlite3
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from shared.events import Event, make_event

T = TypeVar("T")


class DesiredState(enum.StrEnum):
    """What a session was last left as on this worker, kept across its restarts."""

    RUNNING = "running"  # started, and not ended since
    STOPPED = "stopped"  # stopped (on request, fenced, released) or ended keeping its auth (QR limit, conflict)
    LOGGED_OUT = "logged_out"  # logged out, its auth wiped


SCHEMA = f"""
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    desired TEXT NOT NULL DEFAULT '{DesiredState.RUNNING}',
    sequence INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    highest_epoch INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS outbox (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL,
    type TEXT NOT NULL,
    body BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    delivered_at REAL
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (session_id, position) WHERE status = 'pending';
"""

HEARTBEAT_KEY = ""  # the sequence row of events that belong to no session


@dataclasses.dataclass(frozen=True)
class SessionRecord:
    session_id: str
    workspace_id: str
    desired: DesiredState
    sequence: int


@dataclasses.dataclass(frozen=True)
class OutboxRow:
    position: int
    event_id: str
    session_id: str
    type: str
    body: bytes
    attempts: int


def _session_record(row: tuple) -> SessionRecord:
    session_id, workspace_id, desired, sequence = row
    return SessionRecord(session_id, workspace_id, DesiredState(desired), sequence)


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self._db: sqlite3.Connection | None = None

    async def open(self) -> None:
        await self._run(self._open)

    async def close(self) -> None:
        await self._run(self._close)
        self._executor.shutdown(wait=True)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _open(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Owner-only before SQLite opens it (it holds QR strings): its -wal and -shm files take the same mode.
        os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(SCHEMA)
        columns = {row[1] for row in db.execute("PRAGMA table_info(sessions)")}
        if "highest_epoch" not in columns:  # a store made before epochs were kept
            db.execute("ALTER TABLE sessions ADD COLUMN highest_epoch INTEGER NOT NULL DEFAULT 0")
        self._db = db

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        assert self._db is not None, "the store is not open"
        return self._db

    # -- sessions -------------------------------------------------------------------------------------------

    async def session_upsert(
        self, *, session_id: str, workspace_id: str, desired: DesiredState, epoch: int = 0
    ) -> SessionRecord:
        """Record the session, and ``epoch`` as seen (its highest epoch only grows)."""
        return await self._run(self._session_upsert, session_id, workspace_id, desired, epoch)

    def _session_upsert(self, session_id: str, workspace_id: str, desired: DesiredState, epoch: int) -> SessionRecord:
        self.db.execute(
            "INSERT INTO sessions (session_id, workspace_id, desired, created_at, highest_epoch) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET workspace_id = excluded.workspace_id, "
            "desired = excluded.desired, highest_epoch = max(highest_epoch, excluded.highest_epoch)",
            (session_id, workspace_id, desired.value, time.time(), epoch),
        )
        found = self._session_get(session_id)
        assert found is not None
        return found

    async def session_set_desired(self, *, session_id: str, desired: DesiredState) -> None:
        await self._run(
            lambda: self.db.execute("UPDATE sessions SET desired = ? WHERE session_id = ?", (desired.value, session_id))
        )

    async def session_epochs(self) -> dict[str, int]:
        """The highest lease epoch seen of every session that has one."""
        rows = await self._run(
            lambda: self.db.execute("SELECT session_id, highest_epoch FROM sessions WHERE highest_epoch > 0").fetchall()
        )
        return dict(rows)

    async def session_get(self, session_id: str) -> SessionRecord | None:
        return await self._run(self._session_get, session_id)

    def _session_get(self, session_id: str) -> SessionRecord | None:
        row = self.db.execute(
            "SELECT session_id, workspace_id, desired, sequence FROM sessions WHERE session_id = ?", (session_id,)
        ).fetchone()
        return _session_record(row) if row else None

    # -- outbox ---------------------------------------------------------------------------------------------

    async def event_enqueue(
        self,
        *,
        type: str,
        session_id: str,
        workspace_id: str,
        worker_id: str,
        data: Mapping[str, Any],
        epoch: int = 0,
    ) -> Event:
        """Take the session's next sequence and write the event, stamped with the session's lease ``epoch``, in
        one fsynced transaction."""
        return await self._run(self._event_enqueue, type, session_id, workspace_id, worker_id, dict(data), epoch)

    def _event_enqueue(
        self, type: str, session_id: str, workspace_id: str, worker_id: str, data: dict, epoch: int
    ) -> Event:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                "INSERT INTO sessions (session_id, workspace_id, desired, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (session_id) DO NOTHING",
                (session_id, workspace_id, DesiredState.RUNNING.value, time.time()),
            )
            (sequence,) = db.execute(
                "UPDATE sessions SET sequence = sequence + 1 WHERE session_id = ? RETURNING sequence", (session_id,)
            ).fetchone()
            event = make_event(
                type=type,
                session_id=session_id,
                workspace_id=workspace_id,
                worker_id=worker_id,
                sequence=sequence,
                data=data,
                epoch=epoch,
            )
            db.execute(
                "INSERT INTO outbox (event_id, session_id, type, body, created_at) VALUES (?, ?, ?, ?, ?)",
                (event.id, session_id, type, event.to_json(), time.time()),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return event

    async def outbox_next(self, session_id: str) -> OutboxRow | None:
        def query() -> OutboxRow | None:
            row = self.db.execute(
                "SELECT position, event_id, session_id, type, body, attempts FROM outbox "
                "WHERE session_id = ? AND status = 'pending' ORDER BY position LIMIT 1",
                (session_id,),
            ).fetchone()
            return OutboxRow(*row) if row else None

        return await self._run(query)

    async def outbox_pending_sessions(self) -> list[str]:
        def query() -> list[str]:
            rows = self.db.execute("SELECT DISTINCT session_id FROM outbox WHERE status = 'pending'").fetchall()
            return [row[0] for row in rows]

        return await self._run(query)

    async def outbox_depth(self) -> int:
        return await self._run(
            lambda: self.db.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]
        )

    async def outbox_mark(self, *, position: int, status: str, error: str = "") -> None:
        def update() -> None:
            self.db.execute(
                "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?, delivered_at = ? "
                "WHERE position = ?",
                (status, error[:1000], time.time() if status == "delivered" else None, position),
            )

        await self._run(update)

    async def outbox_prune(self, *, older_than_s: float) -> int:
        def delete() -> int:
            cursor = self.db.execute(
                "DELETE FROM outbox WHERE status = 'delivered' AND delivered_at < ?", (time.time() - older_than_s,)
            )
            return cursor.rowcount

        return await self._run(delete)

    async def sequence_next(self, session_id: str) -> int:
        """Take the next sequence of ``session_id`` (the heartbeat's row for ``HEARTBEAT_KEY``)."""

        def update() -> int:
            self.db.execute(
                "INSERT INTO sessions (session_id, workspace_id, desired, created_at) VALUES (?, '', ?, ?) "
                "ON CONFLICT (session_id) DO NOTHING",
                (session_id, DesiredState.STOPPED.value, time.time()),
            )
            row = self.db.execute(
                "UPDATE sessions SET sequence = sequence + 1 WHERE session_id = ? RETURNING sequence", (session_id,)
            ).fetchone()
            return int(row[0])

        return await self._run(update)
