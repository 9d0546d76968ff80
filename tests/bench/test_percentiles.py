"""The bench's percentiles are nearest-rank: every figure it prints is a latency that was really observed."""

import math

from tests.bench.stats import percentile, summary


def test_nearest_rank_picks_an_observed_sample():
    samples = [0.5, 0.1, 0.4, 0.2, 0.3]
    assert percentile(samples, 50) == 0.3
    assert percentile(samples, 95) == 0.5
    assert percentile(samples, 1) == 0.1


def test_p95_of_twenty_is_the_nineteenth_smallest():
    samples = [float(i) for i in range(1, 21)]
    assert percentile(samples, 95) == 19.0
    assert percentile(samples, 99) == 20.0


def test_no_samples_give_nan_not_an_error():
    result = summary([])
    assert result["n"] == 0
    assert math.isnan(result["p50"]) and math.isnan(result["max"])
