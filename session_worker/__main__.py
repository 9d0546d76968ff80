"""``python -m session_worker``: settings from the environment, then serve until SIGTERM or SIGINT.

SIGTERM and SIGINT begin a planned stop at once, in the signal's own callback: under supervisord's
``stopasgroup`` (or Ctrl-C in a terminal) Playwright's driver gets the signal too and may take the browser down
before the app's cleanup runs, and what the sessions see of that is the stop, not a crash (nothing is reported;
session_worker/manager.py ``begin_stop``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from aiohttp import web
from aiohttp.web_runner import GracefulExit

from session_worker import logs
from session_worker.app import create_app
from session_worker.keys import MANAGER
from session_worker.settings import Settings, SettingsError


async def _planned_stop_on_signals(app: web.Application) -> None:
    """Replace aiohttp's handlers (which only raise GracefulExit) once the app is up."""

    def planned_stop() -> None:
        app[MANAGER].begin_stop()
        raise GracefulExit

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, planned_stop)


def main() -> int:
    os.umask(0o077)  # its outbox, auth files and Chromium profiles: owner-only (docs/security.md)
    logs.configure()
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"session_worker: bad setting {exc}", file=sys.stderr)
        return 2
    app = create_app(settings)
    app.on_startup.append(_planned_stop_on_signals)  # after the cleanup contexts: the manager is there
    web.run_app(app, host=settings.host, port=settings.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
