"""A database made before the backend was split into its four parts (every model in the accounts app, as main had
it up to accounts 0004) migrates with every row kept: the workers, the auth states and the inbox move to the fleet
and inbox apps with their rows, the accounts keep their worker, and the content types (and so the permissions)
follow their models. On PostgreSQL (production, the tests) and on SQLite (`make run`'s database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from backend.accounts.models import WhatsAppAccount
from backend.fleet.models import SessionAuthState, WorkerNode
from backend.inbox.models import WebhookEvent
from tests.harness.livestack import ROOT

BEFORE = [("accounts", "0004_leases_and_auth_states")]
MOVED = {"workernode": "fleet", "sessionauthstate": "fleet", "webhookevent": "inbox"}


def make_rows_as_main_did(apps, content_types) -> dict[str, int]:
    """Rows of every moved model, made through the models of the one-app layout."""
    Workspace = apps.get_model("accounts", "Workspace")
    Account = apps.get_model("accounts", "WhatsAppAccount")
    workspace = Workspace.objects.create(name="Before the split")
    worker = apps.get_model("accounts", "WorkerNode").objects.create(
        id="worker-old", base_url="http://127.0.0.1:1", capacity=7, last_heartbeat_at=timezone.now()
    )
    account = Account.objects.create(
        workspace=workspace, session_id="wa_before_split", status="connected", phone_number="6281234567890",
        is_primary=True, worker=worker, lease_epoch=3,
    )  # fmt: skip
    apps.get_model("accounts", "SessionAuthState").objects.create(
        account=account, ciphertext=b"sealed", layout="shared", size=6, sha256="0" * 64, version=2, epoch=3
    )
    apps.get_model("accounts", "WebhookEvent").objects.create(
        event_id="evt_before_split", type="session_ready", session_id="wa_before_split", worker_id="worker-old",
        sequence=4, occurred_at=timezone.now(), payload={"type": "session_ready"}, outcome="applied",
    )  # fmt: skip
    # main's content types named the moved models in the accounts app
    for model, app_label in MOVED.items():
        content_types.objects.filter(app_label=app_label, model=model).update(app_label="accounts")
    return {"account": account.pk}


@pytest.mark.django_db(transaction=True)
def test_postgres_rows_of_the_one_app_layout_are_kept():
    call_command("migrate", "accounts", BEFORE[0][1], verbosity=0)
    try:
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        made = make_rows_as_main_did(old, old.get_model("contenttypes", "ContentType"))
    finally:
        call_command("migrate", verbosity=0)
    account = WhatsAppAccount.objects.select_related("worker").get(pk=made["account"])
    assert (account.worker.id, account.worker.capacity, account.lease_epoch) == ("worker-old", 7, 3)
    assert bytes(SessionAuthState.objects.get(account=account).ciphertext) == b"sealed"
    assert WebhookEvent.objects.get(event_id="evt_before_split").payload == {"type": "session_ready"}
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    for model, app_label in MOVED.items():
        content_type = ContentType.objects.get(model=model)
        assert content_type.app_label == app_label
        assert Permission.objects.filter(content_type=content_type, codename=f"view_{model}").exists()
    assert WorkerNode.objects.count() == 1


SQLITE_SCRIPT = """
import json, sys
import django
django.setup()
from backend.accounts.models import WhatsAppAccount
from backend.inbox.models import WebhookEvent
account = WhatsAppAccount.objects.select_related("worker", "auth_state").get(session_id="wa_before_split")
state = bytes(account.auth_state.ciphertext).decode()
events = WebhookEvent.objects.count()
print(json.dumps({"worker": account.worker.id, "phone": account.phone_number, "state": state, "events": events}))
"""

SQLITE_ROWS = """
INSERT INTO accounts_workspace (name, created_at) VALUES ('Demo', '2026-12-01 00:00:00');
INSERT INTO accounts_workernode (id, base_url, capacity, reported_sessions, is_alive, draining, created_at)
  VALUES ('worker-1', 'http://127.0.0.1:8001', 20, 1, 1, 0, '2026-12-01 00:00:00');
INSERT INTO accounts_whatsappaccount (session_id, status, status_reason, status_changed_at, phone_number, push_name,
  platform, is_primary, qr_code, qr_count, created_at, updated_at, worker_id, workspace_id, lease_epoch, moving)
  VALUES ('wa_before_split', 'connected', '', '2026-12-01 00:00:00', '6281234567890', 'Ana', 'android', 1, '', 1,
  '2026-12-01 00:00:00', '2026-12-01 00:00:00', 'worker-1', 1, 2, 0);
INSERT INTO accounts_sessionauthstate (account_id, ciphertext, layout, size, sha256, version, epoch, updated_at)
  VALUES (1, X'7365616c6564', 'shared', 6, '', 1, 2, '2026-12-01 00:00:00');
INSERT INTO accounts_webhookevent (event_id, type, session_id, workspace_id, worker_id, epoch, sequence, occurred_at,
  payload, received_at, outcome, detail)
  VALUES ('evt_1', 'session_ready', 'wa_before_split', '1', 'worker-1', 2, 3, '2026-12-01 00:00:00', '{}',
  '2026-12-01 00:00:00', 'applied', '');
"""


def test_make_runs_sqlite_database_of_the_one_app_layout_keeps_its_accounts(tmp_path):
    import sqlite3

    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",) and not k.startswith("PYTEST")}
    env.update(DJANGO_SETTINGS_MODULE="backend.settings", DJANGO_DEBUG="True", VAR_DIR=str(tmp_path))
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    manage = [sys.executable, "backend/manage.py"]
    subprocess.run([*manage, "migrate", "accounts", BEFORE[0][1], "-v", "0"], cwd=ROOT, env=env, check=True)
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        db.executescript(SQLITE_ROWS)
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run([sys.executable, "-c", SQLITE_SCRIPT], cwd=ROOT, env=env, check=True, capture_output=True)
    assert json.loads(out.stdout) == {"worker": "worker-1", "phone": "6281234567890", "state": "sealed", "events": 1}
