"""With PROMETHEUS_MULTIPROC_DIR set (one host, several processes: gunicorn's workers, daphne, Celery), each
process writes its counts there and /metrics, in whichever process answers, sums them, those of processes that
ended included; a directory that is missing stops the start, naming the variable."""

import os
import subprocess
import sys

from tests.harness.livestack import ROOT

COUNT = """
import django; django.setup()
from backend.metrics import counters
counters.quota_refused(limit="accounts")
counters.workers_marked_dead(2)
"""
SCRAPE = """
import django; django.setup()
from django.test import Client
print(Client().get("/metrics").content.decode())
"""


def run(code: str, metrics_dir: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PROMETHEUS_MULTIPROC_DIR": metrics_dir}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_counts_of_every_process_are_summed(tmp_path):
    for _ in range(2):
        assert run(COUNT, str(tmp_path)).returncode == 0
    scraped = run(SCRAPE, str(tmp_path))
    assert scraped.returncode == 0, scraped.stderr
    assert 'wa_backend_quota_refusals_total{limit="accounts"} 2.0' in scraped.stdout
    assert "wa_backend_workers_marked_dead_total 4.0" in scraped.stdout


def test_a_missing_directory_stops_the_start(tmp_path):
    failed = run(COUNT, str(tmp_path / "missing"))
    assert failed.returncode != 0
    assert "PROMETHEUS_MULTIPROC_DIR" in failed.stderr
