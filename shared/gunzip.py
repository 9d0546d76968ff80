"""Bounded gzip, one rule for both sides: a session's auth state is inflated only within a limit, never however
far its body says. The backend applies it to what a worker uploads, the worker to what it fetches, so a state the
backend stores is one every worker will open.

A state is refused when it would inflate beyond :func:`inflate_limit` of its compressed size (a decompression bomb,
or not a state), when it is not one complete gzip member, or when anything follows that member (trailing data, a
second member: ``gzip.decompress`` would inflate those too).
"""

from __future__ import annotations

import zlib

MAX_STATE_BYTES = 256 * 1024 * 1024  # never more than this, inflated or not
EXPANSION = 8  # a state may inflate to this many times its compressed size...
FLOOR_BYTES = 32 * 1024 * 1024  # ...or to this, whichever is more (small states of repetitive JSON)


class Refused(ValueError):
    """The body is not a gzip'd state this worker will inflate."""


def inflate_limit(compressed_bytes: int) -> int:
    """How far a gzip'd state of ``compressed_bytes`` may inflate."""
    return min(MAX_STATE_BYTES, max(EXPANSION * compressed_bytes, FLOOR_BYTES))


def gunzip(data: bytes, *, limit: int) -> bytes:
    """The one gzip member of ``data``, inflated to at most ``limit`` bytes; Refused otherwise."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip only
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise Refused(f"not gzip: {exc}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise Refused(f"it inflates beyond {limit} bytes")
    if not inflater.eof:
        raise Refused("not a complete gzip stream")
    if inflater.unused_data:
        raise Refused(f"{len(inflater.unused_data)} bytes follow the gzip member (trailing data or a second member)")
    return out
