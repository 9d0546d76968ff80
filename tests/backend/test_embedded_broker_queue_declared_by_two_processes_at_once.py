"""`make run`'s embedded broker (backend/broker.py): when another process creates the queue's row between this
process's look and its insert (daphne, the Celery worker and beat all declare the queue as they start), the publish
still goes through, into that one queue. kombu's own channel raised IntegrityError there and the task was lost (a CI
run of test_embedded_broker_delivers_every_task_once.py). The other process is a second SQLite connection that
inserts the row just before this channel's insert, the moment the race hits."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from kombu import Connection
from kombu.transport import sqlalchemy as kombu_sqlalchemy
from sqlalchemy import create_engine

from backend.broker import Channel, broker_file

# kombu's models use a loader strategy SQLAlchemy 2.1 deprecates (kombu's to change; harmless for this table)
pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy:DeprecationWarning")


def other_process_declares(path, queue: str) -> None:
    with closing(sqlite3.connect(path, timeout=30)) as db, db:
        db.execute("INSERT INTO kombu_queue (name) VALUES (?)", (queue,))


@pytest.fixture
def channel(tmp_path, monkeypatch):
    path = broker_file(str(tmp_path / "broker.sqlite3"))
    monkeypatch.setattr(kombu_sqlalchemy.Channel, "_engines", {})  # kombu caches engines per URL, process-wide
    with Connection(f"sqlite:///{path}", transport="backend.broker:Transport") as connection:
        channel = connection.channel()
        channel._open()  # the tables, as the first publish creates them
        session_add = channel.session.add

        def add_after_the_other_process(obj):
            if isinstance(obj, channel.queue_cls):
                other_process_declares(path, obj.name)
            session_add(obj)

        monkeypatch.setattr(channel.session, "add", add_after_the_other_process)
        yield channel, path


def test_the_transport_uses_the_race_safe_channel(channel):
    assert isinstance(channel[0], Channel)


def test_a_publish_racing_another_declare_lands_in_the_one_queue(channel):
    channel, path = channel
    channel._put("whatsapp", {"body": "task"})
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT name FROM kombu_queue").fetchall() == [("whatsapp",)]
        assert db.execute("SELECT COUNT(*) FROM kombu_message").fetchone() == (1,)
    assert channel._size("whatsapp") == 1


def test_tables_created_by_another_process_meanwhile_are_used(tmp_path, monkeypatch):
    path = broker_file(str(tmp_path / "broker.sqlite3"))
    monkeypatch.setattr(kombu_sqlalchemy.Channel, "_engines", {})
    create_all, calls = kombu_sqlalchemy.metadata.create_all, []

    def after_the_other_process(engine, **kwargs):
        if not calls:  # the first time: the other process creates the tables between our check and our CREATE
            create_all(create_engine(f"sqlite:///{path}"))
            kwargs["checkfirst"] = False
        calls.append(engine)
        create_all(engine, **kwargs)

    monkeypatch.setattr(kombu_sqlalchemy.metadata, "create_all", after_the_other_process)
    with Connection(f"sqlite:///{path}", transport="backend.broker:Transport") as connection:
        channel = connection.channel()
        channel._put("whatsapp", {"body": "task"})
        assert channel._size("whatsapp") == 1
    assert len(calls) == 2
