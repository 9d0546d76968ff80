"""The app factory: each resource is opened and closed by its own ``cleanup_ctx``, in dependency order
(store, HTTP client, delivery, browser host, session manager and its lease keeper, warm page pool, background
loops); aiohttp closes them in reverse, and closes the ones already open when a later one fails to open."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import AsyncIterator, Coroutine

import aiohttp
from aiohttp import web

from session_worker.api import setup_routes
from session_worker.backend_auth import BackendStatus
from session_worker.browser import BrowserHost
from session_worker.delivery import Delivery
from session_worker.heartbeat import heartbeat_loop
from session_worker.keys import BACKEND, DELIVERY, HOST, HTTP, LEASES, MANAGER, METRICS, SETTINGS, STORE, WARM_PAGES
from session_worker.lease_keeper import LeaseKeeper
from session_worker.manager import SessionManager
from session_worker.metrics import Metrics
from session_worker.settings import Settings
from session_worker.store import Store
from session_worker.warm_pages import WarmPagePool

log = logging.getLogger("session_worker.app")

OUTBOX_FILE = "worker.sqlite3"
DELIVERED_KEPT_S = 86_400
OUTBOX_PRUNE_INTERVAL_S = 3600


async def _store(app: web.Application) -> AsyncIterator[None]:
    """The outbox, sequences and desired states, on disk."""
    settings = app[SETTINGS]
    settings.session_data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.session_data_dir / OUTBOX_FILE)
    await store.open()
    app[STORE] = store
    try:
        yield
    finally:
        await store.close()
        log.info("worker stopped", extra={"worker_id": settings.worker_id})


async def _http(app: web.Application) -> AsyncIterator[None]:
    """One HTTP client for the webhooks, the heartbeats and the auth states; it trusts BACKEND_CA_FILE's CAs for
    the backend's TLS when that is set, the system's otherwise."""
    ca_file = app[SETTINGS].backend_ca_file
    connector = aiohttp.TCPConnector(ssl=ssl.create_default_context(cafile=ca_file)) if ca_file else None
    async with aiohttp.ClientSession(connector=connector) as http:
        app[HTTP] = http
        yield


async def _delivery(app: web.Application) -> AsyncIterator[None]:
    """Webhook delivery: it resumes at once what the outbox still holds from before a restart."""
    delivery = Delivery(
        settings=app[SETTINGS], store=app[STORE], http=app[HTTP], metrics=app[METRICS], backend=app[BACKEND]
    )
    app[DELIVERY] = delivery
    try:
        await delivery.start()
        yield
    finally:
        await delivery.close()


async def _browser(app: web.Application) -> AsyncIterator[None]:
    """Playwright and Chromium."""
    host = BrowserHost(settings=app[SETTINGS], metrics=app[METRICS])
    app[HOST] = host
    try:
        await host.start()
        yield
    finally:
        await host.close()


async def _sessions(app: web.Application) -> AsyncIterator[None]:
    """The session manager and its lease keeper. It starts only what its leases say: the start command, and
    each heartbeat's answer (session_worker/lease_keeper.py). Its disk is a cache, and what it ran may have
    moved while it was away."""
    manager = SessionManager(
        settings=app[SETTINGS], store=app[STORE], delivery=app[DELIVERY], host=app[HOST], metrics=app[METRICS]
    )
    manager.leases.highest = await app[STORE].session_epochs()  # what it has seen, before this start
    app[MANAGER] = manager
    app[LEASES] = LeaseKeeper(manager=manager)
    try:
        yield
    finally:
        await manager.close()  # every session keeps its auth and its wish to run


async def _warm_pages(app: web.Application) -> AsyncIterator[None]:
    """The warm page pool, filled once the first heartbeat's answer has started the sessions to restore, and
    after they are ready."""
    manager = app[MANAGER]
    pool = WarmPagePool(
        settings=app[SETTINGS],
        host=app[HOST],
        metrics=app[METRICS],
        opening=manager.opening_count,
        restore_known=lambda: manager.leases.answered,  # the first heartbeat's answer has started its sessions
    )
    app[WARM_PAGES] = pool
    manager.warm_pages = pool
    try:
        await pool.start()
        yield
    finally:
        manager.warm_pages = None
        await pool.close()


async def _background(app: web.Application) -> AsyncIterator[None]:
    """The heartbeat, the periodic save of ready sessions' auth, the outbox's pruning."""
    settings, manager, leases = app[SETTINGS], app[MANAGER], app[LEASES]
    loops: list[Coroutine] = [
        heartbeat_loop(manager=manager, leases=leases, http=app[HTTP]),
        leases.fence_loop(),
        manager.auth_sync.save_loop(lambda: manager.sessions.values(), settings.auth_save_interval_s),
        _prune_outbox(app[STORE]),
    ]
    tasks = [asyncio.create_task(loop, name=loop.__name__) for loop in loops]
    log.info(
        "worker started",
        extra={"worker_id": settings.worker_id, "layout": settings.layout.value, "base_url": settings.base_url},
    )
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _prune_outbox(store: Store) -> None:
    """Delivered events are kept a day (to answer "was it sent?"), then removed."""
    while True:
        removed = await store.outbox_prune(older_than_s=DELIVERED_KEPT_S)
        if removed:
            log.info("outbox pruned", extra={"removed": removed})
        await asyncio.sleep(OUTBOX_PRUNE_INTERVAL_S)


def create_app(settings: Settings) -> web.Application:
    app = web.Application()
    app[SETTINGS] = settings
    app[METRICS] = Metrics.create()
    app[BACKEND] = BackendStatus()
    app.cleanup_ctx.extend([_store, _http, _delivery, _browser, _sessions, _warm_pages, _background])
    setup_routes(app)
    return app
