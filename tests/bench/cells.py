"""A row of the bench's table and how its cells are written: seconds, latency summaries, milliseconds, the load
average around a measure, and how many times the peer's figure is ours. Memory is given in MB (10^6 bytes) of
PSS, as the goal is stated (``MIB`` converts the MiB the measures record)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MIB = 1024 * 1024 / 1e6  # MiB -> MB


@dataclass(frozen=True)
class Row:
    measure: str
    seed: str
    ours: str
    goal: str = "-"
    met: bool | None = None  # None: no goal, or not measured
    peer: str = "-"
    ratio: str = "-"

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "NO", None: "-"}[self.met]


def seconds(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def latency(summary: dict[str, Any]) -> str:
    return (
        f"p50 {seconds(summary['p50'])}, p95 {seconds(summary['p95'])}, max {seconds(summary['max'])} "
        f"(n={summary['n']})"
    )


def ms(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def at_most(value: float | None, limit: float) -> bool:
    return value is not None and not math.isnan(value) and value <= limit


def load(measure: dict[str, Any]) -> str:
    """The machine's 1-minute load average before and after the measure (other jobs slow it down)."""
    if not (around := measure.get("load_average")):
        return ""
    return f"; load {around[0]:.1f}-{around[1]:.1f}"


def times(peer: float | None, ours: float | None) -> float | None:
    """How many times the peer's figure is ours (higher is better for us); None when either is missing."""
    if peer is None or ours is None or math.isnan(peer) or math.isnan(ours) or ours <= 0:
        return None
    return peer / ours


def ratio(times: float | None, what: str) -> str:
    return "n/a" if times is None else f"{times:.1f}x {what}"
