"""``python -m tests.bench [--small] [measure ...]``: run the measures, print the table, write the JSON.

Measures: ingest, checks, restore, qr, scan, success, peer (on one live stack, in that order: ingest first while
the worker is idle, then checks, the cost of authenticating each webhook, given as a share of ingest's latency;
peer is whatsapp-web.js against the stack's simulator), density (its own worker processes,
after the stack is gone), pool (the warm page pool idle and busy, its own worker processes, tests/bench/pool.py),
failover (with the drain; stacks of three workers of its own,
tests/bench/failover.py), then the reliability suite's scenarios at full scale, each on a stack of its own
(tests/bench/scale.py): flows, first_connections, spread_failover, outage. With no names, all of them.
``--small`` runs each at development sizes (a few sessions). `make bench` runs them all at full size. Every
measure records the machine's load average before and after it (other jobs on the machine slow every figure
down).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tests.bench import checks, density, failover, ingest, peer, plots, pool, qr, report, restore, scale, scan, success
from tests.bench.stack import BenchStack

log = logging.getLogger("bench")

STACK_MEASURES = ("ingest", "checks", "restore", "qr", "scan", "success", "peer")
DENSITY_PROFILE_CUTOFF_S = 540.0  # past this, density measures the profile layout up to its linked size only
ALL = (*STACK_MEASURES, "density", "pool", "failover", *scale.MEASURES)


@dataclass(frozen=True)
class Sizes:
    qr_sequential: int = 30
    qr_at_once: list[int] = field(default_factory=lambda: [10, 20])
    scan_flows: int = 20
    success_flows: int = 100
    success_workspaces: int = 10
    success_at_once: int = 4
    restore_sessions: list[int] = field(default_factory=lambda: [10, 20])
    ingest_counts: dict[int, int] = field(default_factory=lambda: {1: 300, 8: 1000, 32: 3000})
    checks_verify_calls: int = 2000  # per round (7 rounds), per body and scheme
    checks_authenticate_calls: int = 300  # per round (7 rounds), in the stack's Django process
    peer_single_runs: int = 5
    peer_at_once: list[int] = field(default_factory=lambda: [10, 20])
    peer_restore: int = 10
    density_linked: int = 20
    density_shared: list[int] = field(default_factory=lambda: [10, 20, 50, 100])
    density_profile: list[int] = field(default_factory=lambda: [10, 20, 50])
    failover_sessions: list[int] = field(default_factory=lambda: [10, 20])  # the drain runs at the largest
    pool_idle_window_s: float = 120.0  # per WARM_PAGES_MIN measured (0 and 1)
    pool_connects: int = 20
    connect_flows: int = 200  # the reliability scenarios at full scale (make test runs them small)
    connect_lanes: int = 4
    first_connections: int = 20
    failover_workspaces: int = 10  # 3 sessions each, one on each of three workers
    outage_s: int = 60


SMALL = Sizes(
    qr_sequential=3,
    qr_at_once=[2, 3],
    scan_flows=3,
    success_flows=6,
    success_workspaces=2,
    success_at_once=2,
    restore_sessions=[2, 3],
    ingest_counts={1: 30, 8: 80, 32: 160},
    checks_verify_calls=200,
    checks_authenticate_calls=30,
    peer_single_runs=1,
    peer_at_once=[2, 3],
    peer_restore=2,
    density_linked=3,
    density_shared=[2, 3, 6],
    density_profile=[2, 3],
    failover_sessions=[3, 6],
    pool_idle_window_s=20.0,
    pool_connects=5,
    connect_flows=8,
    connect_lanes=4,
    first_connections=4,
    failover_workspaces=2,
    outage_s=10,
)


async def _stack_measure(name: str, stack: BenchStack, sizes: Sizes) -> dict[str, Any]:
    if name == "ingest":
        return await ingest.measure(stack=stack, counts=sizes.ingest_counts)
    if name == "checks":
        return await checks.measure(
            stack=stack, verify_calls=sizes.checks_verify_calls, authenticate_calls=sizes.checks_authenticate_calls
        )
    if name == "restore":
        return await restore.measure(stack=stack, sizes=sizes.restore_sessions)
    if name == "qr":
        return await qr.measure(stack=stack, sequential=sizes.qr_sequential, bursts=sizes.qr_at_once)
    if name == "scan":
        return await scan.measure(stack=stack, flows=sizes.scan_flows)
    if name == "success":
        return await success.measure(
            stack=stack,
            flows=sizes.success_flows,
            workspaces=sizes.success_workspaces,
            at_once=sizes.success_at_once,
        )
    if name == "peer":
        assert stack.phone is not None
        return await peer.measure(
            simulator_url=stack.live.simulator_url,
            phone=stack.phone,
            single_runs=sizes.peer_single_runs,
            at_once=sizes.peer_at_once,
            restore=sizes.peer_restore,
        )
    raise ValueError(name)


async def _timed(name: str, measure: Any, measures: dict[str, Any], seconds: dict[str, float]) -> None:
    """Run one measure, keeping its figures (or its error), its duration and the load average around it."""
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    log.info("measure %s (load average %.1f)", name, load_before)
    try:
        measures[name] = await measure
        measures[name]["load_average"] = [load_before, os.getloadavg()[0]]
    except Exception as exc:
        log.exception("measure %s failed", name)
        measures[name + "_error"] = f"{type(exc).__name__}: {exc}"
    seconds[name] = time.monotonic() - started
    log.info("measure %s done in %.1f s (load average %.1f)", name, seconds[name], os.getloadavg()[0])


async def run(names: list[str], sizes: Sizes, folder: Path) -> dict[str, Any]:
    began = time.monotonic()
    measures: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    on_stack = [n for n in STACK_MEASURES if n in names]
    if on_stack:
        started = time.monotonic()
        async with BenchStack(folder / "stack") as stack:
            seconds["stack_start"] = time.monotonic() - started
            for name in on_stack:
                await _timed(name, _stack_measure(name, stack, sizes), measures, seconds)
    if "density" in names:
        profile_sizes = sizes.density_profile
        if time.monotonic() - began > DENSITY_PROFILE_CUTOFF_S:
            # The stack's measures ran long (a busy machine): keep within the 15 minutes by measuring the
            # profile layout up to the linked size only.
            log.warning("%.0f s gone: the profile layout is measured up to %d sessions only",
                        time.monotonic() - began, sizes.density_linked)  # fmt: skip
            profile_sizes = [size for size in profile_sizes if size <= sizes.density_linked]
        density_measure = density.measure(
            folder=folder / "density",
            linked=sizes.density_linked,
            shared_sizes=sizes.density_shared,
            profile_sizes=profile_sizes,
        )
        await _timed("density", density_measure, measures, seconds)
    if "pool" in names:
        pool_measure = pool.measure(
            folder=folder / "pool", window_s=sizes.pool_idle_window_s, connects=sizes.pool_connects
        )
        await _timed("pool", pool_measure, measures, seconds)
    if "failover" in names:
        failover_measure = asyncio.to_thread(
            failover.measure, folder=folder / "failover", sizes=sizes.failover_sessions
        )
        await _timed("failover", failover_measure, measures, seconds)
    for name in (n for n in scale.MEASURES if n in names):
        scale_measure = asyncio.to_thread(scale.measure, name, folder=folder / name, sizes=sizes)
        await _timed(name, scale_measure, measures, seconds)
    return {"measures": measures, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.splitlines()[0])
    parser.add_argument("measures", nargs="*", metavar="measure", help=f"any of {', '.join(ALL)}; default: all")
    parser.add_argument("--small", action="store_true", help="development sizes (a few sessions each)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s bench %(message)s", stream=sys.stderr)
    names = args.measures or list(ALL)
    if unknown := set(names) - set(ALL):
        parser.error(f"unknown measure(s): {', '.join(sorted(unknown))}; choose from {', '.join(ALL)}")
    sizes = SMALL if args.small else Sizes()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        result = asyncio.run(run(names, sizes, Path(tmp)))
        _keep_logs(Path(tmp))
    document = {
        "machine": report.machine(),
        "sizes": asdict(sizes),
        "small": args.small,
        "total_s": time.monotonic() - started,
        **result,
    }
    path = report.write(document)
    pictures = plots.draw(result["measures"], folder=path.parent, stamp=path.stem)
    print()
    print(
        f"Benchmarks on {document['machine']['cpus']} CPUs ({document['machine']['cpu_model']}), "
        f"{document['machine']['memory_gib']} GiB; {document['machine']['chromium']}"
    )
    print(report.table(result["measures"]))
    errors = {k: v for k, v in result["measures"].items() if k.endswith("_error")}
    for name, error in errors.items():
        print(f"{name}: {error}")
    if note := result["measures"].get("density", {}).get("profile_note"):
        print(f"Note: {note}")
    print(f"\nTook {document['total_s']:.0f} s; figures in {path.relative_to(report.ROOT)}")
    for picture in pictures:
        print(f"Plot: {picture.relative_to(report.ROOT)}")
    return 1 if errors else 0


def _keep_logs(folder: Path) -> None:
    """Copy the processes' logs to artifacts/bench/logs/ (the temporary folder goes away)."""
    target = report.ARTIFACTS / "logs"
    target.mkdir(parents=True, exist_ok=True)
    for log_file in folder.glob("*/*.log"):
        (target / f"{log_file.parent.name}-{log_file.name}").write_bytes(log_file.read_bytes())


if __name__ == "__main__":
    sys.exit(main())
