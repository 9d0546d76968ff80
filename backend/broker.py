"""`make run`'s Celery broker (no broker server): kombu's SQLAlchemy transport on a SQLite file under VAR_DIR.

A message is a row committed in one transaction, and the consumer claims it in an immediate transaction, so no
process ever reads half of one (kombu's filesystem transport let the worker read a file still being written: it
crashed on a JSONDecodeError and the task was lost). Production and the tests use Redis.
"""

from __future__ import annotations

from kombu.transport import sqlalchemy


class Transport(sqlalchemy.Transport):
    # kombu's 1 s would add up to a second to every "Connect". A class attribute: this transport hands its
    # transport options to SQLAlchemy's create_engine, which refuses unknown ones.
    polling_interval = 0.1
