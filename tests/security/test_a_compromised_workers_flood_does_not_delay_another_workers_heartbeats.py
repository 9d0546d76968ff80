"""Worker B floods the webhook with signed events (for A's session, naming B or naming A) to make A's heartbeats
fail, so that A would be taken for dead and lose its sessions. The per-worker limit counts the worker that signs,
never the name an event gives: B is refused 429 once over WEBHOOK_WORKER_RATE, while A's heartbeats go on being
accepted during B's flood. A stays alive and its session connected; nothing of the flood is stored. Afterwards
B's own process is heard from again once its window (a second) ends: the stack as the test found it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tests.security.attacker import A, Attacker, B

READY = {"phone_number": "4915199999999", "pushname": "B", "platform": "android", "extraction_ms": 1}
REFUSED = {(403, "not_lease_holder"), (403, "worker_mismatch"), (429, "rate limited")}


def heartbeats_of_a_between(stack, start: float, end: float) -> int:
    return stack.sql(
        "SELECT count(*) FROM inbox_webhookevent WHERE worker_id = %s AND type = 'worker_heartbeat'"
        " AND outcome = 'applied' AND received_at > to_timestamp(%s) AND received_at < to_timestamp(%s)",
        (A, start, end),
    )[0][0]


def test_a_flood_of_one_worker_is_limited_and_another_workers_heartbeats_pass(security_stack, victim, unchanged):
    stack = security_stack
    stop, answers = threading.Event(), []

    def flood(names: str) -> None:
        attacker = Attacker(stack)
        while not stop.is_set():
            _, answer = attacker.event("session_ready", victim, READY, names=names, sequence=10**6, patient=False)
            answers.append((time.time(), answer.status_code, answer.json().get("error")))

    def a_heartbeats_while_b_is_limited() -> int:
        refused = [when for when, status, _ in list(answers) if status == 429]
        return heartbeats_of_a_between(stack, refused[0], refused[-1]) if refused else 0

    with ThreadPoolExecutor(4) as pool:
        floods = [pool.submit(flood, names) for names in (B, A, B, A)]
        try:
            stack.wait_until(lambda: a_heartbeats_while_b_is_limited() >= 2, within=120,
                             what="B over its rate, and two heartbeats of A accepted between B's refusals")  # fmt: skip
        finally:
            stop.set()
            for running in floods:
                running.result()
    flood_end = time.time()

    assert {(status, error) for _, status, error in answers} <= REFUSED
    assert stack.sql("SELECT is_alive FROM fleet_workernode WHERE id = %s", (A,)) == [(True,)]
    print(f"B's flood: {len(answers)} events, {sum(s == 429 for _, s, _ in answers)} refused 429")

    stack.wait_until(
        lambda: (
            stack.sql(
                "SELECT is_alive AND last_heartbeat_at > to_timestamp(%s) FROM fleet_workernode WHERE id = %s",
                (flood_end, B),
            )
            == [(True,)]
        ),
        within=120,
        what="B's process heard from again once its window ended",
    )
