"""`make run`'s Celery broker (no broker server): kombu's SQLAlchemy transport on a SQLite file under VAR_DIR.

A message is a row committed in one transaction, and the consumer claims it in an immediate transaction, so no
process ever reads half of one (kombu's filesystem transport let the worker read a file still being written: it
crashed on a JSONDecodeError and the task was lost). Production and the tests use Redis.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

from kombu.transport import sqlalchemy
from sqlalchemy.exc import IntegrityError, OperationalError


class Channel(sqlalchemy.Channel):
    """kombu's channel, safe when several processes (daphne, the Celery worker, beat) start publishing at once.

    kombu guards its "create the tables" and "create the queue row" steps with a lock of one process only, so two
    processes declaring the queue together both insert it and one fails on the unique name (seen in CI: a publish
    raised IntegrityError and its task was lost). The loser now finds the winner's row or tables instead."""

    def _open(self):
        try:
            return super()._open()
        except OperationalError as error:  # "table kombu_queue already exists": another process created it
            if "already exists" not in str(error):
                raise
            return super()._open()

    def _get_or_create(self, queue):
        try:
            return super()._get_or_create(queue)
        except IntegrityError:  # another process inserted this queue between our look and our insert
            self.session.rollback()
            return super()._get_or_create(queue)


class Transport(sqlalchemy.Transport):
    Channel = Channel

    # kombu's 1 s would add up to a second to every "Connect". A class attribute: this transport hands its
    # transport options to SQLAlchemy's create_engine, which refuses unknown ones.
    polling_interval = 0.1


def broker_file(path: str) -> str:
    """Puts the broker's SQLite file in WAL mode (kept in the file): publishers and the consumer then wait on each
    other less, which matters on a busy machine. Its journal files take the file's mode (owner-only)."""
    with closing(sqlite3.connect(path, timeout=60)) as db:
        db.execute("PRAGMA journal_mode=WAL")
    return path
