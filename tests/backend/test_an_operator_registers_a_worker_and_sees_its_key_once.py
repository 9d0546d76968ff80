"""An operator registers each worker (`manage.py worker_register NAME --url URL --capacity N`): its credentials are
printed once, the backend keeps only the public key, and that key is what verifies the worker. A name is registered
once; --update changes the URL and capacity; --public-key registers a key made on the worker's machine (nothing
secret printed). A heartbeat never does any of this."""

import io

import pytest
from django.core.management import CommandError, call_command

from backend.fleet.models import WorkerNode
from backend.fleet.services.identities import backend_public_keys
from shared import identity

pytestmark = pytest.mark.django_db


def register(*args: str) -> dict[str, str]:
    out = io.StringIO()
    call_command("worker_register", *args, stdout=out)
    return dict(line.split("=", 1) for line in out.getvalue().splitlines() if "=" in line and " " not in line)


def test_the_printed_key_is_the_workers_and_only_its_public_half_is_kept():
    printed = register("worker-9", "--url", "http://10.0.0.9:8001", "--capacity", "40")
    worker = WorkerNode.objects.get(pk="worker-9")
    assert (worker.base_url, worker.capacity, worker.is_alive) == ("http://10.0.0.9:8001", 40, False)
    assert printed["WORKER_ID"] == "worker-9"
    assert worker.keys == [identity.public_of(printed["WORKER_SIGNING_KEY"])]
    assert printed["WORKER_SIGNING_KEY"] not in str(WorkerNode.objects.values().get(pk="worker-9"))
    assert printed["BACKEND_PUBLIC_KEYS"].split() == backend_public_keys()


def test_a_name_is_registered_once_and_updated_on_purpose():
    register("worker-9", "--url", "http://10.0.0.9:8001", "--capacity", "40")
    with pytest.raises(CommandError, match="registered already"):
        register("worker-9", "--url", "http://10.0.0.99:8001", "--capacity", "40")
    register("worker-9", "--url", "http://10.0.0.99:8001", "--capacity", "60", "--update")
    worker = WorkerNode.objects.get(pk="worker-9")
    assert (worker.base_url, worker.capacity) == ("http://10.0.0.99:8001", 60)


def test_a_key_made_on_the_worker_is_registered_without_printing_a_secret():
    pair = identity.new_key_pair()
    printed = register("worker-9", "--url", "http://10.0.0.9:8001", "--capacity", "40", "--public-key", pair.public)
    assert "WORKER_SIGNING_KEY" not in printed
    assert WorkerNode.objects.get(pk="worker-9").keys == [pair.public]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["bad name", "--url", "http://10.0.0.9:8001", "--capacity", "4"], "1 to 64 of"),
        (["worker-9", "--url", "ftp://10.0.0.9", "--capacity", "4"], r"http\(s\) URL"),
        (["worker-9", "--url", "http://10.0.0.9:8001", "--capacity", "0"], "1 or more"),
        (["worker-9", "--url", "http://10.0.0.9:8001", "--capacity", "4", "--public-key", "whpk_bad"], "public key"),
    ],
)
def test_a_bad_registration_says_what_is_wrong_and_registers_nothing(args, says):
    with pytest.raises(CommandError, match=says):
        register(*args)
    assert not WorkerNode.objects.exists()
