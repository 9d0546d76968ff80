"""A Celery task that records that it ran (for test_embedded_broker_delivers_every_task_once.py): loaded by the
real worker with ``-I tests.backend.broker_probe``."""

from backend.celery import app


@app.task(name="broker_probe.record")
def record(n: int, path: str, padding: str = "") -> None:
    with open(path, "a") as log:  # one short append per task: whole lines, in any order
        log.write(f"{n}\n")
