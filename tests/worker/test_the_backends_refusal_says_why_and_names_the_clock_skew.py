"""What the worker makes of the backend's 401 (session_worker/backend_auth.py): the clock skew from the answer's
``server_time``, else its ``Date`` header, and a cause an operator can act on."""

import email.utils
import json

from session_worker.backend_auth import BackendStatus, clock_skew_s

LOCAL = 1_000_000.0


def test_the_skew_is_read_from_server_time_first_then_the_date_header():
    body = json.dumps({"error": "timestamp too old", "server_time": LOCAL + 360}).encode()
    date = {"Date": email.utils.formatdate(LOCAL + 800, usegmt=True)}

    assert clock_skew_s(body, date, local_time=LOCAL) == 360
    assert clock_skew_s(b'{"error": "bad signature"}', date, local_time=LOCAL) == 800
    assert clock_skew_s(b"not json", {}, local_time=LOCAL) is None


def test_a_skew_is_named_with_what_to_do_and_other_refusals_with_a_hint():
    status = BackendStatus()
    behind = json.dumps({"error": "timestamp too new", "detail": "", "server_time": LOCAL - 420}).encode()
    status.refused(what="webhook", status=401, body=behind, headers={}, local_time=LOCAL)

    assert status.health()["clock_skew_s"] == -420
    assert "the backend's clock is 420 s behind this worker's: fix the clock (NTP)" in status.health()["cause"]

    unknown = json.dumps({"error": "unknown worker", "detail": "no worker 'w'", "server_time": LOCAL + 1}).encode()
    status.refused(what="heartbeat", status=401, body=unknown, headers={}, local_time=LOCAL)
    assert "register this worker" in status.health()["cause"] and "clock" not in status.health()["cause"]

    status.accepted()
    assert status.health() is None
