"""The reliability suite's live stack and the few things every test does with it: people with API tokens,
the REST API, the phone, the worker's signed API, the live database read directly, and the logs.

A stack (tests/harness/livestack.py) has a fresh PostgreSQL database, a Redis key prefix of its own, the
simulator, daphne, Celery with beat and one session worker (or several). Modules with the same settings share
one (tests/reliability/conftest.py): each works in workspaces of its own and leaves the stack as it found it
(``forget`` its accounts, ``start_again`` what it stopped).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aiohttp
import psycopg
import requests

from tests.harness.identities import command_headers
from tests.harness.livestack import BIN, LiveStack
from tests.harness.people import Person, make_people, run_django
from tests.harness.phone import Phone
from tests.harness.waiting import wait_until

# What a probe of the live stack may meet while a part restarts: it means "not yet".
TRANSIENT = (requests.RequestException, psycopg.OperationalError)
ENDED = frozenset({"STOPPED", "DISCONNECTED", "FAILED"})  # a session the worker no longer runs


class ReliabilityStack(LiveStack):
    """The live stack (its own database and Redis key prefix, as every LiveStack), with webhook retries capped
    at 2 s so that the fault tests see the outbox drain soon after the backend is back."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.phone: Phone | None = None  # while the stack runs
        self.worker_env.setdefault("WEBHOOK_RETRY_MAX_S", "2")
        if not self.simulator_args:  # the instant profile, with the real site's QR lifetimes (many sessions at once)
            self.simulator_args = ["--first-qr-lifetime", "60", "--next-qr-lifetime", "20"]

    def start(self) -> ReliabilityStack:
        super().start()
        self.phone = Phone(self.simulator_url)
        return self

    def stop(self) -> None:
        if self.phone is not None:
            self.phone.close()
            self.phone = None
        super().stop()

    # People and the API ------------------------------------------------------------------------------------
    def make_people(self, people: dict[str, str], *, role: str = "owner") -> dict[str, Person]:
        """``{username: workspace name}``: each person with a workspace of their own and an API token."""
        return make_people(self, people, role=role)

    def api(self, method: str, path: str, *, token: str, timeout: float = 20.0, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Token {token}", **kwargs.pop("headers", {})}
        return requests.request(method, self.backend_url + path, headers=headers, timeout=timeout, **kwargs)

    async def open_workspace_socket(
        self,
        http: aiohttp.ClientSession,
        workspace_id,
        *,
        token: str | None = None,
        origin: str | None = None,
        **options,
    ) -> aiohttp.ClientWebSocketResponse:
        """The workspace's live WebSocket, opened as the site's own page does (its Origin, unless another is
        given), with an API token if any; ``options`` go to ``ws_connect``."""
        headers = {"Origin": origin or self.backend_url}
        if token:
            headers["Authorization"] = f"Token {token}"
        url = f"{self.backend_url}/ws/workspaces/{workspace_id}/"
        return await http.ws_connect(url, headers=headers, **options)

    def connect(self, *, workspace_id: int, token: str) -> dict:
        response = self.api("POST", f"/api/v1/workspaces/{workspace_id}/accounts", token=token)
        assert response.status_code == 201, response.text
        return response.json()

    def account(self, account_id: int, *, token: str) -> dict:
        response = self.api("GET", f"/api/v1/accounts/{account_id}", token=token)
        assert response.status_code == 200, response.text
        return response.json()

    def wait_qr(self, account_id: int, *, token: str, within: float = 30.0) -> str:
        def qr() -> str | None:
            account = self.account(account_id, token=token)
            return account["qr"] if account["status"] == "qr_scanning" else None

        return self.wait_until(qr, within=within, what=f"QR for account {account_id}")

    def wait_status(self, account_id: int, status: str, *, token: str, within: float = 30.0) -> dict:
        def reached() -> dict | None:
            account = self.account(account_id, token=token)
            return account if account["status"] == status else None

        return self.wait_until(reached, within=within, what=f"account {account_id} {status}")

    def wait_until(self, probe: Callable[[], Any], *, within: float, what: str) -> Any:
        """``tests.harness.waiting.wait_until``, where a part of the stack restarting means "not yet"."""
        return wait_until(probe, within=within, what=what, transient=TRANSIENT)

    def set_limits(self, workspace_id: int, **limits: int | None) -> None:
        """The workspace's own limits, as staff set them in the admin's Limits (``max_accounts``,
        ``connects_per_hour``, ``connects_per_day``; those not given stay empty: the settings' defaults)."""
        fields = {"max_accounts": None, "connects_per_hour": None, "connects_per_day": None}
        assert set(limits) <= set(fields)
        self.sql(
            "UPDATE accounts_workspace SET max_accounts = %(max_accounts)s, connects_per_hour = %(connects_per_hour)s,"
            " connects_per_day = %(connects_per_day)s WHERE id = %(id)s RETURNING id",
            {**fields, **limits, "id": workspace_id},
        )

    def forget(self, accounts: list[dict], *, token: str, within: float = 60.0) -> None:
        """Delete ``accounts`` through the API and wait until no worker runs their sessions any more (each logs
        its session out and closes its page): the stack as the test found it, for the next module sharing it."""
        for account in accounts:
            response = self.api("DELETE", f"/api/v1/accounts/{account['id']}", token=token)
            assert response.status_code in (204, 404), response.text
        session_ids = {account["session_id"] for account in accounts}

        def closed() -> bool:
            for name in self.worker_names:
                if self.processes[name].running:
                    views = self.worker_call_to(name, "GET", "/sessions").json()["sessions"]
                    if any(v["session_id"] in session_ids and v["state"] not in ENDED for v in views):
                        return False
            return True

        self.wait_until(closed, within=within, what=f"the sessions of {len(accounts)} deleted accounts closed")

    def start_again(self, name: str) -> None:
        """Start the process ``name`` again if a test stopped or killed it; a session worker, until the backend
        has heard from it again (so that placement counts on it)."""
        if self.processes[name].running:
            return
        since = self.sql("SELECT now()")[0][0]
        self.processes[name].start()
        if name in self.worker_names:
            worker_id = self.worker_process_env(name)["WORKER_ID"]
            self.wait_until(
                lambda: (
                    self.sql(
                        "SELECT is_alive AND last_heartbeat_at >= %s FROM fleet_workernode WHERE id = %s",
                        (since, worker_id),
                    )
                    == [(True,)]
                ),
                within=60,
                what=f"{worker_id} heard from again",
            )

    def make_idle_account(self, *, workspace_id: int) -> dict:
        """An account no worker runs (disconnected, on no worker): live traffic never touches it, so that a
        test can check that its bad requests changed nothing."""
        code = (
            "import secrets\n"
            "from backend.accounts.models import WhatsAppAccount\n"
            "a = WhatsAppAccount.objects.create(workspace_id=spec, session_id='wa_' + secrets.token_hex(16),"
            " status='disconnected', status_reason='IDLE')\n"
            "result = {'id': a.pk, 'session_id': a.session_id, 'workspace_id': spec}\n"
        )
        return run_django(self, code, workspace_id)

    # The worker --------------------------------------------------------------------------------------------
    def worker_call(self, method: str, path: str, body: bytes = b"") -> requests.Response:
        return self.worker_call_to("worker", method, path, body)

    def worker_call_to(self, name: str, method: str, path: str, body: bytes = b"") -> requests.Response:
        """A command of the backend to the session worker ``name`` (one of ``worker_names``), signed for it."""
        headers = command_headers(self.backend_key.private, self.worker_id(name), method, path, body)
        url = f"http://127.0.0.1:{self.ports[name]}{path}"
        return requests.request(method, url, data=body, headers=headers, timeout=20)

    def worker_session(self, session_id: str) -> dict:
        response = self.worker_call("GET", f"/sessions/{session_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def outbox_depth(self) -> float:
        text = requests.get(self.worker_url + "/metrics", timeout=10).text
        return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith("wa_worker_outbox_depth"))

    def link(self, account: dict, *, phone_number: str, token: str, within: float = 120.0) -> dict:
        """The operator shows the account's QR and the phone scans it: the account once connected."""

        def showing() -> str:
            return self.wait_qr(account["id"], token=token, within=within)

        self.phone.scan_shown(showing, phone_number=phone_number, pushname="Reliability")
        return self.wait_status(account["id"], "connected", token=token, within=within)

    def scan(self, qr: str, *, phone_number: str) -> dict:
        return self.phone.scan(qr, phone_number=phone_number, pushname="Reliability")

    # The live database -------------------------------------------------------------------------------------
    def sql(self, query: str, params: tuple | dict = ()) -> list[tuple]:
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def inbox(self, session_id: str) -> list[tuple[str, str, int, str]]:
        """The inbox rows of one session, in the order they were received: (event_id, type, sequence, outcome)."""
        return self.sql(
            "SELECT event_id, type, sequence, outcome FROM inbox_webhookevent WHERE session_id = %s ORDER BY id",
            (session_id,),
        )

    def table_counts(self) -> dict[str, int]:
        tables = ["inbox_webhookevent", "accounts_whatsappaccount", "accounts_accountstatuschange"]
        return {table: self.sql(f"SELECT count(*) FROM {table}")[0][0] for table in tables}  # noqa: S608

    def accounts_digest(self) -> list[tuple]:
        return self.sql(
            "SELECT id, status, status_reason, phone_number, is_primary, qr_code, last_sequence, deleted_at"
            " FROM accounts_whatsappaccount ORDER BY id"
        )

    # Logs --------------------------------------------------------------------------------------------------
    def log_mark(self, name: str) -> int:
        return len(self.processes[name].log())

    def worker_records(self, mark: int, **fields: Any) -> list[dict[str, Any]]:
        """The worker's log records (JSON lines) since ``log_mark("worker")`` whose fields equal ``fields``."""
        records = []
        for line in self.processes["worker"].log()[mark:].splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # the stack's own "--- start" lines, a partial last line
            if isinstance(record, dict) and all(record.get(k) == v for k, v in fields.items()):
                records.append(record)
        return records

    def errors_since(self, name: str, mark: int) -> list[str]:
        """Error lines, 5xx answers and integrity errors a process logged since ``log_mark``."""
        log = self.processes[name].log()[mark:]
        markers = ("IntegrityError", '" 500 ', '" 502 ', '" 504 ', "Internal Server Error")
        flagged = [line for line in log.splitlines() if any(m in line for m in markers)]
        return self.error_lines_in(log) + flagged

    def error_lines(self, name: str) -> list[str]:
        """Log lines that report an error (ERROR/CRITICAL, tracebacks) since the process last started (a
        process being stopped may log the requests it cut short)."""
        return self.error_lines_in(self.processes[name].log().rsplit("\n--- start ", 1)[-1])

    @staticmethod
    def error_lines_in(log: str) -> list[str]:
        markers = ('"level": "error"', '"level": "critical"', " ERROR ", "ERROR/", " CRITICAL ", "Traceback")
        return [line for line in log.splitlines() if any(m in line for m in markers)]


class WsgiStack(ReliabilityStack):
    """HTTP served as in production (docs/design.md): gunicorn with several worker processes, so that requests
    of one workspace really run at the same time (daphne runs Django's sync views in a single thread).
    No WebSocket on this stack."""

    http_workers = 4

    def define(self) -> None:
        super().define()
        backend = self.processes["backend"]
        backend.argv = [
            str(BIN / "gunicorn"), "backend.wsgi", "--bind", f"127.0.0.1:{self.ports['backend']}",
            "--workers", str(self.http_workers), "--threads", "2", "--access-logfile", "-",
            "--access-logformat", '%(h)s "%(r)s" %(s)s %(b)s',
        ]  # fmt: skip


class BackendOnlyStack(ReliabilityStack):
    """The backend alone (daphne on its database and Redis): for tests that must be the only client."""

    def define(self) -> None:
        super().define()
        self.processes = {"backend": self.processes["backend"]}
