"""`make run`'s embedded broker (backend/broker.py): processes that start together (daphne, the Celery worker and
beat) each prepare the broker as they load their settings, and then publish at once. kombu alone raced there (two
processes inserted the queue's row, one publish failed on the unique name and its task was lost, in CI); prepared
one process at a time under a file lock, every process gets through and every message lands in the one queue."""

from __future__ import annotations

import multiprocessing
import sqlite3
from contextlib import closing

import pytest

from backend.broker import Transport, broker_prepare

PROCESSES, ROUNDS = 4, 10  # each round, every process prepares a new queue at the same moment

# kombu's models use a loader strategy SQLAlchemy 2.1 deprecates (kombu's to change; harmless for this table)
pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy:DeprecationWarning")


def _start_and_publish(path: str, barrier, results) -> None:
    import warnings

    warnings.simplefilter("ignore", DeprecationWarning)
    from kombu import Connection

    outcome = "ok"
    for round_ in range(ROUNDS):
        barrier.wait(timeout=120)  # every process starts the round at the same moment
        try:
            broker_prepare(path, queue=f"queue-{round_}")
            with Connection(f"sqlite:///{path}", transport=Transport) as connection:
                connection.SimpleQueue(f"queue-{round_}").put({"body": "task"})
        except Exception as exc:  # reported to the test, which shows it
            outcome = f"round {round_}: {type(exc).__name__}: {exc}"
    results.put(outcome)


def test_processes_starting_together_all_publish_into_the_one_queue(tmp_path):
    path = str(tmp_path / "broker.sqlite3")
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    processes = [context.Process(target=_start_and_publish, args=(path, barrier, results)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(60)
    assert outcomes == ["ok"] * PROCESSES
    with closing(sqlite3.connect(path)) as db:
        queues = db.execute("SELECT name FROM kombu_queue ORDER BY id").fetchall()
        assert sorted(queues) == sorted((f"queue-{n}",) for n in range(ROUNDS))
        assert db.execute("SELECT COUNT(*) FROM kombu_message").fetchone() == (PROCESSES * ROUNDS,)


def test_the_broker_prepare_is_in_wal_mode_and_private(tmp_path):
    path = tmp_path / "broker.sqlite3"
    broker_prepare(str(path), queue="whatsapp")
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert (tmp_path / "broker.sqlite3.lock").stat().st_mode & 0o077 == 0
