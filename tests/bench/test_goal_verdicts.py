"""The table says whether each goal is met, from the figures alone."""

from tests.bench.report import rows, table


def _latency(p95: float) -> dict[str, float]:
    return {"n": 30, "p50": p95 / 2, "p95": p95, "p99": p95, "max": p95, "mean": p95 / 2}


def test_qr_goals_are_judged_on_p95():
    measures = {"qr": {"sequential_s": _latency(0.9), "at_once_s": _latency(5.5), "cleanup_s": 1.0}}
    sequential, at_once = rows(measures)
    assert sequential.met is True and sequential.seed == "7-9 s"
    assert at_once.met is False and at_once.verdict == "NO"


def test_success_needs_every_flow():
    base = {"flows": 100, "at_once": 4, "scan_to_connected_s": _latency(0.3), "total_s": _latency(1.0)}
    perfect = rows({"success": {**base, "succeeded": 100, "rate": 1.0}})[0]
    one_short = rows({"success": {**base, "succeeded": 99, "rate": 0.99}})[0]
    assert perfect.met is True
    assert one_short.met is False


def test_restore_that_showed_a_qr_misses_its_goal_however_fast():
    restore = {
        "sessions": 20,
        "link_failures": [],
        "worker_up_s": 1.0,
        "all_ready_on_worker_s": 3.0,
        "all_connected_s": 3.1,
        "sessions_that_showed_a_qr": 1,
    }
    [row] = rows({"restore": restore})
    assert row.met is False


def test_the_table_is_markdown_with_the_seed_beside_ours():
    text = table({"qr": {"sequential_s": _latency(0.5), "at_once_s": _latency(2.0), "cleanup_s": 1.0}})
    header, rule, first, _second = text.splitlines()
    assert header == "| measure | seed | ours | goal | met |"
    assert rule.count("---") == 5
    assert "| 7-9 s |" in first and first.endswith("| yes |")
