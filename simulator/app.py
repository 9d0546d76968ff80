"""The app factory: ``create_app(config)`` builds the simulator; resources open and close in one place."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from simulator.config import SimulatorConfig, make_config
from simulator.hub import Hub
from simulator.keys import CONFIG, HUB, PHONE
from simulator.phone import Phone
from simulator.registry import Registry
from simulator.views import setup_routes

log = logging.getLogger(__name__)


def create_app(config: SimulatorConfig | None = None) -> web.Application:
    app = web.Application()
    app[CONFIG] = config or make_config()
    app.cleanup_ctx.append(_hub)
    app.on_shutdown.append(_close_pages)
    setup_routes(app)
    return app


async def _hub(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    registry = Registry(config.registry_path)
    app[HUB] = hub = Hub(config=config, registry=registry)
    app[PHONE] = Phone(hub=hub)
    log.info("simulator ready: profile %s, registry %s", config.profile, config.registry_path or "in memory")
    yield
    await app[HUB].close()
    registry.close()


async def _close_pages(app: web.Application) -> None:
    await app[HUB].close()
