"""Typed keys of the app's shared state."""

from aiohttp import web

from session_worker.browser import BrowserHost
from session_worker.metrics import Metrics
from session_worker.sessions import SessionManager
from session_worker.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", Metrics)
HOST = web.AppKey("host", BrowserHost)
MANAGER = web.AppKey("manager", SessionManager)
