"""`manage.py demo_setup` makes the demo login of `make run`, and running it twice changes nothing."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from backend.accounts.models import Membership, Workspace

pytestmark = pytest.mark.django_db


def test_it_creates_the_demo_owner_once():
    for _ in range(2):
        out = io.StringIO()
        call_command("demo_setup", stdout=out)
    assert "login: demo / demo  workspace: Demo" in out.getvalue()
    assert Workspace.objects.filter(name="Demo").count() == 1
    membership = Membership.objects.get()
    assert (membership.user.username, membership.role) == ("demo", "owner")
    assert authenticate(RequestFactory().post("/accounts/login/"), username="demo", password="demo") is not None


def test_make_runs_command_takes_a_password_that_begins_with_a_dash(tmp_path):
    """A generated password may begin with "-" (secrets.token_urlsafe, 1 in 64): the command make run builds must
    still read it as the password, not as an option (it exited 2, and every later make run with it)."""
    import os
    import subprocess
    import sys

    from scripts.run_demo import demo_setup_argv
    from tests.harness.livestack import ROOT

    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL" and not k.startswith("PYTEST")}
    env.update(DJANGO_SETTINGS_MODULE="backend.settings", DJANGO_DEBUG="True", VAR_DIR=str(tmp_path))
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    manage = [sys.executable, "backend/manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    made = subprocess.run(
        demo_setup_argv(manage, "-tOtgn62pFv2", []), cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert made.returncode == 0, made.stderr
    assert "login: demo / -tOtgn62pFv2" in made.stdout


def test_it_registers_make_runs_workers_with_their_keys_every_start():
    from backend.fleet.models import WorkerNode
    from shared.identity import new_key_pair

    first, second = new_key_pair().public, new_key_pair().public
    call_command("demo_setup", f"--worker=worker-1=http://127.0.0.1:8001=10={first}", stdout=io.StringIO())
    call_command("demo_setup", f"--worker=worker-1=http://127.0.0.1:8011=12={second}", stdout=io.StringIO())
    worker = WorkerNode.objects.get(pk="worker-1")
    assert (worker.base_url, worker.capacity, worker.keys) == ("http://127.0.0.1:8011", 12, [second])
