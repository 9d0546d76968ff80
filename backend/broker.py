"""`make run`'s Celery broker (no broker server): kombu's SQLAlchemy transport on a SQLite file under VAR_DIR.

A message is a row committed in one transaction, and the consumer claims it in an immediate transaction, so no
process ever reads half of one (kombu's filesystem transport let the worker read a file still being written: it
crashed on a JSONDecodeError and the task was lost). Production and the tests use Redis.

kombu creates the broker's tables and the queue's row on first use, guarded by a lock of one process only: daphne,
the Celery worker and beat starting together both inserted the queue, and one publish failed on the unique name
(a task lost). So the broker is prepared before the processes start (``broker_prepare``: `make run` calls it), one
preparer at a time under an exclusive lock on a file beside it, through kombu's public API; from then on kombu
only finds what is there. Not at each process's start: a SQLite connection made there would be inherited by the
beat process Celery forks, which then failed with "locking protocol" and never published again.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import warnings
from contextlib import closing

from kombu import Connection, Exchange, Queue
from kombu.transport import sqlalchemy


class Transport(sqlalchemy.Transport):
    # kombu's 1 s would add up to a second to every "Connect". A class attribute: this transport hands its
    # transport options to SQLAlchemy's create_engine, which refuses unknown ones.
    polling_interval = 0.1


def broker_prepare(path: str, *, queue: str) -> str:
    """Prepare the broker's SQLite file at ``path`` and return it: WAL mode (kept in the file; publishers and the
    consumer then wait on each other less), kombu's tables and ``queue``'s row, made by one process at a time."""
    lock = os.open(f"{path}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with closing(sqlite3.connect(path, timeout=60)) as db:
            # Set once, when the file is new: asking again while other processes use the file made one of them
            # fail with "locking protocol" (and Celery's beat then kept a dead channel).
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
        # kombu's models use a loader strategy SQLAlchemy 2.1 deprecates (kombu's to change; harmless here)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "The ``noload`` loader strategy", DeprecationWarning)
            _declare(path, queue)
    finally:
        os.close(lock)  # releases the lock
    return path


def _declare(path: str, queue: str) -> None:
    options = {"connect_args": {"timeout": 60}}  # wait for another writer's lock
    with Connection(f"sqlite:///{path}", transport=Transport, transport_options=options) as connection:
        Queue(queue, Exchange(queue), routing_key=queue).bind(connection.default_channel).declare()
