"""The table (ours beside the seed's figures and the peer's, and whether each goal is met) and the JSON under
artifacts/bench/. The rows are written by topic: rows_speed.py, rows_capacity.py, rows_resilience.py (their cells:
cells.py).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from tests.bench import rows_capacity, rows_resilience, rows_speed
from tests.bench.cells import Row
from tests.harness.livestack import ROOT

ARTIFACTS = ROOT / "artifacts" / "bench"


def rows(measures: dict[str, Any]) -> list[Row]:
    return [*rows_speed.rows(measures), *rows_capacity.rows(measures), *rows_resilience.rows(measures)]


def table(measures: dict[str, Any]) -> str:
    header = "| measure | seed | ours | peer (whatsapp-web.js) | ours vs peer | goal | met |"
    lines = [header, "| --- | --- | --- | --- | --- | --- | --- |"]
    lines += [
        f"| {r.measure} | {r.seed} | {r.ours} | {r.peer} | {r.ratio} | {r.goal} | {r.verdict} |" for r in rows(measures)
    ]
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    try:
        version = subprocess.run([chromium, "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
    except OSError:
        version = "unknown"
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "chromium": version,
    }


def write(document: dict[str, Any]) -> Path:
    """Write the run's figures as JSON: artifacts/bench/bench-<UTC time>.json, and latest.json beside it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    data = json.dumps(document, indent=2, default=str, allow_nan=True)
    path = ARTIFACTS / f"bench-{stamp}.json"
    path.write_text(data)
    (ARTIFACTS / "latest.json").write_text(data)
    return path
