"""Memory of a process tree as PSS (proportional set size) from /proc/<pid>/smaps_rollup, never RSS.

RSS counts a shared page once in every process that maps it, so summing RSS over Chromium's processes counts
its shared libraries and shared memory many times over; PSS divides each shared page among its sharers, so
the sum over a tree is what the tree really costs.
"""

from __future__ import annotations

import collections
import contextlib
import os
from pathlib import Path

PROC = Path("/proc")


def pss_kib(pid: int) -> int:
    """The PSS of one process in KiB (0 if it has gone)."""
    with contextlib.suppress(FileNotFoundError, ProcessLookupError, PermissionError):
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in os.scandir(PROC):
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            stat = (PROC / entry.name / "stat").read_text()
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    return parents


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, grandchildren...), found through their parent ids."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for child, parent in _parents().items():
        children[parent].append(child)
    found: list[int] = []
    stack = list(children.get(pid, []))
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def _kind(pid: int) -> str:
    with contextlib.suppress(FileNotFoundError, ProcessLookupError):
        name = (PROC / str(pid) / "comm").read_text().strip()
        if "chrom" in name or "crashpad" in name:
            return "chromium"
        if name.startswith("node"):
            return "playwright_driver"
        return name
    return "gone"


def tree_pss(pid: int) -> dict[str, object]:
    """PSS of ``pid`` and all its descendants: total MiB, MiB by kind of process, and the process count."""
    by_kind: dict[str, int] = collections.Counter()
    pids = [pid, *descendants(pid)]
    by_kind["worker"] += pss_kib(pid)
    for child in pids[1:]:
        by_kind[_kind(child)] += pss_kib(child)
    total = sum(by_kind.values())
    return {
        "total_mib": total / 1024,
        "by_kind_mib": {kind: kib / 1024 for kind, kib in sorted(by_kind.items())},
        "processes": len(pids),
    }


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and its descendants that are still running."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for each in (pid, *descendants(pid)):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            stat = (PROC / str(each) / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks
