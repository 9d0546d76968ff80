"""The live worker's API answers bad input with a clear 4xx and starts nothing: unsigned, badly signed (another
key, the worker's own key, a command signed for another worker, another method, path or body) and replayed calls
to every route (401), and signed calls with bad bodies, bad session ids and bad phone
numbers (400/404/413). The worker's list of sessions is the same afterwards and it logs no error."""

from __future__ import annotations

import json

import pytest
import requests

from shared import identity
from tests.harness.identities import command_headers

ROUTES = [
    ("POST", "/sessions"),
    ("GET", "/sessions"),
    ("GET", "/sessions/wa_x"),
    ("DELETE", "/sessions/wa_x"),
    ("POST", "/sessions/wa_x/logout"),
    ("GET", "/sessions/wa_x/screenshot"),
    ("POST", "/sessions/wa_x/pairing-code"),
]
BAD_START_BODIES = [
    b"",
    b"not json",
    b"[1, 2]",
    b'"text"',
    b"\xff\xfe\x00",
    b"[" * 100_000 + b"]" * 100_000,
    b"{}",
    b'{"session_id": 5, "workspace_id": "1"}',
    b'{"session_id": null, "workspace_id": "1"}',
    b'{"session_id": "wa_ok", "workspace_id": null}',
    b'{"session_id": "wa_ok", "workspace_id": true}',
    b'{"session_id": "wa_ok", "workspace_id": []}',
    b'{"session_id": "../../etc", "workspace_id": "1"}',
    b'{"session_id": "", "workspace_id": "1"}',
    b'{"session_id": "' + b"a" * 200 + b'", "workspace_id": "1"}',
    b'{"session_id": "wa ok", "workspace_id": "1"}',
    b'{"session_id": "wa_ok", "workspace_id": "../1"}',
    b'{"session_id": "wa_ok", "workspace_id": ""}',
]


@pytest.fixture(scope="module")
def running(live_stack) -> dict:
    """A session the worker runs, for the calls that need one."""
    jo = live_stack.make_people({"jo": "Jo's shop"})["jo"]
    account = live_stack.connect(workspace_id=jo.workspace_id, token=jo.token)
    live_stack.wait_qr(account["id"], token=jo.token)
    return account


def call(stack, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> requests.Response:
    return requests.request(method, stack.worker_url + path, data=body, headers=headers or {}, timeout=30)


def session_ids(stack) -> set[str]:
    return {s["session_id"] for s in stack.worker_call("GET", "/sessions").json()["sessions"]}


@pytest.fixture
def unchanged(live_stack, running):
    before = session_ids(live_stack)
    log_start = len(live_stack.processes["worker"].log())
    yield
    assert session_ids(live_stack) == before
    assert live_stack.error_lines_in(live_stack.processes["worker"].log()[log_start:]) == []


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_refuses_unsigned_and_badly_signed_calls(live_stack, unchanged, method, path):
    body = b'{"session_id": "wa_x", "workspace_id": "1"}' if method == "POST" else b""
    backend = live_stack.backend_key.private
    good = command_headers(backend, "worker-1", method, path, body)
    cases = {
        "unsigned": {},
        "another key": command_headers(identity.new_key_pair().private, "worker-1", method, path, body),
        "the worker's own key": command_headers(live_stack.keys["worker"].private, "worker-1", method, path, body),
        "for another worker": command_headers(backend, "worker-2", method, path, body),
        "another path": command_headers(backend, "worker-1", method, "/sessions/wa_other", body),
        "another method": command_headers(backend, "worker-1", "PUT", path, body),
        "garbage signature": {**good, "webhook-signature": "v1a,AAAA"},
        "hmac version": {**good, "webhook-signature": good["webhook-signature"].replace("v1a,", "v1,")},
    }
    if method == "POST":
        cases["another body"] = command_headers(backend, "worker-1", method, path, b"{}")
    answers = {name: call(live_stack, method, path, body, headers).status_code for name, headers in cases.items()}
    assert answers == dict.fromkeys(cases, 401)


def test_a_replayed_call_is_refused(live_stack, unchanged):
    headers = command_headers(live_stack.backend_key.private, "worker-1", "GET", "/sessions")
    assert call(live_stack, "GET", "/sessions", headers=headers).status_code == 200
    assert call(live_stack, "GET", "/sessions", headers=headers).status_code == 401


@pytest.mark.parametrize("body", BAD_START_BODIES, ids=lambda b: b[:30].decode(errors="replace"))
def test_a_start_with_a_bad_body_answers_400(live_stack, unchanged, body):
    response = live_stack.worker_call("POST", "/sessions", body)
    assert response.status_code == 400, response.text[:200]
    assert response.json()["error"] in ("invalid_json", "invalid_body", "invalid_session_id", "invalid_workspace_id")


def test_a_huge_body_answers_413(live_stack, unchanged):
    body = json.dumps({"session_id": "wa_x", "workspace_id": "1", "pad": "x" * 2_000_000}).encode()
    assert live_stack.worker_call("POST", "/sessions", body).status_code == 413


@pytest.mark.parametrize("session_id", ["wa_unknown", "a" * 129, "wa.x!", "wa%20x", "wa_x%00"])
@pytest.mark.parametrize(
    ("method", "suffix"), [("GET", ""), ("DELETE", ""), ("POST", "/logout"), ("GET", "/screenshot")]
)
def test_an_unknown_or_malformed_session_id_answers_400_or_404(live_stack, unchanged, session_id, method, suffix):
    response = live_stack.worker_call(method, f"/sessions/{session_id}{suffix}")
    assert response.status_code in (400, 404), response.text[:200]


@pytest.mark.parametrize(
    "body", [b"{}", b'{"phone_number": 5511}', b'{"phone_number": "abc"}', b'{"phone_number": "+0"}', b"[]", b"x"]
)
def test_a_pairing_code_for_a_bad_phone_number_answers_400(live_stack, unchanged, running, body):
    response = live_stack.worker_call("POST", f"/sessions/{running['session_id']}/pairing-code", body)
    assert response.status_code == 400, response.text[:200]
