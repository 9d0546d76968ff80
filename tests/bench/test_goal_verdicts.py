"""The table says whether each goal is met, from the figures alone, with the peer's figure and the ratio."""

from tests.bench.report import rows, table


def _latency(p95: float) -> dict[str, float]:
    return {"n": 30, "p50": p95 / 2, "p95": p95, "p99": p95, "max": p95, "mean": p95 / 2}


def _qr(sequential: float, burst20: float) -> dict:
    burst = {"latency_s": _latency(burst20), "without_qr": 0, "warm_starts": 2, "cleanup_s": 1.0}
    return {"sequential_s": _latency(sequential), "sequential_warm_starts": 30, "at_once": {"20": burst}}


def test_qr_goals_are_judged_on_p95():
    measures = {"qr": _qr(0.25, 2.5), "peer": {"first_qr_s": {"1": _latency(3.0), "20": _latency(6.0)}}}
    sequential, at_once = rows(measures)
    assert sequential.met is True and sequential.seed == "7-9 s"
    assert at_once.met is False and at_once.verdict == "NO"  # under 3 s, but only 2.4x faster than the peer
    assert at_once.ratio == "2.4x faster at p95"


def test_twenty_at_once_needs_the_peer_to_judge_it():
    [_, without_peer] = rows({"qr": _qr(0.25, 2.0)})
    [_, three_times] = rows({"qr": _qr(0.25, 2.0), "peer": {"first_qr_s": {"20": _latency(6.0)}}})
    assert without_peer.met is False and without_peer.ratio == "-"
    assert three_times.met is True and three_times.ratio == "3.0x faster at p95"


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
        "to_connected_s": _latency(3.0),
        "sessions_that_showed_a_qr": 1,
    }
    [row] = rows({"restore": {"rounds": {"20": restore}}})
    assert row.met is False
    [clean] = rows({"restore": {"rounds": {"20": {**restore, "sessions_that_showed_a_qr": 0}}}})
    assert clean.met is True


def test_the_table_is_markdown_with_the_seed_and_the_peer_beside_ours():
    text = table({"qr": _qr(0.2, 1.0), "peer": {"first_qr_s": {"1": _latency(4.0), "20": _latency(9.0)}}})
    header, rule, first, second = text.splitlines()
    assert header == "| measure | seed | ours | peer (whatsapp-web.js) | ours vs peer | goal | met |"
    assert rule.count("---") == 7
    assert "| 7-9 s |" in first and "| 20.0x faster at p95 |" in first and first.endswith("| yes |")
    assert "| 9.0x faster at p95 |" in second and second.endswith("| yes |")


def _spread_failover(**changes) -> dict:
    seen = {
        "sessions": 30,
        "victims": 10,
        "workers_used": ["worker-1", "worker-2", "worker-3"],
        "workers_per_workspace": [3] * 10,
        "failover_s": 12.0,
        "qrs_after_kill": 0,
        "qr_counts_unchanged": True,
        "double_connections": 0,
        "not_connected": [],
        "primaries_per_workspace": [1] * 10,
        "moves": 10,
    }
    return {**seen, **changes}


def test_the_scale_scenarios_are_judged_on_their_behaviour():
    [clean] = rows({"spread_failover": _spread_failover()})
    [one_qr] = rows({"spread_failover": _spread_failover(qrs_after_kill=1)})
    [two_primaries] = rows({"spread_failover": _spread_failover(primaries_per_workspace=[1] * 9 + [2])})
    assert clean.met is True and "30 sessions in 10 workspaces" in clean.measure
    assert one_qr.met is False and two_primaries.met is False

    flows = {"flows": 200, "lanes": 4, "connected": 200, "sessions_without_events": [], "sessions_out_of_order": [],
             "sessions_not_ready_once": [], "error_lines": {"worker": []}, "flow_s": _latency(3.0)}  # fmt: skip
    assert rows({"flows": flows})[0].met is True
    assert rows({"flows": {**flows, "error_lines": {"worker": ["ERROR x"]}}})[0].met is False
    assert rows({"flows": {**flows, "connected": 199}})[0].met is False


def test_an_outage_is_met_by_a_connected_account_whose_events_came_in_order():
    outage = {"outage_s": 60.2, "connected_after_s": 3.0, "phone_number": True, "is_primary": True,
              "sequences_in_order": True, "outcomes": ["applied"],
              "last_linking_events": ["session_authenticated", "session_ready"], "backend_errors": []}  # fmt: skip
    [row] = rows({"outage": outage})
    assert row.met is True and "60.2 s of backend outage" in row.measure
    assert rows({"outage": {**outage, "sequences_in_order": False}})[0].met is False
