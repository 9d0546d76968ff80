"""A real `celery worker` process on the Redis broker carries "Connect"'s start command to the worker."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from backend.celery import app as celery_app
from tests.backend.testkit import logged_in
from tests.harness.waiting import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def celery_worker_process(settings):
    """`celery -A backend worker` on a queue of its own, using this test's database."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
    }
    command = [sys.executable, "-m", "celery", "-A", "backend", "worker", "--pool=solo", "--loglevel=INFO"]
    command += ["-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{queue}@%h"]
    log_path = Path(f"/tmp/{queue}.log")
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield process, log_path
    finally:
        celery_app.conf.task_default_queue = settings.CELERY_TASK_DEFAULT_QUEUE
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_path.unlink(missing_ok=True)
        broker = redis.Redis.from_url(settings.REDIS_URL)
        for key in broker.scan_iter(match=f"*{queue}*"):  # the queue's bindings, left by kombu
            broker.delete(key)


def test_connect_reaches_the_worker_through_a_real_celery_worker(
    owner, workspace, worker_node, stand_in_worker, celery_worker_process
):
    process, log_path = celery_worker_process
    response = logged_in(owner).post(f"/api/v1/workspaces/{workspace.pk}/accounts")
    assert response.status_code == 201
    session_id = response.json()["session_id"]

    try:
        wait_until(
            lambda: stand_in_worker.calls_to("POST", "/sessions") or process.poll() is not None,
            within=60,
            what="start command at the worker",
        )
    except TimeoutError as exc:
        pytest.fail(f"{exc}\n{log_path.read_text()[-3000:]}")
    assert process.poll() is None, log_path.read_text()[-3000:]
    command = stand_in_worker.calls_to("POST", "/sessions")[0][2]
    lease_expires_in_ms = command.pop("lease_expires_in_ms")
    assert command == {"session_id": session_id, "workspace_id": str(workspace.pk), "epoch": 1, "restore": False}
    assert lease_expires_in_ms > 0
