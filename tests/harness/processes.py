"""The processes of a live stack: each started with its log in a file, waited on until it answers, stopped
(alone or with others at once), killed with its whole process group; and the loopback ports they listen on.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.harness.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent

# Ports are drawn below the kernel's ephemeral range (32768-60999 by default), where bind(0) and outgoing
# connections take theirs: a port drawn here and bound a moment later by the process it is for cannot have been
# taken meanwhile by another suite's bind(0) or by a client's connection (a worker once failed to start with
# "address already in use" that way).
PORTS = range(15000, 32000)
_given: set[int] = set()


def free_port() -> int:
    """A loopback port free now, never handed out before by this process."""
    for _ in range(500):
        port = random.choice(PORTS)
        if port in _given:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given.add(port)
        return port
    raise RuntimeError(f"no free port in {PORTS}")


def wait_http(url: str, *, timeout: float = 60.0, process: subprocess.Popen | None = None, ok=(200,)) -> None:
    """Until ``url`` answers one of ``ok``; fails at once if ``process`` (the one serving it) exits."""

    def answers() -> bool:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback URL we built)
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        if status not in ok:
            raise ConnectionError(f"answered {status}")
        return True

    wait_until(answers, within=timeout, what=f"answer from {url}", every=0.1, transient=(OSError,))


@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    ready_url: str | None = None
    popen: subprocess.Popen | None = None

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the process, without waiting for it to answer (``wait_ready``)."""
        log = self.log_path.open("ab")
        log.write(f"\n--- start {time.strftime('%H:%M:%S')}: {' '.join(self.argv)}\n".encode())
        log.flush()
        self.popen = subprocess.Popen(
            self.argv, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def wait_ready(self) -> None:
        if self.ready_url and self.popen is not None:
            wait_http(self.ready_url, process=self.popen)

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        """Signal the process alone (as supervisord does with stopasgroup=false), then reap its group."""
        self.signal(sig)
        self.reap(time.monotonic() + timeout)

    def signal(self, sig: int) -> None:
        if self.popen is not None and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.popen.pid, sig)

    def reap(self, deadline: float) -> None:
        """Wait for the signalled process until ``deadline`` (monotonic), then SIGKILL what is left of its group."""
        if self.popen is None:
            return
        try:
            self.popen.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)  # leftovers of the group (Chromium, Playwright's driver)
        self.popen = None

    def kill(self) -> None:
        """SIGKILL the process and its whole group at once, as a crash of the machine's OOM killer would."""
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)
            self.popen = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def note(self, text: str) -> None:
        """A line of the harness's own in the log (``--- text``), between the process's lines."""
        with self.log_path.open("ab") as log:  # O_APPEND, as the process writes: whole lines stay whole
            log.write(f"\n--- {time.strftime('%H:%M:%S')} {text}\n".encode())


def start_together(processes: Iterable[Process]) -> None:
    """Launch every process, then wait until each answers (their start-ups overlap)."""
    launched = list(processes)
    for process in launched:
        process.launch()
    for process in launched:
        process.wait_ready()


def stop_together(processes: Iterable[Process], timeout: float = 20.0) -> None:
    """SIGTERM every process at once, then reap each, SIGKILLing what is still there ``timeout`` s later."""
    stopping = list(processes)
    for process in stopping:
        process.signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in stopping:
        process.reap(deadline)


def simulator_process(
    folder: Path, port: int, *, profile: str = "instant", args: Sequence[str] = (), env: dict[str, str]
) -> Process:
    """``python -m simulator`` on loopback ``port``, its devices under ``folder/simulator``, its log beside."""
    argv = ["--host", "127.0.0.1", "--port", str(port), "--profile", profile, "--data-dir", str(folder / "simulator")]
    return Process(
        "simulator",
        [PYTHON, "-m", "simulator", *argv, *args],
        env,
        folder / "simulator.log",
        ready_url=f"http://127.0.0.1:{port}/phone/api/devices",
    )
