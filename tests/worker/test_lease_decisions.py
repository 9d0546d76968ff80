"""The lease decisions (session_worker/leases.py), plain data in, a plan out: what a heartbeat's answer makes
the worker start, renew, release and ignore, and which sessions it fences when their leases run out. Each lease
runs what the answer says was left of it (``expires_in_ms``), from when the heartbeat left."""

import pytest

from session_worker.leases import (
    Answer,
    Held,
    InvalidAnswer,
    Lease,
    LeaseBook,
    Plan,
    Release,
    Start,
    parse_answer,
    plan_answer,
    plan_fencing,
)

SENT_AT = 100.0  # when the heartbeat left (monotonic)
NOW = 100.5  # when its answer is applied
MARGIN_S = 3.0


def plan(leases: dict[str, Lease], held: dict[str, Held], book: LeaseBook | None = None) -> Plan:
    return plan_answer(Answer(leases), held=held, book=book or LeaseBook(), sent_at=SENT_AT, now=NOW, margin_s=MARGIN_S)


def lease(epoch: int, workspace_id: str = "1", *, left_s: float = 15, restore: bool = False) -> Lease:
    return Lease(epoch=epoch, workspace_id=workspace_id, expires_in_s=left_s, restore=restore)


def running(epoch: int = 1, started_at: float = 50.0) -> Held:
    return Held(active=True, epoch=epoch, started_at=started_at)


def ended(epoch: int = 1) -> Held:
    return Held(active=False, epoch=epoch, started_at=50.0)


def test_a_listed_session_it_does_not_run_is_started_for_what_is_left_of_the_lease():
    decided = plan({"wa_a": lease(3, "7", restore=True)}, held={})

    assert decided == Plan(start=(Start("wa_a", "7", 3, fetch_auth=True, lease_s=14.5),))


def test_a_listed_session_it_runs_under_that_epoch_is_renewed_from_when_the_heartbeat_left():
    decided = plan({"wa_a": lease(1, "1")}, held={"wa_a": running(epoch=1)})

    assert decided == Plan(renew={"wa_a": SENT_AT + 15 - MARGIN_S})


def test_a_session_not_listed_is_released_unless_it_started_after_the_heartbeat_left():
    held = {"wa_moved": running(), "wa_new": running(started_at=SENT_AT + 0.1), "wa_over": ended()}

    decided = plan({}, held=held)

    assert decided == Plan(release=(Release("wa_moved", "moved to another worker"),))


def test_a_newer_lease_of_a_session_it_runs_releases_it_and_starts_it_again_under_the_new_epoch():
    decided = plan({"wa_a": lease(2, "1")}, held={"wa_a": running(epoch=1)})

    assert decided.release == (Release("wa_a", "a newer lease (epoch 2)"),)
    assert decided.start == (Start("wa_a", "1", 2, fetch_auth=False, lease_s=14.5),)


def test_a_released_lease_is_not_started_again_but_a_newer_one_is():
    book = LeaseBook(released={"wa_a": 4, "wa_b": 4})

    decided = plan({"wa_a": lease(4, "1"), "wa_b": lease(5, "1")}, {}, book)

    assert [start.session_id for start in decided.start] == ["wa_b"]


def test_an_ended_session_is_started_again_only_when_fenced_or_under_a_newer_epoch():
    leases = {sid: lease(1, "1") for sid in ("wa_ended", "wa_fenced")}
    leases["wa_newer"] = lease(2, "1")
    held = {"wa_ended": ended(), "wa_fenced": ended(), "wa_newer": ended()}

    decided = plan(leases, held, LeaseBook(fenced={"wa_fenced"}))

    assert sorted(start.session_id for start in decided.start) == ["wa_fenced", "wa_newer"]
    assert decided.release == () and decided.renew == {}


def test_a_lease_older_than_the_session_it_runs_changes_nothing():
    decided = plan({"wa_a": lease(1, "1")}, held={"wa_a": running(epoch=2)})

    assert decided == Plan()


def test_an_answer_late_by_more_than_what_is_left_of_the_lease_starts_with_no_lease_left():
    decided = plan({"wa_a": lease(1, left_s=0.25)}, held={})

    assert decided.start[0].lease_s == 0.0


def test_each_lease_runs_what_was_left_of_it_not_a_ttl():
    held = {"wa_a": running(epoch=1), "wa_b": running(epoch=1)}

    decided = plan({"wa_a": lease(1, left_s=15), "wa_b": lease(1, left_s=4.5), "wa_c": lease(1, left_s=9)}, held)

    assert decided.renew == {"wa_a": SENT_AT + 15 - MARGIN_S, "wa_b": SENT_AT + 4.5 - MARGIN_S}
    assert decided.start == (Start("wa_c", "1", 1, fetch_auth=False, lease_s=9 - (NOW - SENT_AT)),)


def test_a_lease_older_than_the_highest_epoch_seen_is_ignored():
    book = LeaseBook(highest={"wa_gone": 5, "wa_runs": 3})
    held = {"wa_runs": running(epoch=3)}

    decided = plan({"wa_gone": lease(4), "wa_runs": lease(2), "wa_new": lease(1)}, held, book)

    assert [start.session_id for start in decided.start] == ["wa_new"]
    assert [ignored.session_id for ignored in decided.ignored] == ["wa_gone", "wa_runs"]
    assert decided.release == () and decided.renew == {}  # wa_runs: not renewed, fenced at its deadline


def test_sessions_past_their_deadline_are_fenced_and_the_deadlines_of_ended_ones_forgotten():
    book = LeaseBook(valid_until={"wa_late": 99.0, "wa_due": 100.0, "wa_fine": 101.0, "wa_ended": 1.0, "wa_gone": 1.0})
    held = {"wa_late": running(), "wa_due": running(), "wa_fine": running(), "wa_ended": ended()}

    decided = plan_fencing(held=held, book=book, now=100.0)

    assert decided == Plan(fence=("wa_late", "wa_due"), forget=("wa_ended", "wa_gone"))


def test_a_valid_answer_is_parsed_in_the_backends_format():
    answer = {
        "status": "applied",
        "detail": "",
        "lease_ttl_s": 15,
        "leases": {
            "wa_a": {"epoch": 2, "workspace_id": "7", "restore": True, "expires_in_ms": 14_250},
            "wa_b": {"epoch": 0, "workspace_id": 8, "expires_in_ms": 0},
        },
    }

    parsed = parse_answer(answer)

    assert parsed == Answer(leases={"wa_a": lease(2, "7", left_s=14.25, restore=True), "wa_b": lease(0, "8", left_s=0)})


@pytest.mark.parametrize(
    "answer",
    [
        None,
        [],
        {"status": "applied"},
        {"status": "applied", "lease_ttl_s": 15},
        {"lease_ttl_s": 15, "leases": []},
        {"lease_ttl_s": 15, "leases": {"wa_a": 2}},
        {"lease_ttl_s": 15, "leases": {"wa_a": {"workspace_id": "1", "expires_in_ms": 9}}},
        {"lease_ttl_s": 15, "leases": {"wa_a": {"epoch": -1, "workspace_id": "1", "expires_in_ms": 9}}},
        {"lease_ttl_s": 15, "leases": {"wa_a": {"epoch": "2", "workspace_id": "1", "expires_in_ms": 9}}},
        {"lease_ttl_s": 15, "leases": {"wa_a": {"epoch": 2, "expires_in_ms": 9}}},
        {
            "lease_ttl_s": 15,
            "leases": {"wa_a": {"epoch": 2, "workspace_id": "1", "restore": "yes", "expires_in_ms": 9}},
        },
        # A lease without what is left of it (the backend's older answer, lease_ttl_s only) is no lease.
        {"lease_ttl_s": 15, "leases": {"wa_a": {"epoch": 2, "workspace_id": "1"}}},
        {"lease_ttl_s": 15, "leases": {"wa_a": {"epoch": 2, "workspace_id": "1", "expires_in_ms": -1}}},
        {"lease_ttl_s": 15, "leases": {"wa_a": {"epoch": 2, "workspace_id": "1", "expires_in_ms": 1.5}}},
        {"lease_ttl_s": 15, "leases": {"wa_a": {"epoch": 2, "workspace_id": "1", "expires_in_ms": True}}},
    ],
)
def test_an_answer_without_valid_leases_is_refused_whole(answer):
    with pytest.raises(InvalidAnswer):
        parse_answer(answer)
