"""A worker's key rotates without a gap: `worker_rotate_key NAME` adds a new key beside the old one (both verify),
the worker changes over, then `--retire-old` leaves the new one only: the old key is refused from then on."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from shared import identity
from tests.backend.testkit import Sender, WorkerKey

pytestmark = pytest.mark.django_db


HEARTBEAT = {"base_url": "http://127.0.0.1:8001", "capacity": 1, "sessions": {}}


def heartbeat_status(key: WorkerKey) -> int:
    sender = Sender(Client(), key)
    return sender.post(sender.event("worker_heartbeat", data=HEARTBEAT)).status_code


def test_both_keys_verify_during_the_change_over_and_only_the_new_one_after(worker_key):
    out = io.StringIO()
    call_command("worker_rotate_key", "worker-1", stdout=out)
    new_key = WorkerKey("worker-1", out.getvalue().split("WORKER_SIGNING_KEY=")[1].split()[0])
    assert heartbeat_status(worker_key) == 200
    assert heartbeat_status(new_key) == 200

    call_command("worker_rotate_key", "worker-1", "--retire-old", stdout=io.StringIO())
    assert heartbeat_status(new_key) == 200
    assert heartbeat_status(worker_key) == 401


def test_a_third_key_pushes_out_the_oldest(worker_key):
    for _ in range(2):
        call_command(
            "worker_rotate_key", "worker-1", "--public-key", identity.new_key_pair().public, stdout=io.StringIO()
        )
    assert heartbeat_status(worker_key) == 401
