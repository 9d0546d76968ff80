"""The check a session's proxy passes before its page opens (session_worker/proxy_check.py), against a real
proxy (tinyproxy with basic auth) in front of the simulator: the right credentials pass, wrong or missing ones are
PROXY_AUTH_FAILED, a stopped proxy (its port closed) is PROXY_UNREACHABLE, and no detail holds the password."""

from session_worker.proxy_check import check_proxy
from shared.names import DisconnectReason
from shared.proxy import proxy_from_wire, proxy_parse
from tests.harness.tinyproxy import Tinyproxy

TIMEOUT_S = 20.0  # generous: the machine is shared; a closed port answers at once anyway


async def test_the_right_credentials_pass(sim):
    with Tinyproxy(auth=("alice", "s3cret"), bind="127.0.0.2") as proxy:
        result = await check_proxy(proxy_from_wire(proxy.wire()), sim.url + "/", timeout_s=TIMEOUT_S)

        assert result.ok, result
        assert f"HEAD {sim.url}/ HTTP/1.1" in proxy.log_text()


async def test_a_site_behind_an_https_url_is_reached_by_connect(sim):
    with Tinyproxy(auth=("alice", "s3cret")) as proxy:
        # Any https:// site: CONNECT to the simulator's port (tinyproxy lets CONNECT through to any port).
        target = sim.url.replace("http://", "https://") + "/"
        result = await check_proxy(proxy_from_wire(proxy.wire()), target, timeout_s=TIMEOUT_S)

        assert result.ok, result
        assert f"CONNECT {sim.url.removeprefix('http://')} HTTP/1.1" in proxy.log_text()


async def test_wrong_or_missing_credentials_are_an_auth_failure(sim):
    with Tinyproxy(auth=("alice", "s3cret")) as proxy:
        wrong = await check_proxy(proxy_from_wire(proxy.wire(password="wrong-pw")), sim.url + "/", timeout_s=TIMEOUT_S)
        missing = await check_proxy(proxy_parse(proxy.url), sim.url + "/", timeout_s=TIMEOUT_S)

    assert (wrong.ok, wrong.reason) == (False, DisconnectReason.PROXY_AUTH_FAILED)
    assert (missing.ok, missing.reason) == (False, DisconnectReason.PROXY_AUTH_FAILED)
    assert proxy.address in wrong.detail and "credentials" in wrong.detail
    assert "wrong-pw" not in wrong.detail and "alice" not in wrong.detail


async def test_a_stopped_proxy_is_unreachable_within_the_timeout(sim):
    with Tinyproxy(auth=("alice", "s3cret")) as proxy:
        proxy.stop()
        result = await check_proxy(proxy_from_wire(proxy.wire()), sim.url + "/", timeout_s=TIMEOUT_S)

    assert (result.ok, result.reason) == (False, DisconnectReason.PROXY_UNREACHABLE)
    assert proxy.address in result.detail and "s3cret" not in result.detail


async def test_a_proxy_that_cannot_reach_the_site_is_unreachable(sim):
    with Tinyproxy() as proxy:
        closed = Tinyproxy()  # a free port nothing listens on
        closed.close()
        result = await check_proxy(proxy_parse(proxy.url), f"http://127.0.0.1:{closed.port}/", timeout_s=TIMEOUT_S)

    assert (result.ok, result.reason) == (False, DisconnectReason.PROXY_UNREACHABLE)
    assert "could not reach" in result.detail and f"127.0.0.1:{closed.port}" in result.detail
