"""`make run` (scripts/run_demo.py) as the tests start it on a folder and ports of their own: free ports in a row,
the start (until it says it is running) and the stop (SIGTERM to the group, SIGKILL if it hangs)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.harness.livestack import ROOT, free_port
from tests.harness.waiting import wait_until


def ports_free_in_a_row(count: int) -> int:
    """A base port with the ``count`` - 1 after it free too (make run takes base .. base + 2 + WORKERS - 1)."""

    def free(port: int) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) != 0

    for _ in range(50):
        base = free_port()
        if base < 60000 and all(free(base + n) for n in range(count)):
            return base
    raise RuntimeError(f"no {count} free ports in a row")


def start_demo(env: dict[str, str], output: Path) -> subprocess.Popen:
    """``make run`` with ``env``, its output in ``output``; stop it with :func:`stop_demo` whatever happens."""
    with output.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "scripts.run_demo"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def wait_running(process: subprocess.Popen, output: Path, *, within: float, what: str) -> None:
    """Until ``make run`` says it is running; it must not have exited."""
    wait_until(lambda: "service is running" in output.read_text() or process.poll() is not None, within=within,
               what=what)  # fmt: skip
    assert process.poll() is None, output.read_text()[-3000:]


def stop_demo(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(90)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
