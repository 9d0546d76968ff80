"""Percentiles of latency samples (nearest rank, so that a p95 is a value that was really observed)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 < q <= 100) of ``samples``; NaN when there are none."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(samples: Sequence[float]) -> dict[str, float]:
    """``{"n", "p50", "p95", "p99", "max", "mean", "samples"}`` of ``samples`` (seconds in, seconds out); the
    samples themselves, sorted, for the plots of their distribution."""
    return {
        "n": len(samples),
        "p50": percentile(samples, 50),
        "p95": percentile(samples, 95),
        "p99": percentile(samples, 99),
        "max": max(samples) if samples else math.nan,
        "mean": sum(samples) / len(samples) if samples else math.nan,
        "samples": [round(value, 5) for value in sorted(samples)],
    }
