"""5. Webhook ingest: signed events per second through the backend's whole path (verify, persist in the
inbox, apply to the account under its locks, broadcast to the workspace's WebSocket) at 1, 8 and 32
concurrent senders, with p50/p99 latency; and the same server's bare /healthz view as the ceiling.

Two servers on the same database and Redis: daphne as `make run` and the live stack run it, and gunicorn
as deploy/supervisord.conf runs it in production (2 workers, 4 threads). The events are real contract
events (``shared.events.make_event``): ``qr_code_generated``, the commonest event, for 64 accounts in 16
workspaces (at 32 senders, two senders share each workspace and so its row lock). Each sender is a worker
registered as an operator does (``LiveStack.register_identity``: its own Ed25519 key, ``x-worker-id`` and a
``v1a`` signature on each event, tests/harness/identities.py) and holds the leases of its accounts (set in the
database at epoch 1, expiring long after the measure), so the backend authenticates and authorizes every event
as a real worker's, its sequences arrive in order and every event is applied, not merely recorded as stale.
Counts are bounded. The accounts are deleted at the end (no QR of theirs expires into a stop command to a worker
that does not exist).
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
import psycopg

from shared.events import Event, make_event
from shared.identity import KeyPair
from tests.bench import pss
from tests.bench.stack import BenchStack
from tests.bench.stats import summary
from tests.harness.identities import event_headers
from tests.harness.livestack import BIN, Process, free_port
from tests.harness.people import run_django

LEVELS = (1, 8, 32)
SECONDS = 4.0  # the most one level may take, whatever its count
EPOCH = 1  # the leases the senders hold

# Each account's lease is held by its sender's worker, at EPOCH, until long after the measure (no failover moves it).
_ACCOUNTS_SCRIPT = """
import datetime as dt
from django.utils import timezone
from backend.accounts.models import AccountStatus, WhatsAppAccount
result = []
expires = timezone.now() + dt.timedelta(days=1)
for index, (session_id, worker_id) in enumerate(spec["sessions"]):
    workspace_id = spec["workspaces"][index % len(spec["workspaces"])]
    WhatsAppAccount.objects.create(workspace_id=workspace_id, session_id=session_id, status=AccountStatus.QR_SCANNING,
                                   worker_id=worker_id, lease_epoch=spec["epoch"], lease_expires_at=expires)
    result.append([session_id, workspace_id])
"""
_DELETE_SQL = "UPDATE accounts_whatsappaccount SET deleted_at = now() WHERE session_id = ANY(%s)"


def _fake_qr() -> str:
    def key() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    return f"2@{key()},{key()},{key()},{key()},1"


def qr_event(*, session_id: str, workspace_id: int | str, worker_id: str, sequence: int) -> Event:
    """A ``qr_code_generated`` of the lease at EPOCH, as a worker sends it."""
    return make_event(
        type="qr_code_generated",
        session_id=session_id,
        workspace_id=str(workspace_id),
        worker_id=worker_id,
        epoch=EPOCH,
        sequence=sequence,
        data={"qr": _fake_qr(), "qr_count": 1, "expires_in": 60},
    )


class Sender:
    """A registered worker: events for the accounts whose leases it holds, with each account's sequence growing."""

    def __init__(self, worker_id: str, key: KeyPair, accounts: list[tuple[str, int]]) -> None:
        self.worker_id, self.key = worker_id, key
        self._accounts = itertools.cycle(accounts)
        self._sequences = {session_id: itertools.count(1) for session_id, _ in accounts}

    def next_request(self) -> tuple[bytes, dict[str, str]]:
        session_id, workspace_id = next(self._accounts)
        sequence = next(self._sequences[session_id])
        event = qr_event(session_id=session_id, workspace_id=workspace_id, worker_id=self.worker_id, sequence=sequence)
        body = event.to_json()
        return body, event_headers(self.worker_id, self.key.private, body, msg_id=event.id)


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
    *, http: aiohttp.ClientSession, base_url: str, pid: int, senders: list[Sender], counts: dict[int, int]
) -> dict[str, Any]:
    webhook, healthz = f"{base_url}/api/v1/whatsapp/webhook", f"{base_url}/healthz"

    def event(sender: int) -> tuple[str, bytes, dict[str, str]]:
        return ("POST", *senders[sender].next_request())

    def hello(_sender: int) -> tuple[str, bytes, dict[str, str]]:
        return "GET", b"", {}

    # Warm up: every server process/thread imports its views and opens its pool before the clock runs.
    warmup = await _level(http=http, url=webhook, senders=8, count=32, request=event)
    if not warmup["outcomes"].get("applied"):
        raise RuntimeError(f"{base_url}: no event of the warm-up applied: {warmup['outcomes']}")
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
    top = max(LEVELS)
    worker_ids = [f"bench-ingest-{i + 1}" for i in range(top)]
    keys = [await asyncio.to_thread(stack.live.register_identity, worker_id) for worker_id in worker_ids]
    workspace_ids = await stack.workspaces(workspaces, prefix="Bench ingest")
    session_ids = [f"wa_{secrets.token_hex(16)}" for _ in range(accounts)]
    holders = [[session_id, worker_ids[i % top]] for i, session_id in enumerate(session_ids)]
    spec = {"sessions": holders, "workspaces": workspace_ids, "epoch": EPOCH}
    made = await asyncio.to_thread(run_django, stack.live, _ACCOUNTS_SCRIPT, spec)
    feeds = [await stack.feed(w) for w in workspace_ids]  # an operator's page open on each workspace
    pairs = [(session_id, workspace_id) for session_id, workspace_id in made]  # pairs[i] is worker i % top's
    senders = [Sender(worker_ids[i], keys[i], pairs[i::top]) for i in range(top)]

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
                levels = await _server(http=http, base_url=base_url, pid=pid, senders=senders, counts=counts)
                await asyncio.sleep(1.0)
                received = sum(len(f.messages) for f in feeds) - before
                applied = levels.pop("warmup_applied") + sum(
                    level["events"]["outcomes"].get("applied", 0) for level in levels.values()
                )
                results[name] = {"levels": levels, "broadcasts_expected": applied, "broadcasts_received": received}
    finally:
        await asyncio.to_thread(gunicorn.stop)
        async with await psycopg.AsyncConnection.connect(stack.live.db_url, autocommit=True) as db:
            await db.execute(_DELETE_SQL, (session_ids,))
    return results
