"""`make run`'s embedded Celery broker (no Redis: kombu's SQLAlchemy transport on SQLite, backend/broker.py): 300
tasks of 20 kB published by three processes at once while a real `celery worker -B --pool=solo` (as make run starts it)
consumes them are all executed exactly once, and the worker never crashes or logs an error."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend.broker import broker_prepare
from tests.harness.livestack import BIN, ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]  # five processes on SQLite; slow on a busy machine

TASKS, PRODUCERS = 300, 3
PUBLISH = """
import sys
import django
django.setup()
from backend.celery import app
first, count, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
padding = "x" * 20_000  # a message takes a while to write: a consumer that can read one half-written would
for n in range(first, first + count):
    app.send_task("broker_probe.record", args=(n, path, padding))
print("published", count)
"""


def demo_env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL") and not k.startswith("PYTEST")}
    env.update(DJANGO_SETTINGS_MODULE="backend.settings", DJANGO_DEBUG="True", VAR_DIR=str(var), PYTHONUNBUFFERED="1")
    env["DATABASE_URL"] = f"sqlite:///{var / 'db.sqlite3'}"
    return env


def wait_for_lines(path: Path, count: int, worker: subprocess.Popen, within: float) -> list[str]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        assert worker.poll() is None, "the Celery worker exited"
        lines = path.read_text().split() if path.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.5)
    raise TimeoutError(f"{len(lines)} of {count} tasks ran within {within} s")


def test_every_task_runs_exactly_once_and_the_worker_survives(tmp_path):
    var, ran = tmp_path / "var", tmp_path / "ran.txt"
    env = demo_env(var)
    subprocess.run(
        [sys.executable, "backend/manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    broker_prepare(str(var / "celery-broker.sqlite3"), queue="whatsapp")  # as make run does before its programs
    log_path = tmp_path / "celery.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [str(BIN / "celery"), "-A", "backend", "worker", "-B", "--pool=solo", "--loglevel=INFO",
             "-I", "tests.backend.broker_probe", "--schedule", str(var / "celerybeat-schedule")],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        share = TASKS // PRODUCERS
        producers = [
            subprocess.Popen([sys.executable, "-c", PUBLISH, str(n * share), str(share), str(ran)], cwd=ROOT, env=env)
            for n in range(PRODUCERS)
        ]
        assert [p.wait(timeout=600) for p in producers] == [0] * PRODUCERS
        lines = wait_for_lines(ran, TASKS, worker, within=600)
        time.sleep(2)  # a task delivered twice would show up now
        lines = ran.read_text().split()
    finally:
        worker.terminate()
        worker.wait(30)

    assert sorted(int(n) for n in lines) == list(range(TASKS))
    log = log_path.read_text(errors="replace")
    assert "Unrecoverable error" not in log
    assert "Traceback" not in log, log[-3000:]
    assert " ERROR/" not in log, log[-3000:]
