"""``python -m simulator --port 8002 --profile instant|realistic [--host 127.0.0.1] [--data-dir var/simulator]
[--version BUILD]``

``--version`` picks the WhatsApp Web build served at start (simulator/builds.py; the phone API switches it later).

Every other setting of the profile can be overridden with its own flag, for example
``--first-qr-lifetime 2 --boot-delay 0.5 --sync-delay 1,3`` (a delay takes one number or ``low,high``).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import re
import socket
from typing import Any

from aiohttp import web

from simulator.app import create_app
from simulator.builds import BUILDS
from simulator.config import PROFILES, RANGE_FIELDS, SimulatorConfig, make_config

NOT_FLAGS = {"profile", "data_dir", "connected_after_sync"}  # connected_after_sync: tests only
# A phone number standing alone in a log line: 8 to 15 digits, with or without "+".
PHONE_NUMBER = re.compile(r"(?<![\w.+])\+?\d{8,15}(?![\w.])")


class PhoneNumberMask(logging.Filter):
    """Logs a phone number by its last 4 digits only (``6281234567890`` -> ``*********7890``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = PHONE_NUMBER.sub(lambda m: "*" * (len(m.group().lstrip("+")) - 4) + m.group()[-4:], message)
        record.args = None
        return True


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(PhoneNumberMask())


def _range(text: str) -> tuple[float, float]:
    low, _, high = text.partition(",")
    return float(low), float(high or low)


def parse_args(argv: list[str] | None = None) -> tuple[argparse.Namespace, dict[str, Any]]:
    parser = argparse.ArgumentParser(prog="python -m simulator", description="A local WhatsApp Web and phone.")
    parser.add_argument("--host", default=os.environ.get("SIMULATOR_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SIMULATOR_PORT", "8002")))
    parser.add_argument("--profile", choices=sorted(PROFILES), default=os.environ.get("SIMULATOR_PROFILE", "instant"))
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("SIMULATOR_DATA_DIR", "var/simulator"),
        help="where linked devices are kept (devices.sqlite3)",
    )
    overrides = parser.add_argument_group("overrides of the profile's settings (seconds)")
    for field in dataclasses.fields(SimulatorConfig):
        if field.name in NOT_FLAGS:
            continue
        kind = _range if field.name in RANGE_FIELDS else {"int": int, "float": float}.get(str(field.type), str)
        extra: dict[str, Any] = {}
        if field.name == "version":
            extra = {"choices": list(BUILDS), "help": "the WhatsApp Web build served at start (default: today's)"}
        overrides.add_argument("--" + field.name.replace("_", "-"), dest=field.name, type=kind, default=None, **extra)
    args = parser.parse_args(argv)
    chosen = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(SimulatorConfig)
        if f.name not in NOT_FLAGS and getattr(args, f.name) is not None
    }
    return args, chosen


def main(argv: list[str] | None = None) -> None:
    args, overrides = parse_args(argv)
    os.umask(0o077)  # its registry of linked devices: owner-only
    configure_logging()
    config = make_config(profile=args.profile, data_dir=args.data_dir, **overrides)
    # Bind first, so that --port 0 works and the line below names the real port.
    sock = socket.create_server((args.host, args.port))
    host, port = sock.getsockname()[:2]
    print(f"simulator listening on http://{host}:{port} (profile {args.profile}, build {config.version})", flush=True)
    web.run_app(create_app(config), sock=sock, print=None)


if __name__ == "__main__":
    main()
