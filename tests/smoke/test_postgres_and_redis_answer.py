"""PostgreSQL and Redis, the real parts of the test stack, answer on loopback (no skip when they do not)."""

import os
import uuid

import psycopg
import redis


def test_postgresql_answers_and_runs_a_transaction():
    url = os.environ.get("DATABASE_URL", "postgres://whatsapp:whatsapp@127.0.0.1:5432/whatsapp")
    assert url.startswith("postgres"), f"the tests run on PostgreSQL, DATABASE_URL is {url!r}"
    with psycopg.connect(url, connect_timeout=5) as conn:
        (version,) = conn.execute("SHOW server_version").fetchone()
        assert int(version.split(".")[0]) >= 13
        conn.execute("CREATE TEMP TABLE smoke (id int PRIMARY KEY)")
        conn.execute("INSERT INTO smoke VALUES (1)")
        assert conn.execute("SELECT count(*) FROM smoke").fetchone() == (1,)


def test_redis_answers_and_stores_a_key():
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), socket_timeout=5)
    key = f"smoke:{uuid.uuid4().hex}"
    try:
        assert client.set(key, "1", ex=10)
        assert client.get(key) == b"1"
    finally:
        client.delete(key)
        client.close()
