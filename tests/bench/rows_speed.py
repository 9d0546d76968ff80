"""The table's rows of speed: the first QR (one at a time, and bursts at once), scan -> connected, the success
rate of full flows, and the restore of linked sessions after a kill -9 of the worker; each beside the peer's
figure (whatsapp-web.js) where it has one."""

from __future__ import annotations

from typing import Any

from tests.bench.cells import Row, at_most, latency, load, ratio, seconds, times


def rows(measures: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    peer = measures.get("peer") or {}
    peer_qr = peer.get("first_qr_s", {})
    if qr := measures.get("qr"):
        out.extend(_qr_rows(qr, peer_qr, load(peer)))
    if scan := measures.get("scan"):
        s2c = scan["scan_to_connected_s"]
        peer_s2r = peer.get("scan_to_ready_s")
        out.append(
            Row(
                "Scan -> connected (ours: phone number on the WebSocket; peer: `ready`)",
                "3-4 s (phone extraction)",
                latency(s2c) + load(scan),
                "p95 <= 0.5 s",
                at_most(s2c["p95"], 0.5) and not scan["failed"],
                peer=latency(peer_s2r) if peer_s2r else "-",
                ratio=ratio(times(peer_s2r["p95"], s2c["p95"]), "faster at p95") if peer_s2r else "-",
            )
        )
        out.append(Row("Total flow, Connect -> connected (instant phone)", "10-14 s", latency(scan["total_s"])))
        if scan["failed"]:
            out.append(Row("Scan flows that failed", "-", f"{len(scan['failed'])}: {scan['failed'][0]}"))
    if success := measures.get("success"):
        ours = f"{success['succeeded']}/{success['flows']} ({success['rate']:.0%}), {success['at_once']} at a time"
        out.append(
            Row(
                "Success rate (connected, right number, one primary)",
                "100%",
                ours,
                "100%",
                success["succeeded"] == success["flows"] > 0,
            )
        )
        out.append(
            Row(
                f"Scan -> connected with {success['at_once']} flows at a time",
                "3-4 s",
                latency(success["scan_to_connected_s"]),
            )
        )
    if restore := measures.get("restore"):
        out.extend(_restore_rows(restore, peer))
    if pool := measures.get("pool"):
        out.extend(_pool_rows(pool))
    return out


def _pool_rows(pool: dict[str, Any]) -> list[Row]:
    """The warm page pool: page loads of an idle worker (per WARM_PAGES_MIN), Connect -> QR through a working
    session of Connects starting from an idle worker."""
    out = []
    first_qr, window = pool["idle_first_qr_s"], pool["idle_window_s"]
    for minimum, idle in pool["idle"].items():
        counted = f"{idle['window_loads']:.0f} in {window:g} s, first QR {first_qr:g} s"
        ours = f"{idle['loads_per_hour']:.0f} an hour ({counted})"
        out.append(
            Row(
                f"Idle worker's page loads, WARM_PAGES_MIN={minimum} (after its initial fill, scaled to an hour)",
                "120 an hour (2 pages, each replaced at its first QR's 60 s)",
                ours + load(pool),
                "<= 6 an hour",
                idle["loads_per_hour"] <= 6,
            )
        )
    busy = pool["busy"]
    seq = busy["connect_to_qr_s"]
    out.append(
        Row(
            f"Connect -> QR through {seq['n']} Connects from an idle worker ({busy['pace_s']:g} s apart; the worker's "
            "part: start command -> qr_code_generated)",
            "-",
            latency(seq) + f", the first {seconds(busy['first_s'])}" + load(pool),
            "p95 <= 0.5 s",
            at_most(seq["p95"], 0.5),
        )
    )
    return out


def _qr_rows(qr: dict[str, Any], peer_qr: dict[str, Any], peer_load: str) -> list[Row]:
    seq = qr["sequential_s"]
    alone = peer_qr.get("1")
    warm = qr.get("sequential_warm_starts")
    warm_text = f", {warm:.0f}/{seq['n']} on a warm page" if warm is not None else ""
    out = [
        Row(
            f"First QR, one at a time (ours: API Connect -> WebSocket, {qr.get('sequential_pace_s', 0):g} s apart; "
            "peer: spawn -> `qr`)",
            "7-9 s",
            latency(seq) + warm_text + load(qr),
            "p95 <= 0.3 s",
            at_most(seq["p95"], 0.3),
            peer=latency(alone) + peer_load if alone else "-",
            ratio=ratio(times(alone["p95"], seq["p95"]), "faster at p95") if alone else "-",
        )
    ]
    for size, burst in qr["at_once"].items():
        burst_latency = burst["latency_s"]
        missing = burst["without_qr"]
        ours = latency(burst_latency) + (f", {missing} without a QR" if missing else "")
        ours += f", {burst['warm_starts']:.0f} on a warm page" + load(qr)
        theirs = peer_qr.get(size)
        peer_times = times(theirs["p95"], burst_latency["p95"]) if theirs else None
        goal, met = "-", None
        if size == "20":
            goal = "p95 <= 3 s; >= 3x faster than the peer at p95"
            met = at_most(burst_latency["p95"], 3.0) and not missing and peer_times is not None and peer_times >= 3
        out.append(
            Row(
                f"First QR, {size} started at once",
                "7-9 s",
                ours,
                goal,
                met,
                peer=latency(theirs) + peer_load if theirs else "-",
                ratio=ratio(peer_times, "faster at p95") if theirs else "-",
            )
        )
    return out


def _restore_rows(restore: dict[str, Any], peer: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    theirs = peer.get("restore")
    for size, result in restore["rounds"].items():
        took = result["all_connected_s"]
        clean = result["sessions_that_showed_a_qr"] == 0 and not result["link_failures"]
        ours = (
            f"all in {seconds(took)} (worker up {seconds(result['worker_up_s'])}; "
            f"each: {latency(result['to_connected_s'])}), "
            f"{result['sessions_that_showed_a_qr']} showed a QR{load(restore)}"
        )
        row = Row(f"Restore of {size} linked sessions (ours: after kill -9 of the worker)", "-", ours)
        if size == "20":
            row = Row(row.measure, "-", ours, "<= 8 s, no QR", at_most(took, 8.0) and clean)
        if theirs and str(theirs["sessions"]) == size:
            peer_text = (
                f"all in {seconds(theirs['all_ready_s'])} (each: {latency(theirs['to_ready_s'])}), "
                f"{theirs['sessions_that_showed_a_qr']} showed a QR{load(peer)}"
            )
            row = Row(
                row.measure + "; peer: after a clean stop",
                row.seed,
                row.ours,
                row.goal,
                row.met,
                peer=peer_text,
                ratio=ratio(times(theirs["all_ready_s"], took), "faster"),
            )
        out.append(row)
    return out
