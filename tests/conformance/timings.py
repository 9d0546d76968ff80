"""whatsapp-web.js's own timings against the simulator, for comparison with the worker's:

    .venv/bin/python -m tests.conformance.timings [--runs 5] [--profile instant]

Per run, a fresh LocalAuth folder: first QR (``initialize()`` -> the first ``qr`` event, Chromium's launch
included), scan -> ``ready`` (the phone's scan call -> the ``ready`` event) and restore -> ``ready`` (a new
client on the same folder: ``initialize()`` -> ``ready``, no QR). Prints a table and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
from pathlib import Path

from tests.conformance.wwebjs import library_client, library_version, simulator_behind_front

MEASURES = ("first_qr_s", "scan_to_ready_s", "restore_to_ready_s")


async def one_run(sim, front: int, data_path: Path, phone_number: str) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    async with library_client(front, data_path=data_path) as client:
        first_qr = (await client.wait_for("qr"))["at"] - client.of("initialize")[0]["at"]
        await client.wait_for("initialized")  # see scan_when_ready
        scanned_at = loop.time()
        await sim.scan(client.of("qr")[-1]["qr"], phone_number=phone_number)
        ready = await client.wait_for("ready")
    async with library_client(front, data_path=data_path) as restored:
        restored_ready = await restored.wait_for("ready")
        assert "qr" not in restored.names(), "a restore showed a QR"
        restore = restored_ready["at"] - restored.of("initialize")[0]["at"]
    return {"first_qr_s": first_qr, "scan_to_ready_s": ready["received"] - scanned_at, "restore_to_ready_s": restore}


async def measure(*, runs: int, profile: str) -> list[dict[str, float]]:
    results = []
    async with simulator_behind_front(profile) as (sim, front):
        for run in range(runs):
            with tempfile.TemporaryDirectory(prefix="wwebjs-timings-") as data_path:
                result = await one_run(sim, front, Path(data_path), phone_number=f"55119876{run:05d}")
            results.append(result)
            print(f"run {run + 1}: " + ", ".join(f"{k} {v:.2f}" for k, v in result.items()), flush=True)
    return results


def summary(results: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    return {
        name: {
            "p50": statistics.median(r[name] for r in results),
            "min": min(r[name] for r in results),
            "max": max(r[name] for r in results),
        }
        for name in MEASURES
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.conformance.timings", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", choices=("instant", "realistic"), default="instant")
    args = parser.parse_args()
    results = asyncio.run(measure(runs=args.runs, profile=args.profile))
    figures = summary(results)
    for name, figure in figures.items():
        print(f"{name}: p50 {figure['p50']:.2f}, min {figure['min']:.2f}, max {figure['max']:.2f}")
    report = {"library": f"whatsapp-web.js {library_version()}", "profile": args.profile, "runs": results}
    print(json.dumps({**report, "summary": figures}))


if __name__ == "__main__":
    main()
