"""A live stack's PostgreSQL database: a fresh one per stack, copied from a template that this process migrated
once (``CREATE DATABASE ... TEMPLATE``: a file copy on the server, where a migrate takes seconds of Django), and
dropped when the stack stops. The template is dropped when the process exits.

Only on the server of DATABASE_URL: a stack on a server of its own (the PostgreSQL restart test's) migrates its
database itself.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import subprocess

import psycopg

from tests.harness.processes import PYTHON, ROOT
from tests.harness.waiting import wait_until

DEFAULT_URL = "postgres://whatsapp:whatsapp@127.0.0.1:5432/whatsapp"
TEMPLATE_PREFIX = "whatsapp_live_template_"
_templates: dict[str, str] = {}  # server's admin URL -> this process's migrated template on it


def server_url() -> str:
    return os.environ.get("DATABASE_URL", DEFAULT_URL)


def database_url(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + name


def migrate(url: str, env: dict[str, str]) -> None:
    subprocess.run(
        [PYTHON, "backend/manage.py", "migrate", "--noinput", "-v", "0"],
        env={**env, "DATABASE_URL": url},
        cwd=ROOT,
        check=True,
    )


def create(admin_url: str, name: str, env: dict[str, str]) -> None:
    """Database ``name`` on the server of ``admin_url``, migrated (``env``: the backend's environment)."""
    template = _template(admin_url, env) if admin_url == server_url() else None
    if template is None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        migrate(database_url(admin_url, name), env)
        return
    # The migrate's connection may still be closing on the server a moment after its process exited, and a
    # template must have no connection while it is copied.
    wait_until(lambda: _copy(admin_url, template, name), within=30, what=f"a copy of {template}",
               transient=(psycopg.errors.ObjectInUse,))  # fmt: skip


def register_workers(url: str, rows: list[tuple[str, str, int, str]]) -> None:
    """Session workers registered as ``manage.py worker_register`` does: (id, base URL, capacity, public key)."""
    with psycopg.connect(url, autocommit=True) as conn:
        for worker_id, base_url, capacity, public_key in rows:
            conn.execute(
                "INSERT INTO fleet_workernode (id, base_url, capacity, public_keys, reported_sessions, is_alive,"
                " draining, created_at) VALUES (%s, %s, %s, %s, 0, false, false, now())",
                (worker_id, base_url, capacity, public_key),
            )


def _copy(admin_url: str, template: str, name: str) -> bool:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return True


def drop(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _template(admin_url: str, env: dict[str, str]) -> str:
    if admin_url not in _templates:
        _drop_orphans(admin_url)
        name = f"{TEMPLATE_PREFIX}{os.getpid()}_{secrets.token_hex(3)}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            migrate(database_url(admin_url, name), env)
        except BaseException:
            drop(admin_url, name)
            raise
        _templates[admin_url] = name
        atexit.register(_drop_quietly, admin_url, name)
    return _templates[admin_url]


def _drop_quietly(admin_url: str, name: str) -> None:
    with contextlib.suppress(Exception):
        drop(admin_url, name)


def _drop_orphans(admin_url: str) -> None:
    """Templates left by processes of this harness that died before their exit (``<prefix><pid>_<hex>``)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        names = [row[0] for row in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                                 (TEMPLATE_PREFIX.replace("_", r"\_") + "%",))]  # fmt: skip
    for name in names:
        pid = name.removeprefix(TEMPLATE_PREFIX).split("_", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            _drop_quietly(admin_url, name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
