"""``POST /sessions`` with a malformed ``proxy`` is refused 400 ``invalid_proxy``, the detail saying why for a
person (shared/proxy.py's message), and nothing starts."""

from tests.worker.conftest import session_id


async def test_a_malformed_proxy_is_a_400_invalid_proxy_and_starts_nothing(start_worker):
    worker = await start_worker(warm_pages_max=0)
    sid = session_id()

    answers = [
        await worker.call("POST", "/sessions", {"session_id": sid, "workspace_id": "1", "proxy": proxy})
        for proxy in (
            {"server": "ftp://proxy.example.com:21"},
            {"server": "socks5://127.0.0.1:1080", "username": "alice", "password": "s3cret"},
            "http://127.0.0.1:3128",
        )
    ]

    assert [(status, body["error"]) for status, body in answers] == [(400, "invalid_proxy")] * 3
    assert "http://" in answers[0][1]["detail"]
    assert "Chromium cannot send a username and password to a SOCKS5 proxy" in answers[1][1]["detail"]
    assert "s3cret" not in answers[1][1]["detail"]
    assert sid not in worker.manager.sessions
