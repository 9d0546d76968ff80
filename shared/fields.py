"""Checks of one field of an event, each raising :class:`EventValidationError` that names the field, and the
patterns the fields must match."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# A phone number: E.164 digits without "+". The one definition for the backend and the worker (the simulator
# keeps its own copy in simulator/codes.py: it imports nothing of the others, by design).
PHONE_RE = re.compile(r"[1-9][0-9]{6,14}")
REASON_RE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
ID_RE = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


class EventValidationError(ValueError):
    """``field`` is a dotted path into the envelope (``data.phone_number``)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def require(obj: Mapping[str, Any], key: str, prefix: str) -> Any:
    if key not in obj:
        raise EventValidationError(prefix + key, "is required")
    return obj[key]


def string(obj, key, prefix, *, pattern: re.Pattern | None = None, max_length=1024, allow_empty=False) -> str:
    value = require(obj, key, prefix)
    if not isinstance(value, str):
        raise EventValidationError(prefix + key, "must be a string")
    if not value and not allow_empty:
        raise EventValidationError(prefix + key, "must not be empty")
    if len(value) > max_length:
        raise EventValidationError(prefix + key, f"must be at most {max_length} characters")
    if value and pattern is not None and not pattern.fullmatch(value):
        raise EventValidationError(prefix + key, f"must match {pattern.pattern}")
    return value


def integer(obj, key, prefix, *, minimum=0, maximum=2**63 - 1) -> int:
    value = require(obj, key, prefix)
    if not isinstance(value, int) or isinstance(value, bool):
        raise EventValidationError(prefix + key, "must be an integer")
    if not minimum <= value <= maximum:
        raise EventValidationError(prefix + key, f"must be between {minimum} and {maximum}")
    return value


def no_extra(obj: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
    extra = sorted(set(obj) - allowed)
    if extra:
        raise EventValidationError(prefix + extra[0], "is not a known field")
