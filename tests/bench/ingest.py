"""5. Webhook ingest: signed events per second through the backend's whole path (verify, persist in the
inbox, apply to the account under its locks, broadcast to the workspace's WebSocket) at 1, 8 and 32
concurrent senders, with p50/p99 latency; and the same server's bare /healthz view as the ceiling.

Two servers on the same database and Redis: daphne as `make run` and the live stack run it, and gunicorn
as deploy/supervisord.conf runs it in production (2 workers, 4 threads). The events are real contract
events (``shared.events.make_event`` signed with ``shared.signing.sign``): ``qr_code_generated``, the
commonest event and the heaviest to apply (it renders the QR's SVG), for 64 accounts in 16 workspaces (at 32
senders, two senders share each workspace and so its row lock). Each sender owns its accounts, so its
sequences arrive in order and every event is applied, not merely recorded as stale. Counts are bounded.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import secrets
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

from shared.events import make_event
from shared.signing import sign
from tests.bench import pss
from tests.bench.stack import BenchStack
from tests.bench.stats import summary
from tests.harness.livestack import BIN, Process, free_port
from tests.harness.people import run_django

LEVELS = (1, 8, 32)
SECONDS = 4.0  # the most one level may take, whatever its count
WORKER_ID = "bench-ingest"

_ACCOUNTS_SCRIPT = """
from backend.accounts.models import AccountStatus, WhatsAppAccount
result = []
for index, session_id in enumerate(spec["sessions"]):
    workspace_id = spec["workspaces"][index % len(spec["workspaces"])]
    WhatsAppAccount.objects.create(workspace_id=workspace_id, session_id=session_id, status=AccountStatus.QR_SCANNING)
    result.append([session_id, workspace_id])
"""


def _fake_qr() -> str:
    def key() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    return f"2@{key()},{key()},{key()},{key()},1"


class Sender:
    """Events for the accounts one sender owns, with each account's sequence growing."""

    def __init__(self, accounts: list[tuple[str, int]], sequences: dict[str, itertools.count]) -> None:
        self._accounts = itertools.cycle(accounts)
        self._sequences = sequences

    def next_request(self, secret: str) -> tuple[bytes, dict[str, str]]:
        session_id, workspace_id = next(self._accounts)
        event = make_event(
            type="qr_code_generated",
            session_id=session_id,
            workspace_id=str(workspace_id),
            worker_id=WORKER_ID,
            sequence=next(self._sequences[session_id]),
            data={"qr": _fake_qr(), "qr_count": 1, "expires_in": 60},
        )
        body = event.to_json()
        headers = sign([secret], event.id, int(time.time()), body)
        headers["content-type"] = "application/json"
        return body, headers


async def _level(
    *, http: aiohttp.ClientSession, url: str, senders: int, count: int, request: Any, seconds: float = SECONDS
) -> dict[str, Any]:
    """Up to ``count`` requests, for at most ``seconds``, from ``senders`` concurrent loops; ``request(i)``
    gives sender i's next (method, body, headers)."""
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    todo = iter(range(count))
    deadline = time.monotonic() + seconds

    async def loop(sender: int) -> None:
        for _ in todo:
            if time.monotonic() > deadline:
                break
            method, body, headers = request(sender)
            sent = time.monotonic()
            try:
                async with http.request(method, url, data=body, headers=headers) as response:
                    answer = await response.read()
                    latencies.append(time.monotonic() - sent)
                    if response.status == 200 and method == "POST":
                        outcomes[_outcome(answer)] += 1
                    else:
                        outcomes[str(response.status)] += 1
            except aiohttp.ClientError as exc:
                outcomes[type(exc).__name__] += 1

    started = time.monotonic()
    await asyncio.gather(*(loop(s) for s in range(senders)))
    elapsed = time.monotonic() - started
    return {
        "senders": senders,
        "requests": len(latencies),
        "seconds": elapsed,
        "per_second": len(latencies) / elapsed,
        "latency_s": summary(latencies),
        "outcomes": dict(outcomes),
    }


def _outcome(answer: bytes) -> str:
    import json

    try:
        return str(json.loads(answer).get("status", "200"))
    except ValueError:
        return "200"


async def _server(
    *, http: aiohttp.ClientSession, base_url: str, pid: int, secret: str, senders: list[Sender], counts: dict[int, int]
) -> dict[str, Any]:
    webhook, healthz = f"{base_url}/api/v1/whatsapp/webhook", f"{base_url}/healthz"

    def event(sender: int) -> tuple[str, bytes, dict[str, str]]:
        return ("POST", *senders[sender].next_request(secret))

    def hello(_sender: int) -> tuple[str, bytes, dict[str, str]]:
        return "GET", b"", {}

    # Warm up: every server process/thread imports its views and opens its pool before the clock runs.
    warmup = await _level(http=http, url=webhook, senders=8, count=32, request=event)
    await _level(http=http, url=healthz, senders=8, count=32, request=hello)
    levels: dict[str, Any] = {"warmup_applied": warmup["outcomes"].get("applied", 0)}
    for level in LEVELS:
        levels[str(level)] = {
            "events": await _with_cpu(
                pid, _level(http=http, url=webhook, senders=level, count=counts[level], request=event)
            ),
            "healthz": await _with_cpu(
                pid, _level(http=http, url=healthz, senders=level, count=counts[level], request=hello)
            ),
        }
    return levels


async def _with_cpu(pid: int, level: Any) -> dict[str, Any]:
    """The level's figures plus the server's CPU milliseconds per request (its process and children)."""
    before = pss.tree_cpu_seconds(pid)
    result = await level
    result["server_cpu_ms_per_request"] = (pss.tree_cpu_seconds(pid) - before) * 1000 / max(1, result["requests"])
    return result


def gunicorn_process(stack: BenchStack, folder: Path) -> Process:
    """The backend's HTTP as deploy/supervisord.conf runs it (program backend-http), on a free port."""
    port = free_port()
    argv = [str(BIN / "gunicorn"), "backend.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    argv += ["--workers", "2", "--threads", "4", "--timeout", "30", "--access-logfile", "-"]
    return Process(
        "gunicorn", argv, stack.live.django_env(), folder / "gunicorn.log", f"http://127.0.0.1:{port}/healthz"
    )


async def measure(
    *, stack: BenchStack, counts: dict[int, int], accounts: int = 64, workspaces: int = 16
) -> dict[str, Any]:
    workspace_ids = await stack.workspaces(workspaces, prefix="Bench ingest")
    session_ids = [f"wa_{secrets.token_hex(16)}" for _ in range(accounts)]
    made = await asyncio.to_thread(
        run_django, stack.live, _ACCOUNTS_SCRIPT, {"sessions": session_ids, "workspaces": workspace_ids}
    )
    feeds = [await stack.feed(w) for w in workspace_ids]  # an operator's page open on each workspace
    pairs = [(session_id, workspace_id) for session_id, workspace_id in made]
    top = max(LEVELS)
    sequences = {session_id: itertools.count(1) for session_id in session_ids}
    senders = [Sender(pairs[i::top], sequences) for i in range(top)]

    gunicorn = gunicorn_process(stack, stack.live.folder)
    await asyncio.to_thread(gunicorn.start)
    results: dict[str, Any] = {"event_type": "qr_code_generated", "accounts": accounts, "workspaces": workspaces}
    connector = aiohttp.TCPConnector(limit=top, force_close=False)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:
            backend = stack.live.processes["backend"]
            assert backend.popen is not None and gunicorn.popen is not None and gunicorn.ready_url
            servers = (
                ("daphne", stack.live.backend_url, backend.popen.pid),
                ("gunicorn", gunicorn.ready_url.removesuffix("/healthz"), gunicorn.popen.pid),
            )
            for name, base_url, pid in servers:
                before = sum(len(f.messages) for f in feeds)
                levels = await _server(
                    http=http, base_url=base_url, pid=pid, secret=stack.live.secret, senders=senders, counts=counts
                )
                await asyncio.sleep(1.0)
                received = sum(len(f.messages) for f in feeds) - before
                applied = levels.pop("warmup_applied") + sum(
                    level["events"]["outcomes"].get("applied", 0) for level in levels.values()
                )
                results[name] = {"levels": levels, "broadcasts_expected": applied, "broadcasts_received": received}
    finally:
        await asyncio.to_thread(gunicorn.stop)
    return results
