"""The security suite's cast: A's linked session (the victim), what of it must never change, and worker B (the
compromised worker: registered, with its own real key) sending signed requests of its choosing."""

from __future__ import annotations

import dataclasses
import gzip
import json
import time
from typing import Any

import requests

from shared.events import make_event
from tests.harness.identities import event_headers, request_headers
from tests.reliability.stack import ReliabilityStack

A, B = "worker-1", "worker-2"  # WORKER_IDs of the processes "worker" and "worker-2"
WEBHOOK = "/api/v1/whatsapp/webhook"


@dataclasses.dataclass(frozen=True)
class Victim:
    account_id: int
    session_id: str
    workspace_id: int
    phone: str
    token: str
    epoch: int  # its lease's epoch on A: the strongest attacker knows it


def link_victim(stack: ReliabilityStack, *, username: str, phone: str) -> Victim:
    """A new account connected through the API, its QR scanned by the phone: placed on A, linked, its auth state
    stored on the backend, READY on A."""
    person = stack.make_people({username: f"{username}'s shop"})[username]
    account = stack.connect(workspace_id=person.workspace_id, token=person.token)
    stack.link(account, phone_number=phone, token=person.token)
    [(worker_id, epoch)] = stack.sql(
        "SELECT worker_id, lease_epoch FROM accounts_whatsappaccount WHERE id = %s", (account["id"],)
    )
    assert worker_id == A
    stack.wait_until(
        lambda: (
            stack.sql("SELECT count(*) FROM fleet_sessionauthstate WHERE account_id = %s", (account["id"],)) == [(1,)]
        ),
        within=60,
        what="the victim's auth state stored",
    )
    victim = Victim(account["id"], account["session_id"], person.workspace_id, phone, person.token, epoch)
    stack.wait_until(lambda: running_on_a(stack, victim), within=60, what="the victim READY on A")
    return victim


def snapshot(stack: ReliabilityStack, victim: Victim) -> dict[str, list[tuple]]:
    """What no attack may change: the victim's account, its auth state, A's registration, its inbox rows."""
    return {
        "account": stack.sql(
            "SELECT status, phone_number, is_primary, worker_id, lease_epoch, last_epoch, last_sequence, qr_code"
            " FROM accounts_whatsappaccount WHERE id = %s",
            (victim.account_id,),
        ),
        "auth_state": stack.sql(
            "SELECT sha256, version, epoch FROM fleet_sessionauthstate WHERE account_id = %s", (victim.account_id,)
        ),
        "worker_a": stack.sql(
            "SELECT base_url, capacity, public_keys, draining, revoked_at FROM fleet_workernode WHERE id = %s", (A,)
        ),
        "inbox": stack.sql("SELECT count(*) FROM inbox_webhookevent WHERE session_id = %s", (victim.session_id,)),
    }


def running_on_a(stack: ReliabilityStack, victim: Victim) -> bool:
    """A runs the victim's session (READY), its device is connected on the simulator, and B does not run it."""
    on_a = stack.worker_call_to("worker", "GET", f"/sessions/{victim.session_id}")
    on_b = stack.worker_call_to("worker-2", "GET", "/sessions").json()["sessions"]
    return (
        on_a.status_code == 200
        and on_a.json()["state"] == "READY"
        and stack.phone.linked_device(victim.phone)["connected"]
        and all(s["session_id"] != victim.session_id or s["state"] == "STOPPED" for s in on_b)
    )


def audited(stack: ReliabilityStack, mark: int, line: str) -> bool:
    """Whether the backend's log has, since ``mark``, an audit line starting with ``line``."""
    return f"backend.audit {line}" in stack.processes["backend"].log()[mark:]


def storage_state(marker: str) -> bytes:
    """A gzip'd storage state, valid as the backend checks one (what a forged upload would carry)."""
    state = {"cookies": [], "origins": [{"origin": "http://evil", "localStorage": [{"name": "k", "value": marker}]}]}
    return gzip.compress(json.dumps(state).encode())


@dataclasses.dataclass
class Attacker:
    """A worker's requests to the backend, signed with the registered key of the stack's worker ``process`` (B's,
    "worker-2", unless another is given); ``names`` is the worker an event's body names, ``as_worker`` the one
    its ``x-worker-id`` names: its own unless it pretends."""

    stack: ReliabilityStack
    process: str = "worker-2"
    http: requests.Session = dataclasses.field(default_factory=requests.Session)

    @property
    def key(self) -> str:
        return self.stack.keys[self.process].private

    @property
    def me(self) -> str:
        return self.stack.worker_id(self.process)

    def event(self, type: str, victim: Victim | None, data: dict[str, Any], *, names: str = "", sequence: int = 1,
              as_worker: str = "", patient: bool = True) -> tuple[str, requests.Response]:  # fmt: skip
        """An event for the victim's session (a heartbeat when ``victim`` is None), with its lease's real epoch:
        its id and the backend's answer. ``patient``: over B's rate (WEBHOOK_WORKER_RATE, low for the flood test;
        a module's attacks in a row on a quiet machine reach it), sent again, once, when its window has ended, so
        that the answer is about the attack and not about the rate (the flood test wants the 429s: not patient)."""
        event_id, answer = self._event(type, victim, data, names=names, sequence=sequence, as_worker=as_worker)
        if patient and answer.status_code == 429:
            time.sleep(float(answer.headers.get("Retry-After") or 1))
            event_id, answer = self._event(type, victim, data, names=names, sequence=sequence, as_worker=as_worker)
        return event_id, answer

    def _event(self, type: str, victim: Victim | None, data: dict[str, Any], *, names: str, sequence: int,
               as_worker: str) -> tuple[str, requests.Response]:  # fmt: skip
        event = make_event(
            type=type,
            session_id=victim.session_id if victim else "",
            workspace_id=str(victim.workspace_id) if victim else "",
            worker_id=names or self.me,
            sequence=sequence,
            epoch=victim.epoch if victim else 0,
            data=data,
        )
        body = event.to_json()
        headers = event_headers(as_worker or self.me, self.key, body, msg_id=event.id)
        return event.id, self.http.post(self.stack.backend_url + WEBHOOK, data=body, headers=headers, timeout=30)

    def heartbeat(self, *, sessions: dict, names: str = "", as_worker: str = "", base_url: str = "http://127.0.0.1:9",
                  capacity: int = 5) -> tuple[str, requests.Response]:  # fmt: skip
        data = {"base_url": base_url, "capacity": capacity, "sessions": sessions}
        return self.event("worker_heartbeat", None, data, names=names, as_worker=as_worker, sequence=10**6)

    def auth_state(self, method: str, victim: Victim, body: bytes = b"", *, as_worker: str = "") -> requests.Response:
        """GET or PUT the victim's auth state, with its lease's real epoch."""
        path = f"/api/v1/whatsapp/sessions/{victim.session_id}/auth-state"
        headers = {
            **request_headers(as_worker or self.me, self.key, method, path, body),
            "x-lease-epoch": str(victim.epoch),
        }
        if method == "PUT":
            headers.update({"content-type": "application/gzip", "x-session-layout": "shared"})
        return self.http.request(method, self.stack.backend_url + path, data=body, headers=headers, timeout=30)
