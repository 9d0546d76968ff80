"""A fetched auth state is inflated only within a bound (session_worker/gunzip.py): at most 8 times its compressed
size or 32 MiB, whichever is more, never beyond 256 MiB; and it must be one gzip member and nothing else. A gzip
bomb, trailing data or a second member is refused, never written, and fetched again later; the worker never
inflates more than the bound to find out."""

import gzip
import logging
import zlib

import pytest

from session_worker.browser import STATE_FILE
from shared import gunzip
from tests.harness.receiver import auth_state_response
from tests.harness.waiting import wait_until_async
from tests.worker.conftest import session_id

STATE = b'{"cookies": [], "origins": []}'


def bomb(inflated_bytes: int) -> bytes:
    """A gzip member of ``inflated_bytes`` zeros, made a MiB at a time (it never exists inflated here)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1024 * 1024)
    parts = [compressor.compress(chunk) for _ in range(inflated_bytes // len(chunk))]
    return b"".join([*parts, compressor.flush()])


def test_the_bound_grows_with_the_state_and_has_a_floor_and_a_ceiling():
    assert gunzip.inflate_limit(1000) == 32 * 1024 * 1024
    assert gunzip.inflate_limit(10 * 1024 * 1024) == 80 * 1024 * 1024
    assert gunzip.inflate_limit(100 * 1024 * 1024) == 256 * 1024 * 1024


def test_one_whole_member_within_the_bound_is_inflated():
    assert gunzip.gunzip(gzip.compress(STATE), limit=len(STATE)) == STATE


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (bomb(64 * 1024 * 1024), "inflates beyond"),
        (gzip.compress(STATE) + gzip.compress(STATE), "second member"),
        (gzip.compress(STATE) + b"\0" * 16, "trailing data"),
        (gzip.compress(STATE)[:-8], "not a complete gzip stream"),
        (STATE, "not gzip"),
    ],
    ids=["bomb", "second member", "trailing data", "truncated", "not gzip"],
)
def test_anything_else_is_refused(body, why):
    with pytest.raises(gunzip.Refused, match=why):
        gunzip.gunzip(body, limit=gunzip.inflate_limit(len(body)))


@pytest.mark.parametrize(
    "body", [bomb(64 * 1024 * 1024), gzip.compress(STATE) + gzip.compress(STATE)], ids=["bomb", "second member"]
)
async def test_a_worker_refuses_it_and_fetches_again(start_worker, receiver, caplog, body):
    sid = session_id()
    served: list[str] = []

    def serve(method, s):
        served.append(method)
        return auth_state_response(body) if s == sid and method == "GET" else None

    receiver.auth_answer = serve
    worker = await start_worker(warm_pages_max=0)
    with caplog.at_level(logging.ERROR, logger="session_worker.auth_store"):
        await worker.start_session(sid, epoch=1, restore=True)
        await wait_until_async(lambda: served.count("GET") >= 2, within=30, what="a second fetch")

    assert not (worker.manager.host.session_dir(sid) / STATE_FILE).exists()
    assert receiver.of(sid) == []  # no page opened from it: nothing to report
    assert any(r.getMessage() == "AUTH STATE NOT USED, retrying" for r in caplog.records)
