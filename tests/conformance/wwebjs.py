"""The real whatsapp-web.js against the simulator: a TLS front for ``https://web.whatsapp.com/`` and the
library's ``Client`` run by ``driver.js`` in Node, its events read as they come.

    async with simulator_behind_front("instant") as (sim, front):
        async with library_client(front, data_path=tmp_path) as client:
            device = await scan_when_ready(client, sim, phone_number="5511999990000")
            ready = await client.wait_for("ready")      # {"event", "at", "received", "info": {...}}

The library only ever opens ``https://web.whatsapp.com/``. Chromium maps that name to the front on loopback
(``--host-resolver-rules``) and accepts its certificate, made here for the run (``--ignore-certificate-errors``);
the front passes the bytes on to the simulator, WebSocket included. The library is installed by ``make setup``
(``npm ci`` in this folder) and used unmodified.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import itertools
import json
import os
import signal
import ssl
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from simulator.testing import CHROMIUM_ARGS, RunningSimulator, chromium_path, running_simulator

HERE = Path(__file__).parent
DRIVER = HERE / "driver.js"
LIBRARY = HERE / "node_modules" / "whatsapp-web.js"
WHATSAPP_WEB_HOST = "web.whatsapp.com"
WAIT = 120.0  # seconds: a bound for a stuck library, never a timing expectation


class LibraryError(Exception):
    pass


def library_version() -> str:
    """The installed whatsapp-web.js version; LibraryError when setup has not installed it."""
    try:
        return json.loads((LIBRARY / "package.json").read_text())["version"]
    except FileNotFoundError:
        raise LibraryError(f"whatsapp-web.js is not installed in {LIBRARY.parent}: run 'make setup'") from None


# --- the TLS front -------------------------------------------------------------------------------------------


def _certificate(directory: Path) -> ssl.SSLContext:
    """A self-signed certificate for web.whatsapp.com, valid for a day, in a server context."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, WHATSAPP_WEB_HOST)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(WHATSAPP_WEB_HOST)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


@contextlib.asynccontextmanager
async def tls_front(upstream_url: str) -> AsyncIterator[int]:
    """HTTPS on a free loopback port, passed on as plain bytes to ``upstream_url``; yields the port."""
    upstream = urlsplit(upstream_url)
    connections: set[asyncio.Task[Any]] = set()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        connections.add(task)
        try:
            up_reader, up_writer = await asyncio.open_connection(upstream.hostname, upstream.port)
        except OSError:
            writer.close()
            connections.discard(task)
            return
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            connections.discard(task)

    with tempfile.TemporaryDirectory(prefix="wwebjs-tls-") as directory:
        server = await asyncio.start_server(relay, "127.0.0.1", 0, ssl=_certificate(Path(directory)))
        try:
            yield server.sockets[0].getsockname()[1]
        finally:
            server.close()
            for task in list(connections):
                task.cancel()
            await asyncio.gather(*connections, return_exceptions=True)
            await server.wait_closed()


# --- the library's client --------------------------------------------------------------------------------------


class LibraryClient:
    """One ``driver.js`` process: the events it printed so far (each with ``received``, this loop's time)."""

    def __init__(self, process: asyncio.subprocess.Process, stderr_path: Path) -> None:
        self.process = process
        self.events: list[dict[str, Any]] = []
        self._stderr_path = stderr_path
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        loop = asyncio.get_running_loop()
        while line := await self.process.stdout.readline():
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a library's stray print
            event["received"] = loop.time()
            async with self._changed:
                self.events.append(event)
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    def names(self) -> list[str]:
        return [e["event"] for e in self.events]

    def of(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == name]

    def stderr(self) -> str:
        return self._stderr_path.read_text(errors="replace")[-4000:]

    async def wait_until(self, found: Callable[[], Any], *, what: str, within: float = WAIT) -> Any:
        """Wait until ``found()`` is truthy and return it; LibraryError if the driver ends first."""
        try:
            async with asyncio.timeout(within), self._changed:
                while not (result := found()):
                    if self._reader.done():
                        raise LibraryError(f"the driver ended before {what}; events {self.names()}")
                    await self._changed.wait()
                return result
        except TimeoutError:
            raise LibraryError(
                f"no {what} within {within:g} s; events {self.names()}; stderr: {self.stderr()}"
            ) from None

    async def wait_for(self, name: str, *, after: int = 0, within: float = WAIT) -> dict[str, Any]:
        """The first event ``name`` at index ``after`` or later, waiting for it if needed."""

        def found() -> dict[str, Any] | None:
            return next((e for e in self.events[after:] if e["event"] == name), None)

        return await self.wait_until(found, what=f"'{name}' event", within=within)

    async def command(self, cmd: str, *, within: float = WAIT, **arguments: Any) -> Any:
        """Run a command of the driver and return its value; LibraryError with its message if it failed."""
        request_id = next(self._ids)
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"id": request_id, "cmd": cmd, **arguments}).encode() + b"\n")
        await self.process.stdin.drain()
        result = await self.wait_until(
            lambda: next((e for e in self.of("result") if e["id"] == request_id), None),
            what=f"answer to {cmd}",
            within=within,
        )
        if not result["ok"]:
            raise LibraryError(f"{cmd}: {result['error']}")
        return result["value"]

    async def stop(self) -> None:
        """``client.destroy()`` (Chromium closes and writes its profile), then the process ends."""
        if self.process.returncode is None:
            with contextlib.suppress(ConnectionError):
                assert self.process.stdin is not None
                self.process.stdin.close()
            try:
                async with asyncio.timeout(30):
                    await self.process.wait()
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                await self.process.wait()
        await self._reader


def chromium_args(front_port: int) -> list[str]:
    return [
        *CHROMIUM_ARGS,
        f"--host-resolver-rules=MAP {WHATSAPP_WEB_HOST}:443 127.0.0.1:{front_port}",
        "--ignore-certificate-errors",
    ]


@contextlib.asynccontextmanager
async def library_client(
    front_port: int, *, data_path: Path, client_id: str | None = None
) -> AsyncIterator[LibraryClient]:
    """whatsapp-web.js's ``Client`` with ``LocalAuth(dataPath=data_path)``, initializing; stopped on exit."""
    library_version()
    config = {
        "dataPath": str(data_path),
        "clientId": client_id,
        "chromium": chromium_path(),
        "args": chromium_args(front_port),
    }
    with tempfile.NamedTemporaryFile(prefix="wwebjs-driver-", suffix=".log") as stderr:
        process = await asyncio.create_subprocess_exec(
            "node",
            str(DRIVER),
            json.dumps(config),
            cwd=HERE,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,  # its own process group: Chromium goes with it if it must be killed
        )
        client = LibraryClient(process, Path(stderr.name))
        try:
            yield client
        finally:
            await client.stop()


@contextlib.asynccontextmanager
async def simulator_behind_front(profile: str, **overrides: Any) -> AsyncIterator[tuple[RunningSimulator, int]]:
    """A simulator (``profile`` with ``overrides``) in this process and the TLS front before it."""
    async with running_simulator(profile, **overrides) as sim, tls_front(sim.url) as front_port:
        yield sim, front_port


async def scan_when_ready(client: LibraryClient, sim: RunningSimulator, **phone: str) -> dict[str, Any]:
    """Scan the library's latest ``qr`` with the phone once ``initialize()`` has resolved; the linked device.

    whatsapp-web.js follows the page's navigations only once ``initialize()`` resolves: the reload after a
    scan within milliseconds of the QR (faster than any person) is lost on it, and ``ready`` never comes.
    """
    await client.wait_for("qr")
    await client.wait_for("initialized")
    return await sim.scan(client.of("qr")[-1]["qr"], **phone)
