"""A PostgreSQL cluster and a Redis server of the test's own, on free loopback ports, that the test may
stop and start at will: the machine's shared PostgreSQL and Redis serve other suites at the same time and
must never be restarted by a test."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import redis

from tests.harness.livestack import free_port
from tests.harness.waiting import wait_until


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    return found[-1]


class PrivatePostgres:
    """initdb, pg_ctl start/stop/restart. As root, the server runs as the `postgres` user (PostgreSQL
    refuses to run as root)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="reliability-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgres://whatsapp:whatsapp@127.0.0.1:{self.port}/postgres"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        return subprocess.run([*prefix, *argv], capture_output=True, text=True, check=check, timeout=120)

    def init(self) -> None:
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()
        with psycopg.connect(f"postgres://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute("CREATE ROLE whatsapp LOGIN CREATEDB PASSWORD 'whatsapp'")

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=100"
        log = str(self.folder / "server.log")
        self._run(_pg_bin("pg_ctl"), action, "-D", str(self.data), "-w", "-t", "60", "-l", log, "-o", options, *extra)

    def start(self) -> None:
        self.pg_ctl("start")

    def stop(self) -> None:
        self.pg_ctl("stop", "-m", "fast")  # ends every connection at once, as a crash or a failover would

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self._run(_pg_bin("pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", "-w", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        server.init()
        yield server
    finally:
        server.destroy()


class PrivateRedis:
    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="reliability-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        wait_until(
            lambda: redis.Redis.from_url(self.url).ping(),
            within=20,
            what="answer from the private Redis",
            every=0.05,
            transient=(redis.ConnectionError,),
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(20)
            self.process = None

    def destroy(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    try:
        server.start()
        yield server
    finally:
        server.destroy()
