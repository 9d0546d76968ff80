"""A lease of the heartbeat's answer carries the session's proxy (shared/proxy.py), and the start the plan makes
of it carries it on; a malformed proxy makes the answer invalid, as any other malformed field of a lease does."""

import pytest

from session_worker.leases import Answer, InvalidAnswer, Lease, LeaseBook, Start, parse_answer, plan_answer
from shared.proxy import SessionProxy


def answer_with(proxy: object) -> dict:
    return {"leases": {"wa_a": {"epoch": 2, "workspace_id": "7", "expires_in_ms": 9_000, "proxy": proxy}}}


def test_a_leases_proxy_is_parsed_and_its_start_carries_it():
    wire = {"server": "http://proxy.example.com:3128", "username": "alice", "password": "s3cret"}

    parsed = parse_answer(answer_with(wire))
    plan = plan_answer(parsed, held={}, book=LeaseBook(), sent_at=10.0, now=10.0, margin_s=3.0)

    proxy = SessionProxy("http", "proxy.example.com", 3128, "alice", "s3cret")
    assert parsed == Answer(leases={"wa_a": Lease(2, "7", 9.0, proxy=proxy)})
    assert plan.start == (Start("wa_a", "7", 2, fetch_auth=False, lease_s=9.0, proxy=proxy),)


def test_a_lease_without_a_proxy_connects_directly():
    parsed = parse_answer({"leases": {"wa_a": {"epoch": 2, "workspace_id": "7", "expires_in_ms": 9_000}}})

    assert parsed.leases["wa_a"].proxy is None


@pytest.mark.parametrize(
    "proxy",
    [
        "http://proxy.example.com:3128",
        {"server": "ftp://proxy.example.com:21"},
        {"server": "socks5://proxy.example.com:1080", "username": "alice", "password": "s3cret"},
        {"server": "http://proxy.example.com:3128", "password": "s3cret"},
        {"server": "http://proxy.example.com:3128", "token": "x"},
    ],
)
def test_a_malformed_proxy_refuses_the_answer_without_echoing_the_password(proxy):
    with pytest.raises(InvalidAnswer, match="lease 'wa_a': proxy: ") as refused:
        parse_answer(answer_with(proxy))

    assert "s3cret" not in str(refused.value)
