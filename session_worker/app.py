"""The app factory: every resource is opened and closed in one ``cleanup_ctx``, in dependency order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from session_worker.api import setup_routes
from session_worker.browser import BrowserHost
from session_worker.delivery import Delivery
from session_worker.heartbeat import heartbeat_loop
from session_worker.keys import HOST, MANAGER, METRICS, SETTINGS
from session_worker.metrics import Metrics
from session_worker.sessions import SessionManager
from session_worker.settings import Settings
from session_worker.store import Store

log = logging.getLogger("session_worker.app")

OUTBOX_FILE = "worker.sqlite3"
DELIVERED_KEPT_S = 86_400


async def _resources(app: web.Application) -> AsyncIterator[None]:
    settings, metrics = app[SETTINGS], app[METRICS]
    settings.session_data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.session_data_dir / OUTBOX_FILE)
    await store.open()
    http = aiohttp.ClientSession()
    delivery = Delivery(settings=settings, store=store, http=http, metrics=metrics)
    host = BrowserHost(settings=settings, metrics=metrics)
    manager = SessionManager(settings=settings, store=store, delivery=delivery, host=host, metrics=metrics)
    background: list[asyncio.Task] = []
    try:
        await delivery.start()
        await host.start()
        app[HOST], app[MANAGER] = host, manager
        background.append(asyncio.create_task(heartbeat_loop(manager=manager, http=http), name="heartbeat"))
        background.append(asyncio.create_task(manager.save_auth_loop(), name="save-auth"))
        background.append(asyncio.create_task(_prune_outbox(store), name="prune-outbox"))
        await manager.restore_all()
        log.info(
            "worker started",
            extra={"worker_id": settings.worker_id, "layout": settings.layout.value, "base_url": settings.base_url},
        )
        yield
    finally:
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await manager.close()
        await host.close()
        await delivery.close()
        await http.close()
        await store.close()
        log.info("worker stopped", extra={"worker_id": settings.worker_id})


async def _prune_outbox(store: Store) -> None:
    """Delivered events are kept a day (to answer "was it sent?"), then removed."""
    while True:
        removed = await store.outbox_prune(older_than_s=DELIVERED_KEPT_S)
        if removed:
            log.info("outbox pruned", extra={"removed": removed})
        await asyncio.sleep(3600)


def create_app(settings: Settings) -> web.Application:
    app = web.Application()
    app[SETTINGS] = settings
    app[METRICS] = Metrics.create()
    app.cleanup_ctx.append(_resources)
    setup_routes(app)
    return app
