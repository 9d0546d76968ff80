"""Structured logs: one JSON object per line, with the fields given as ``extra``.

Phone numbers never reach the log whole: a field named ``*phone*`` keeps its last 4 digits, and so does any run
of 8 to 15 digits standing alone in the message or another field (``+6281234567890`` -> ``**********7890``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
# 8 to 15 digits (E.164's longest), with or without "+", not part of a longer word (session ids, hex, decimals).
_PHONE_NUMBER = re.compile(r"(?<![\w.+])\+?\d{8,15}(?![\w.])")


def _last_four(text: str) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def mask_phone_numbers(text: str) -> str:
    return _PHONE_NUMBER.sub(lambda match: _last_four(match.group()), text)


def _masked(key: str, value: object) -> object:
    if isinstance(value, str):
        return _last_four(value) if "phone" in key and value else mask_phone_numbers(value)
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "at": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": mask_phone_numbers(record.getMessage()),
        }
        line.update({key: _masked(key, value) for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            line["exc"] = mask_phone_numbers(self.formatException(record.exc_info))
        return json.dumps(line, default=str)


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
