"""Worker B calls A's API (its address is no secret on the private network) to stop, log out or look at A's
session: a command signed with B's own key is refused 401 ``bad signature`` (A trusts only the backend's key), and
so is a command the backend really signed for B, replayed to A (a command binds the worker it is for). A's
session runs on, the database is unchanged."""

from __future__ import annotations

import json

import pytest
import requests

from tests.harness.identities import command_headers
from tests.security.attacker import A, B


def commands(victim) -> list[tuple[str, str, bytes]]:
    sid, epoch = victim.session_id, victim.epoch
    return [
        ("POST", f"/sessions/{sid}/logout", json.dumps({"epoch": epoch}).encode()),
        ("POST", f"/sessions/{sid}/release", json.dumps({"epoch": epoch}).encode()),
        ("DELETE", f"/sessions/{sid}?epoch={epoch}", b""),
        ("GET", f"/sessions/{sid}/screenshot", b""),
        ("GET", f"/sessions/{sid}", b""),
    ]


@pytest.mark.parametrize("signer", ["B's own key", "the backend, for B"])
def test_a_command_to_another_worker_is_refused(security_stack, victim, unchanged, signer):
    stack = security_stack
    key, bound_to = (stack.keys["worker-2"].private, A) if signer == "B's own key" else (stack.backend_key.private, B)
    answers = {}
    for method, path, body in commands(victim):
        headers = command_headers(key, bound_to, method, path, body)
        answer = requests.request(method, f"http://127.0.0.1:{stack.ports['worker']}{path}", data=body,
                                  headers=headers, timeout=30)  # fmt: skip
        answers[f"{method} {path}"] = (answer.status_code, answer.json()["error"])

    assert answers == dict.fromkeys(answers, (401, "bad signature"))
