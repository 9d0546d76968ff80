"""A real HTTP proxy for tests: Debian's tinyproxy, run in the foreground on a free loopback port.

``with Tinyproxy(auth=("alice", "s3cret"), bind="127.0.0.2") as proxy:`` writes a config to a temporary
directory and runs ``tinyproxy -d -c <conf>``; ``proxy.url`` is ``http://127.0.0.1:<port>``. Options: ``auth``
(``BasicAuth user password``: requests without those credentials are answered 407), ``bind`` (the outgoing
address: a site behind it sees this peer, e.g. 127.0.0.2, not 127.0.0.1). It logs every request at ``LogLevel
Connect`` to a file of the directory: ``log_text()``. ``stop()`` ends the process (its port is then closed) and
``start()`` runs it again on the same port. Without ``ConnectPort`` lines CONNECT to any port is allowed (a
WebSocket to the simulator's port goes through). Threads-free, so it works beside any event loop: ``start()``
waits (blocking, briefly) until the port accepts.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

TINYPROXY = shutil.which("tinyproxy") or "/usr/bin/tinyproxy"
START_WITHIN_S = 20.0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class Tinyproxy:
    def __init__(
        self,
        *,
        auth: tuple[str, str] | None = None,
        bind: str | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
        timeout_s: int = 30,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.auth = auth
        self.bind = bind
        self.dir = Path(tempfile.mkdtemp(prefix="tinyproxy-"))
        self.conf = self.dir / "tinyproxy.conf"
        self.log = self.dir / "tinyproxy.log"
        lines = [
            f"Port {self.port}",
            f"Listen {host}",
            f"Timeout {timeout_s}",
            f'LogFile "{self.log}"',
            "LogLevel Connect",
            "MaxClients 50",
        ]
        if bind:
            lines.append(f"Bind {bind}")
        if auth:
            lines.append(f"BasicAuth {auth[0]} {auth[1]}")
        self.conf.write_text("\n".join(lines) + "\n")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """``http://host:port``: the proxy's ``server``, without credentials."""
        return f"http://{self.host}:{self.port}"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def wire(self, *, username: str | None = None, password: str | None = None) -> dict[str, str]:
        """The proxy as a command or a lease carries it: its own credentials unless others are given."""
        user, secret = self.auth or ("", "")
        user = user if username is None else username
        secret = secret if password is None else password
        return {"server": self.url, **({"username": user, "password": secret} if user else {})}

    def start(self) -> Tinyproxy:
        if self.process is not None and self.process.poll() is None:
            return self
        self.process = subprocess.Popen(
            [TINYPROXY, "-d", "-c", str(self.conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_WITHIN_S
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"tinyproxy exited with {self.process.returncode}: {self.log_text()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), timeout=1):
                return self
            if time.monotonic() >= deadline:
                raise TimeoutError(f"tinyproxy did not listen on {self.address} within {START_WITHIN_S} s")
            time.sleep(0.05)

    def stop(self) -> None:
        """End the process: its port is closed from now on (connections refused)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.is_file() else ""

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Tinyproxy:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc: object) -> None:
        self.close()
