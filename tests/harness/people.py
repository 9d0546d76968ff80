"""People made in a live stack's database: users with a password and an API token, each owning (or in some
role in) workspaces of their own. Made by a Django process on the stack's database (``run_django``), the way an
operator's ``manage.py shell`` would, since the live backend has no API to make users.

That process is started once per stack and kept (``DjangoShell``: Django's start-up and the password's hash
cost seconds a call where a call in a running shell takes milliseconds); it closes its database connections
after each call, so that a restart of PostgreSQL under the stack never leaves it a dead one, and it stops with
the stack.
"""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import threading
from dataclasses import dataclass
from typing import Any

from tests.harness.livestack import PYTHON, ROOT, LiveStack

PASSWORD = "harness-password-that-is-long"
RESULT = "RESULT="

# Reads one JSON request a line ({"code", "spec"}), runs ``code`` with ``spec`` bound (and ``memo``, a dict kept
# across calls), and answers one line: RESULT= and {"result": ...} or {"error": traceback}.
_SHELL = f"""
import json, sys, traceback
import django
django.setup()
from django.db import connections
memo = {{}}
for line in sys.stdin:
    request = json.loads(line)
    scope = {{"spec": request["spec"], "result": None, "memo": memo}}
    try:
        exec(request["code"], scope)
        answer = {{"result": scope["result"]}}
    except Exception:
        answer = {{"error": traceback.format_exc()}}
    finally:
        connections.close_all()
    sys.stdout.write({RESULT!r} + json.dumps(answer) + "\\n")
    sys.stdout.flush()
"""

# {"password", "role", "people": {username: [workspace name, ...]}} -> {username: {user_id, token, workspace_ids}}.
# A username that exists already gets the new workspaces (and keeps its password and token). The password is
# hashed once per shell (the same password for every user of the harness).
_PEOPLE_SCRIPT = """
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from rest_framework.authtoken.models import Token
from backend.accounts.models import Membership, Workspace
if spec["password"] not in memo:
    memo[spec["password"]] = make_password(spec["password"])
result = {}
for username, workspaces in spec["people"].items():
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = get_user_model().objects.create_user(username=username)
        user.password = memo[spec["password"]]
        user.save(update_fields=["password"])
    ids = []
    for name in workspaces:
        workspace = Workspace.objects.create(name=name)
        Membership.objects.create(user=user, workspace=workspace, role=spec["role"])
        ids.append(workspace.pk)
    token, _ = Token.objects.get_or_create(user=user)
    result[username] = {"user_id": user.pk, "token": token.key, "workspace_ids": ids}
"""


class DjangoShell:
    """One Django process on a stack's database that runs code sent to it, one call at a time."""

    def __init__(self, stack: LiveStack) -> None:
        self.stack = stack
        self.process: subprocess.Popen | None = None
        self.answers: queue.Queue[str | None] = queue.Queue()
        self.lock = threading.Lock()
        self.reader: threading.Thread | None = None

    def _start(self) -> subprocess.Popen:
        log = (self.stack.folder / "django-shell.log").open("ab")
        process = subprocess.Popen(
            [PYTHON, "-c", _SHELL],
            env=self.stack.django_env(),
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        log.close()
        self.answers = queue.Queue()
        self.reader = threading.Thread(
            target=self._read, args=(process, self.answers), name="django-shell", daemon=True
        )
        self.reader.start()
        return process

    @staticmethod
    def _read(process: subprocess.Popen, answers: queue.Queue) -> None:
        with process.stdout:
            for line in process.stdout:
                if line.startswith(RESULT):
                    answers.put(line.removeprefix(RESULT))
        answers.put(None)  # the process ended

    def run(self, code: str, spec: Any, *, timeout: float) -> Any:
        with self.lock:
            if self.process is not None and self.process.poll() is not None:
                self.close()  # it exited (its log says why): a new one
            if self.process is None:
                self.process = self._start()
            self.process.stdin.write(json.dumps({"code": code, "spec": spec}) + "\n")
            self.process.stdin.flush()
            try:
                line = self.answers.get(timeout=timeout)
            except queue.Empty:
                self.close()
                raise TimeoutError(f"no answer from the Django shell within {timeout} s") from None
        if line is None:
            raise RuntimeError(f"the Django shell exited: see {self.stack.folder / 'django-shell.log'}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"Django code failed: {answer['error'][-3000:]}")
        return answer["result"]

    def close(self) -> None:
        if self.process is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
            self.reader.join(10)  # it closes the process's output once read to its end
            self.process = None


@dataclass(frozen=True)
class Person:
    username: str
    user_id: int
    token: str  # for ``Authorization: Token <token>``
    workspace_ids: tuple[int, ...]

    @property
    def workspace_id(self) -> int:
        """The first workspace made for this person."""
        return self.workspace_ids[0]


_shells: dict[int, DjangoShell] = {}  # by id() of the stack, while it runs
_shells_lock = threading.Lock()


def run_django(stack: LiveStack, code: str, spec: Any, *, timeout: float = 120.0) -> Any:
    """Run ``code`` in the stack's Django shell, with ``spec`` (JSON) bound to ``spec``; it binds its answer
    (JSON) to ``result``, which is returned. A failure raises with the traceback."""
    with _shells_lock:
        shell = _shells.get(id(stack))
        if shell is None:
            shell = _shells[id(stack)] = DjangoShell(stack)
            stack.at_stop.append(lambda: _close(stack))
    return shell.run(code, spec, timeout=timeout)


def _close(stack: LiveStack) -> None:
    with _shells_lock:
        shell = _shells.pop(id(stack), None)
    if shell is not None:
        shell.close()


def make_people(stack: LiveStack, people: dict[str, str | list[str]], *, role: str = "owner") -> dict[str, Person]:
    """``{username: workspace name or names}``: each person gets those workspaces, new, in ``role``."""
    workspaces = {username: [names] if isinstance(names, str) else names for username, names in people.items()}
    spec = {"password": PASSWORD, "role": role, "people": workspaces}
    made = run_django(stack, _PEOPLE_SCRIPT, spec)
    return {
        username: Person(username, data["user_id"], data["token"], tuple(data["workspace_ids"]))
        for username, data in made.items()
    }
