"""Typed keys of the app's shared state: every ``web.AppKey`` of the worker (each set by the ``cleanup_ctx`` of
session_worker/app.py that opens it, REPLAYS by session_worker/api.py's ``setup_routes``)."""

import aiohttp
from aiohttp import web

from session_worker.backend_auth import BackendStatus
from session_worker.browser import BrowserHost
from session_worker.delivery import Delivery
from session_worker.lease_keeper import LeaseKeeper
from session_worker.manager import SessionManager
from session_worker.metrics import Metrics
from session_worker.replays import ReplayGuard
from session_worker.settings import Settings
from session_worker.store import Store
from session_worker.warm_pages import WarmPagePool

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", Metrics)
BACKEND = web.AppKey("backend", BackendStatus)
STORE = web.AppKey("store", Store)
HTTP = web.AppKey("http", aiohttp.ClientSession)
DELIVERY = web.AppKey("delivery", Delivery)
HOST = web.AppKey("host", BrowserHost)
MANAGER = web.AppKey("manager", SessionManager)
LEASES = web.AppKey("leases", LeaseKeeper)
WARM_PAGES = web.AppKey("warm_pages", WarmPagePool)
REPLAYS = web.AppKey("replays", ReplayGuard)
