"""Typed keys for the app's shared state."""

from aiohttp import web

from simulator.config import SimulatorConfig
from simulator.hub import Hub
from simulator.phone import Phone

CONFIG = web.AppKey("config", SimulatorConfig)
HUB = web.AppKey("hub", Hub)
PHONE = web.AppKey("phone", Phone)
