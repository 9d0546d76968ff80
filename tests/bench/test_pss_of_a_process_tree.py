"""Memory is PSS summed over a process and everything below it, read from /proc/<pid>/smaps_rollup."""

import os
import subprocess
import sys
from pathlib import Path

from tests.bench import pss
from tests.harness.waiting import wait_until


def test_a_grandchild_is_counted_in_its_grandparents_tree():
    # A child that starts a grandchild, both sleeping until killed.
    sleeper = "import time; time.sleep(60)"
    code = f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {sleeper!r}]); time.sleep(60)"
    child = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        [grandchild] = wait_until(lambda: pss.descendants(child.pid), within=20, what="grandchild", every=0.05)
        tree = pss.tree_pss(child.pid)
        assert tree["processes"] == 2
        assert pss.pss_kib(grandchild) > 0
        assert tree["total_mib"] * 1024 >= pss.pss_kib(child.pid) + pss.pss_kib(grandchild) - 64
    finally:
        os.killpg(child.pid, 9)
        child.wait()


def test_this_process_pss_is_at_most_its_rss():
    status = Path("/proc/self/status").read_text().splitlines()
    rss_kib = int(next(line for line in status if line.startswith("VmRSS:")).split()[1])
    assert 0 < pss.pss_kib(os.getpid()) <= rss_kib


def test_a_process_that_is_gone_costs_nothing():
    done = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert done.returncode == 0
    assert pss.pss_kib(2**22 + 12345) == 0
