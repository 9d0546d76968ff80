"""The table's rows of resilience: the failover of a killed worker's sessions and the drain of a worker
(tests/bench/failover.py), and the reliability suite's scenarios at full scale (tests/bench/scale.py): connect
flows back to back, first connections at once, the failover of sessions spread over three workers, a connect
through an outage of the backend."""

from __future__ import annotations

from typing import Any

from tests.bench.cells import Row, at_most, latency, load, seconds


def rows(measures: dict[str, Any]) -> list[Row]:
    out = _failover_rows(measures.get("failover", {}))
    if spread := measures.get("spread_failover"):
        out.append(_spread_failover_row(spread))
    if flows := measures.get("flows"):
        out.append(_flows_row(flows))
    if first := measures.get("first_connections"):
        out.append(_first_connections_row(first))
    if outage := measures.get("outage"):
        out.append(_outage_row(outage))
    return out


def _failover_rows(failover: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for run in failover.get("runs", []):
        n, clean = run["sessions"], run["failover_qrs"] == 0 and run["failover_double_connections"] == 0
        ours = f"{seconds(run['failover_s'])}, {run['failover_qrs']} QRs, {run['failover_double_connections']} double"
        met = at_most(run["failover_s"], 30.0) and clean
        out.append(
            Row(f"Failover: {n} sessions of a killed worker connected elsewhere", "never", ours, "<= 30 s, 0, 0", met)
        )
        if "drain_s" in run:
            clean = run["drain_qrs"] == 0 and run["drain_double_connections"] == 0
            ours = f"{seconds(run['drain_s'])}, {run['drain_qrs']} QRs, {run['drain_double_connections']} double"
            met = at_most(run["drain_s"], 30.0) and clean
            out.append(Row(f"Drain of {n} sessions (worker_drain, batches of 3)", "-", ours, "<= 30 s, 0, 0", met))
    return out


def _spread_failover_row(seen: dict[str, Any]) -> Row:
    clean = seen["qrs_after_kill"] == 0 and seen["double_connections"] == 0 and seen["qr_counts_unchanged"]
    placed = (
        seen["workers_used"] == ["worker-1", "worker-2", "worker-3"] and len(set(seen["workers_per_workspace"])) == 1
    )
    whole = (
        not seen["not_connected"] and set(seen["primaries_per_workspace"]) == {1} and seen["moves"] == seen["victims"]
    )
    ours = (
        f"{seconds(seen['failover_s'])}, {seen['qrs_after_kill']} QRs, {seen['double_connections']} double; "
        f"{len(seen['not_connected'])} not connected, "
        f"primaries per workspace {sorted(set(seen['primaries_per_workspace']))}{load(seen)}"
    )
    return Row(
        f"Failover: {seen['sessions']} sessions in {len(seen['workers_per_workspace'])} workspaces over 3 workers, "
        f"the {seen['victims']} of the killed one connected elsewhere",
        "never",
        ours,
        "<= 30 s, 0, 0; all connected, 1 primary each",
        at_most(seen["failover_s"], 30.0) and clean and placed and whole,
    )


def _flows_row(seen: dict[str, Any]) -> Row:
    errors = sum(len(lines) for lines in seen["error_lines"].values())
    broken = seen["sessions_without_events"] + seen["sessions_out_of_order"] + seen["sessions_not_ready_once"]
    ours = (
        f"{seen['connected']}/{seen['flows']} connected, {len(broken)} sessions with events lost, out of order or "
        f"not ready once, {errors} error lines; each flow {latency(seen['flow_s'])}{load(seen)}"
    )
    met = seen["connected"] == seen["flows"] > 0 and not broken and errors == 0
    return Row(f"Connect flows back to back ({seen['lanes']} lanes), each deleted", "-", ours, "all, 0, 0", met)


def _first_connections_row(seen: dict[str, Any]) -> Row:
    clean = not seen["duplicate_events"] and not seen["never_ready"] and not seen["backend_errors"]
    ours = (
        f"all connected in {seconds(seen['all_connected_s'])}, {seen['primaries']} primary "
        f"({'the first connected' if seen['primary_connected_first'] else 'NOT the first connected'}), "
        f"{len(seen['duplicate_events'])} sessions with duplicate events, {len(seen['backend_errors'])} backend errors"
        f"{load(seen)}"
    )
    met = seen["numbers"] and seen["listed"] == seen["count"] and seen["primaries"] == 1 and clean
    return Row(
        f"First connections in one workspace at once: {seen['count']} (gunicorn)",
        "-",
        ours,
        "1 primary, the first; 0 errors",
        met and seen["primary_connected_first"],
    )


def _outage_row(seen: dict[str, Any]) -> Row:
    linked = seen["phone_number"] and seen["is_primary"] and seen["last_linking_events"][-1:] == ["session_ready"]
    clean = seen["sequences_in_order"] and seen["outcomes"] == ["applied"] and not seen["backend_errors"]
    ours = (
        f"connected {seconds(seen['connected_after_s'])} after the backend was back; events "
        f"{'in order' if seen['sequences_in_order'] else 'OUT OF ORDER'}, outcomes {', '.join(seen['outcomes'])}, "
        f"{len(seen['backend_errors'])} backend errors{load(seen)}"
    )
    return Row(
        f"A connect through {seconds(seen['outage_s'])} of backend outage (webhook retries capped at 2 s)",
        "-",
        ours,
        "connected; in order, applied once",
        bool(linked and clean),
    )
