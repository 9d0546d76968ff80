"""The run's pictures (PNG, matplotlib), written beside its JSON:

- ``<run>-latency.png``: the distribution of every latency measure, ours beside the peer's where the peer
  has one (first QR one at a time, 10 and 20 at once; scan -> ready; restore of 10), one dot per sample on a
  log scale, with the p50 and p95 marked;
- ``<run>-memory.png``: PSS per session against the number of sessions, for the shared and profile layouts
  and the peer (QR shown);
- ``<run>-ingest.png``: webhook latency per number of concurrent senders, gunicorn and daphne.

``latest-*.png`` are copies of the last run's. Nothing is drawn for a measure that did not run.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt  # after the backend is chosen

OURS, PEER, PROFILE = "#1f77b4", "#d62728", "#2ca02c"
MIB = 1024 * 1024 / 1e6


def draw(measures: dict[str, Any], *, folder: Path, stamp: str) -> list[Path]:
    written = []
    for name, figure in (
        ("latency", _latency(measures)),
        ("memory", _memory(measures)),
        ("ingest", _ingest(measures)),
    ):
        if figure is None:
            continue
        path = folder / f"{stamp}-{name}.png"
        figure.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(figure)
        shutil.copyfile(path, folder / f"latest-{name}.png")
        written.append(path)
    return written


def latency_pairs(measures: dict[str, Any]) -> list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]]:
    """(label, ours, peer's) summaries with their samples, for every latency measure that ran."""
    peer = measures.get("peer") or {}
    peer_qr = peer.get("first_qr_s", {})
    pairs: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]] = []
    if qr := measures.get("qr"):
        pairs.append(("first QR,\none at a time", qr["sequential_s"], peer_qr.get("1")))
        for size, burst in qr["at_once"].items():
            pairs.append((f"first QR,\n{size} at once", burst["latency_s"], peer_qr.get(size)))
    elif peer_qr:
        pairs += [(f"first QR,\n{size} at once", None, summary) for size, summary in peer_qr.items()]
    if scan := measures.get("scan"):
        pairs.append(("scan -> ready", scan["scan_to_connected_s"], peer.get("scan_to_ready_s")))
    if restore := measures.get("restore"):
        theirs = peer.get("restore")
        for size, result in restore["rounds"].items():
            peer_restore = theirs["to_ready_s"] if theirs and str(theirs["sessions"]) == size else None
            pairs.append((f"restore,\n{size} sessions", result["to_connected_s"], peer_restore))
    return [pair for pair in pairs if (pair[1] or {}).get("n") or (pair[2] or {}).get("n")]


def _latency(measures: dict[str, Any]):
    pairs = latency_pairs(measures)
    if not pairs:
        return None
    figure, axes = plt.subplots(figsize=(max(6.0, 1.6 * len(pairs)), 4.5))
    for index, (_label, ours, theirs) in enumerate(pairs):
        for offset, summary, colour in ((-0.17, ours, OURS), (0.17, theirs, PEER)):
            if not summary or not summary.get("n"):
                continue
            samples = summary["samples"]
            x = [index + offset + 0.1 * ((i % 7) / 6 - 0.5) for i in range(len(samples))]
            axes.scatter(x, samples, s=9, color=colour, alpha=0.6, linewidths=0)
            for q, width in (("p50", 1.0), ("p95", 2.0)):
                axes.hlines(summary[q], index + offset - 0.12, index + offset + 0.12, color=colour, linewidth=width)
    axes.set_yscale("log")
    axes.set_xticks(range(len(pairs)), [label for label, _, _ in pairs])
    axes.set_ylabel("seconds (log scale)")
    axes.set_title("Latency per sample: ours (blue) and whatsapp-web.js (red); thin line p50, thick p95")
    axes.grid(axis="y", which="both", alpha=0.3)
    return figure


def _memory(measures: dict[str, Any]):
    density = measures.get("density")
    peer = measures.get("peer") or {}
    series = []
    if density:
        for layout, colour in (("shared", OURS), ("profile", PROFILE)):
            steps = sorted((s for s in density[layout]["steps"] if s["state"] == "qr"), key=lambda s: s["sessions"])
            series.append((f"ours, {layout} layout", colour, steps))
    if peer.get("memory"):
        series.append(("whatsapp-web.js", PEER, sorted(peer["memory"], key=lambda s: s["sessions"])))
    series = [entry for entry in series if entry[2]]
    if not series:
        return None
    figure, axes = plt.subplots(figsize=(6.5, 4.5))
    for label, colour, steps in series:
        counts = [s["sessions"] for s in steps]
        per = [s["per_session_mib"] * MIB for s in steps]
        axes.plot(counts, per, marker="o", color=colour, label=label)
    axes.set_xlabel("sessions held (QR shown)")
    axes.set_ylabel("PSS per session, MB (every process)")
    axes.set_ylim(bottom=0)
    axes.set_title("Memory per session")
    axes.grid(alpha=0.3)
    axes.legend()
    return figure


def _ingest(measures: dict[str, Any]):
    ingest = measures.get("ingest")
    if not ingest:
        return None
    servers = [server for server in ("gunicorn", "daphne") if server in ingest]
    figure, axes = plt.subplots(1, len(servers), figsize=(5.0 * len(servers), 4.2), squeeze=False)
    for axis, server in zip(axes[0], servers, strict=True):
        levels = ingest[server]["levels"]
        labels = list(levels)
        axis.boxplot(
            [[s * 1000 for s in levels[level]["events"]["latency_s"]["samples"]] for level in labels],
            whis=(1, 99),
            showfliers=False,
        )
        axis.set_xticks(range(1, len(labels) + 1), [f"{level} senders" for level in labels])
        rates = ", ".join(f"{levels[level]['events']['per_second']:.0f}/s" for level in labels)
        axis.set_title(f"{server}: {rates}")
        axis.set_ylabel("ms per event (box: p25-p75, whiskers: p1-p99)")
        axis.set_yscale("log")
        axis.grid(axis="y", which="both", alpha=0.3)
    figure.suptitle("Webhook ingest latency")
    return figure
