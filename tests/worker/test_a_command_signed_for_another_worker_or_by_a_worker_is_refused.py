"""Only the backend commands a worker, and only the worker it signed for: a command signed for another worker
(with the backend's key), or signed by a worker's own key (a worker impersonating the backend to another), or
signed without naming any worker, is refused 401 and changes nothing."""

import json

import pytest

from shared import identity
from tests.worker.conftest import session_id, worker_keys


def for_another_worker(receiver, worker_id, method, path, body):
    return identity.sign_command(receiver.backend.private, "worker-other", method, path, body)


def by_a_workers_key(receiver, worker_id, method, path, body):
    return identity.sign_command(worker_keys("worker-other").private, worker_id, method, path, body)


def by_its_own_key(receiver, worker_id, method, path, body):
    return identity.sign_command(worker_keys(worker_id).private, worker_id, method, path, body)


def naming_no_worker(receiver, worker_id, method, path, body):
    return identity.sign_request(receiver.backend.private, method, path, body)  # a worker's call, not a command


@pytest.mark.parametrize("signed", [for_another_worker, by_a_workers_key, by_its_own_key, naming_no_worker])
async def test_the_command_is_refused_and_changes_nothing(start_worker, receiver, signed):
    worker = await start_worker(warm_pages_max=0)
    sid = session_id()
    body = json.dumps({"session_id": sid, "workspace_id": "1"}).encode()
    headers = {**signed(receiver, worker.settings.worker_id, "POST", "/sessions", body), "content-type": "x"}

    async with worker.http.post(worker.url + "/sessions", data=body, headers=headers) as response:
        assert response.status == 401
        assert (await response.json())["error"] == "bad signature"

    status, listed = await worker.call("GET", "/sessions")  # signed by the backend, for this worker
    assert (status, listed) == (200, {"sessions": []})
    assert sid not in worker.manager.sessions and not worker.manager.host.session_dir(sid).exists()
    assert receiver.of(sid) == []
