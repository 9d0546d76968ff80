"""``python -m session_worker``: settings from the environment, then serve until SIGTERM or SIGINT."""

from __future__ import annotations

import os
import sys

from aiohttp import web

from session_worker import logs
from session_worker.app import create_app
from session_worker.settings import Settings, SettingsError


def main() -> int:
    os.umask(0o077)  # its outbox, auth files and Chromium profiles: owner-only (docs/security.md)
    logs.configure()
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"session_worker: bad setting {exc}", file=sys.stderr)
        return 2
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
