"""The table's rows of capacity: PSS per session (ours in both layouts, beside the peer's), how many sessions
one worker holds, the webhook's ingest rate on gunicorn and daphne, and what its checks cost per event."""

from __future__ import annotations

import math
from typing import Any

from tests.bench.cells import MIB, Row, load, ms, ratio, seconds, times


def rows(measures: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    peer = measures.get("peer") or {}
    if density := measures.get("density"):
        out.extend(_peer_memory_rows(density, peer))
        out.extend(_density_rows(density))
    if ingest := measures.get("ingest"):
        out.extend(_ingest_rows(ingest))
    if checks := measures.get("checks"):
        out.extend(_checks_rows(checks, measures.get("ingest") or {}))
    return out


def _peer_memory_rows(density: dict[str, Any], peer: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for theirs in peer.get("memory", []):
        count = theirs["sessions"]
        ours = next(
            (s for s in density["shared"]["steps"] if s["sessions"] == count and s["state"] == "qr"),
            None,
        )
        if ours is None:
            continue
        peer_times = times(theirs["per_session_mib"], ours["per_session_mib"])
        out.append(
            Row(
                f"PSS per session, {count} sessions showing a QR (ours: shared layout, every process of the worker)",
                "-",
                f"{ours['per_session_mib'] * MIB:.0f} MB ({ours['total_mib'] * MIB:.0f} MB in "
                f"{ours['processes']} processes){load(density)}",
                ">= 3x less than the peer",
                peer_times is not None and peer_times >= 3,
                peer=f"{theirs['per_session_mib'] * MIB:.0f} MB ({theirs['total_mib'] * MIB:.0f} MB in "
                f"{theirs['processes']} processes){load(peer)}",
                ratio=ratio(peer_times, "less"),
            )
        )
    return out


def _density_rows(density: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for layout in ("shared", "profile"):
        steps = density[layout]["steps"]
        qr_steps = [s for s in steps if s["state"] == "qr"]
        for step in steps:
            per = step["per_session_mib"] * MIB
            label = f"PSS per session, {layout} layout, {step['sessions']} {step['state']}"
            start = f", start {seconds(step['per_session_wall_s'])}/session" if "per_session_wall_s" in step else ""
            ours = f"{per:.0f} MB ({step['total_mib'] * MIB:.0f} MB in {step['processes']} processes{start})"
            if layout == "shared" and step["sessions"] >= 50:  # the goal is for a full worker (fixed costs shared)
                out.append(Row(label, "-", ours, "<= 75 MB", per <= 75))
            else:
                out.append(Row(label, "-", ours))
        if len(qr_steps) >= 2:
            first, last = qr_steps[0], qr_steps[-1]
            slope = (last["total_mib"] - first["total_mib"]) * MIB / (last["sessions"] - first["sessions"])
            label = f"PSS of one more session, {layout} layout ({first['sessions']} -> {last['sessions']}, QR shown)"
            out.append(Row(label, "-", f"{slope:.0f} MB"))
    held = max((s["sessions"] for s in density["shared"]["steps"]), default=0)
    out.append(Row("Sessions held by one worker (shared layout)", "-", str(held), "100", held >= 100))
    for key, over in density["profile_over_shared"].items():
        state, count = key.split("_")
        out.append(Row(f"Profile / shared PSS per session, {count} {state}", "-", f"{over:.1f}x", ">= 2x", over >= 2))
    if density.get("profile_note"):
        out.append(Row("Note", "-", density["profile_note"]))
    return out


def _ingest_rows(ingest: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for server in ("gunicorn", "daphne"):
        if server not in ingest:
            continue
        for level, result in ingest[server]["levels"].items():
            events, hello = result["events"], result["healthz"]
            lat = events["latency_s"]
            applied = events["outcomes"].get("applied", 0)
            cpu = events.get("server_cpu_ms_per_request", math.nan)
            ours = (
                f"{events['per_second']:.0f}/s, p50 {ms(lat['p50'])}, p99 {ms(lat['p99'])}, "
                f"server CPU {cpu:.0f} ms/event; /healthz "
                f"{hello['per_second']:.0f}/s ({events['per_second'] / hello['per_second']:.0%} of it); "
                f"{applied}/{events['requests']} applied"
            )
            role = "production" if server == "gunicorn" else "make run"
            label = f"Webhook ingest, {server} ({role}), {level} sender{'s' if level != '1' else ''}"
            if server == "gunicorn" and level == "32":
                ok = events["per_second"] >= 500 and lat["p99"] <= 0.1 and applied == events["requests"]
                out.append(Row(label, "-", ours, ">= 500/s, p99 <= 100 ms", ok))
            else:
                out.append(Row(label, "-", ours))
        received, expected = ingest[server]["broadcasts_received"], ingest[server]["broadcasts_expected"]
        out.append(Row(f"Broadcasts received on the WebSockets, {server}", "-", f"{received}/{expected}"))
    return out


def _checks_rows(checks: dict[str, Any], ingest: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for costs in checks["verify"].values():
        ours, reference = costs["ed25519_v1a"]["median_us"], costs["hmac_sha256_v1"]["median_us"]
        label = f"Signature check, CPU per event ({costs['what']}, {costs['bytes']} bytes): v1a vs HMAC's v1"
        text = (
            f"Ed25519 {ours:.1f} µs, HMAC-SHA256 {reference:.1f} µs ({costs['ratio']:.0f}x, +{ours - reference:.0f} µs)"
        )
        out.append(Row(label, "-", text + load(checks)))
    parts = {part: figures["wall_ms"]["median"] for part, figures in checks["authenticate"].items()}
    whole = checks["authenticate"]["authenticate"]
    label = "Worker authentication per webhook (worker_authenticate: its row by x-worker-id, then v1a; on PostgreSQL)"
    text = f"{parts['authenticate']:.2f} ms (fastest round {whole['wall_ms']['min']:.2f} ms; row lookup "
    text += f"{parts['lookup']:.2f} ms, v1a check {parts['verify']:.2f} ms), CPU {whole['cpu_ms']['median']:.2f} ms"
    out.append(Row(label, "-", text + load(checks)))
    added_ms = parts["authenticate"] - checks["verify"]["qr_code_generated"]["hmac_sha256_v1"]["median_us"] / 1000
    for server in ("gunicorn", "daphne"):
        for level in ("1", "8"):
            events = ingest.get(server, {}).get("levels", {}).get(level, {}).get("events")
            if events is None:
                continue
            p50, p99 = events["latency_s"]["p50"] * 1000, events["latency_s"]["p99"] * 1000
            text = (
                f"authentication {parts['authenticate']:.2f} ms = {parts['authenticate'] / p50:.0%} of p50 "
                f"{p50:.1f} ms (p99 {p99:.1f} ms); beyond HMAC's check: +{added_ms:.2f} ms = {added_ms / p50:.0%}"
            )
            out.append(Row(f"Checks' share of the webhook round trip, {server}, {level} sender(s)", "-", text))
    if not ingest:
        out.append(Row("Checks' share of the webhook round trip", "-", "n/a: run with ingest"))
    return out
