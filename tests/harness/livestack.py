"""The live stack for end-to-end, reliability and docs tests and the benchmarks: every part as its own process
on loopback.

PostgreSQL (a fresh database per stack, its session workers registered in it as an operator does, each with its
own Ed25519 key: ``keys``; the backend signs its commands with ``backend_key``), Redis (a key prefix of its own, so
that stacks running at the same time never take each other's Celery tasks or broadcasts; its keys are deleted at
stop), the simulator, the backend on daphne, a Celery worker with beat, and one session worker. Each process logs
to a file under the stack's folder, so a failure can be read afterwards. Processes can be stopped, killed and
started again one by one, for the fault tests.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

from shared import identity
from tests.harness import database
from tests.harness.processes import (
    BIN,
    PYTHON,
    ROOT,
    Process,
    free_port,
    simulator_process,
    start_together,
    stop_together,
    wait_http,
)
from tests.harness.proxy import TcpProxy

# What the suites import from here (the stack's parts live in tests/harness/processes.py and database.py).
__all__ = ["BIN", "PYTHON", "ROOT", "LiveStack", "Process", "free_port", "simulator_process", "wait_http"]
STARTED: list[LiveStack] = []  # every stack started in this process, for tests/harness/server_errors.py to watch


@dataclass
class LiveStack:
    folder: Path
    simulator_profile: str = "instant"
    simulator_args: list[str] = field(default_factory=list)
    worker_env: dict[str, str] = field(default_factory=dict)
    backend_env: dict[str, str] = field(default_factory=dict)
    with_celery: bool = True
    workers: int = 1  # session workers: "worker" (worker-1), then "worker-2", "worker-3"... each its own port and data
    proxied_workers: list[str] = field(default_factory=list)  # reach the backend through a TcpProxy (``proxies``)
    # Capacities the operator registered, by process name (default: the workers' MAX_SESSIONS, else 50).
    capacities: dict[str, int] = field(default_factory=dict)
    backend_key: identity.KeyPair = field(default_factory=identity.new_key_pair)  # signs the backend's commands
    state_key: str = field(default_factory=lambda: Fernet.generate_key().decode())
    processes: dict[str, Process] = field(default_factory=dict)
    at_stop: list[Callable[[], None]] = field(default_factory=list)  # what the harness runs beside it (a shell)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ports = {name: free_port() for name in ("backend", "worker", "simulator", *self.extra_workers)}
        self.admin_db_url = database.server_url()
        self.db_name = f"whatsapp_live_{secrets.token_hex(4)}"
        self.db_url = database.database_url(self.admin_db_url, self.db_name)
        redis_base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
        self.redis_url = f"{redis_base}/{int(os.environ.get('LIVESTACK_REDIS_DB', '7'))}"
        self.redis_prefix = f"live-{secrets.token_hex(4)}"
        self.proxies = {name: TcpProxy(self.ports["backend"]) for name in self.proxied_workers}
        self.keys = {name: identity.new_key_pair() for name in self.worker_names}  # each worker's own key

    @staticmethod
    def worker_id(name: str) -> str:
        """The WORKER_ID of process ``name``: "worker" is worker-1, the others are named as their process."""
        return "worker-1" if name == "worker" else name

    @property
    def extra_workers(self) -> list[str]:
        return [f"worker-{n}" for n in range(2, self.workers + 1)]

    @property
    def worker_names(self) -> list[str]:
        """The processes' names of the session workers (the first is "worker", its WORKER_ID worker-1)."""
        return ["worker", *self.extra_workers]

    # URLs -----------------------------------------------------------------------------------------------
    @property
    def backend_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['backend']}"

    @property
    def worker_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['worker']}"

    @property
    def simulator_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['simulator']}"

    # Environment ------------------------------------------------------------------------------------------
    def common_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_SETTINGS"))}
        env.update({"PYTHONUNBUFFERED": "1"})
        return env

    def django_env(self) -> dict[str, str]:
        env = self.common_env()
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "backend.settings",
                "DATABASE_URL": self.db_url,
                "REDIS_URL": self.redis_url,
                "SECRET_KEY": "livestack-" + secrets.token_hex(16),
                "DJANGO_DEBUG": "False",
                "BEHIND_TLS_PROXY": "False",  # plain HTTP on loopback (the nginx test turns it on)
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "BACKEND_SIGNING_KEY": self.backend_key.private,
                "REDIS_KEY_PREFIX": self.redis_prefix,
                # The suites that connect hundreds of times in one workspace (the flows, the benchmarks) are not
                # about the workspace limits; the limits' own tests set them (test_workspace_limits_*.py).
                "WORKSPACE_MAX_ACCOUNTS": "100000",
                "WORKSPACE_CONNECTS_PER_HOUR": "100000",
                "WORKSPACE_CONNECTS_PER_DAY": "100000",
                "SESSION_STATE_KEYS": self.state_key,
            }
        )
        env.update(self.backend_env)
        return env

    def worker_process_env(self, name: str = "worker") -> dict[str, str]:
        """The environment of the session worker ``name`` (one of ``worker_names``)."""
        port = self.ports[name]
        proxy = self.proxies.get(name)
        backend = f"http://127.0.0.1:{proxy.port}" if proxy else self.backend_url
        env = self.common_env()
        env.update(
            {
                "WORKER_HOST": "127.0.0.1",
                "WORKER_PORT": str(port),
                "WORKER_ID": self.worker_id(name),
                "WORKER_SIGNING_KEY": self.keys[name].private,
                "BACKEND_PUBLIC_KEYS": self.backend_key.public,
                "WORKER_PUBLIC_URL": f"http://127.0.0.1:{port}",
                "BACKEND_WEBHOOK_URL": f"{backend}/api/v1/whatsapp/webhook",
                "WA_WEB_URL": f"{self.simulator_url}/",
                "SESSION_DATA_DIR": str(self.folder / ("sessions" if name == "worker" else f"sessions-{name}")),
            }
        )
        env.update(self.worker_env)
        return env

    # Life cycle -------------------------------------------------------------------------------------------
    def create_database(self) -> None:
        """The stack's database, migrated (copied from a migrated template: tests/harness/database.py), with its
        session workers registered."""
        database.create(self.admin_db_url, self.db_name, self.django_env())
        self.register_workers()

    def capacity(self, name: str) -> int:
        return self.capacities.get(name, int(self.worker_env.get("MAX_SESSIONS", "50")))

    def register_identity(self, worker_id: str, *, capacity: int = 0, base_url: str = "http://127.0.0.1:1"):
        """A worker registered by the operator that is no process of the stack (a test signs as it): its key pair.
        Of capacity 0 by default, so that no session is placed on it."""
        key = identity.new_key_pair()
        database.register_workers(self.db_url, [(worker_id, base_url, capacity, key.public)])
        return key

    def register_workers(self) -> None:
        """What ``manage.py worker_register`` writes for each worker: its name, URL, capacity and public key."""
        rows = [
            (self.worker_id(name), f"http://127.0.0.1:{self.ports[name]}", self.capacity(name), self.keys[name].public)
            for name in self.worker_names
        ]
        database.register_workers(self.db_url, rows)

    def drop_database(self) -> None:
        database.drop(self.admin_db_url, self.db_name)

    def define(self) -> None:
        logs = self.folder
        self.processes = {
            "simulator": simulator_process(
                self.folder,
                self.ports["simulator"],
                profile=self.simulator_profile,
                args=self.simulator_args,
                env=self.common_env(),
            ),
            "backend": Process(
                "backend",
                [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(self.ports["backend"]), "backend.asgi:application"],
                self.django_env(),
                logs / "backend.log",
                ready_url=f"{self.backend_url}/healthz",
            ),
            "worker": Process(
                "worker",
                [PYTHON, "-m", "session_worker"],
                self.worker_process_env(),
                logs / "worker.log",
                ready_url=f"{self.worker_url}/health",
            ),
        }
        for name in self.extra_workers:
            self.processes[name] = Process(
                name,
                [PYTHON, "-m", "session_worker"],
                self.worker_process_env(name),
                logs / f"{name}.log",
                ready_url=f"http://127.0.0.1:{self.ports[name]}/health",
            )
        if self.with_celery:
            self.processes["celery"] = Process(
                "celery",
                [
                    str(BIN / "celery"),
                    "-A",
                    "backend",
                    "worker",
                    "-B",
                    "--pool=solo",
                    "--loglevel=INFO",
                    "--schedule",
                    str(self.folder / "celerybeat-schedule"),
                ],
                self.django_env(),
                logs / "celery.log",
            )

    def delete_redis_keys(self) -> None:
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            for key in client.scan_iter(match=f"{self.redis_prefix}*", count=500):
                client.delete(key)
        finally:
            client.close()

    def start(self) -> LiveStack:
        """The database, then the simulator, the backend and Celery side by side, then the session workers
        (which report to the backend and open the simulator's page as soon as they are up)."""
        self.create_database()
        self.define()
        STARTED.append(self)  # a 500 in its backend's or Celery's log fails the test (server_errors.py)
        start_together(self.processes[name] for name in ("simulator", "backend", "celery") if name in self.processes)
        start_together(self.processes[name] for name in self.worker_names if name in self.processes)
        return self

    def stop(self) -> None:
        """What runs beside the stack, then the session workers (they may still report to the backend as they
        stop), then the rest."""
        while self.at_stop:
            with contextlib.suppress(Exception):
                self.at_stop.pop()()
        stop_together(self.processes[name] for name in self.worker_names if name in self.processes)
        stop_together(self.processes[name] for name in ("celery", "backend", "simulator") if name in self.processes)
        for proxy in self.proxies.values():
            proxy.close()
        with contextlib.suppress(Exception):
            self.drop_database()
        with contextlib.suppress(Exception):
            self.delete_redis_keys()

    def note(self, text: str) -> None:
        """A line ``--- <time> text`` in the log of every running process, to find a test's part in it."""
        for process in self.processes.values():
            if process.running:
                process.note(text)

    def __enter__(self) -> LiveStack:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    def logs(self) -> str:
        return "\n".join(f"===== {name}\n{p.log()[-6000:]}" for name, p in self.processes.items())
