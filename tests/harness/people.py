"""People made in a live stack's database: users with a password and an API token, each owning (or in some
role in) workspaces of their own. Made by one Django process on the stack's database (``run_django``), the
way an operator's ``manage.py shell`` would, since the live backend has no API to make users."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import Any

from tests.harness.livestack import PYTHON, ROOT, LiveStack

PASSWORD = "harness-password-that-is-long"
RESULT = "RESULT="

# {"password", "role", "people": {username: [workspace name, ...]}} -> {username: {user_id, token, workspace_ids}}.
# A username that exists already gets the new workspaces (and keeps its password and token).
_PEOPLE_SCRIPT = """
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from backend.accounts.models import Membership, Workspace
result = {}
for username, workspaces in spec["people"].items():
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = get_user_model().objects.create_user(username=username, password=spec["password"])
    ids = []
    for name in workspaces:
        workspace = Workspace.objects.create(name=name)
        Membership.objects.create(user=user, workspace=workspace, role=spec["role"])
        ids.append(workspace.pk)
    token, _ = Token.objects.get_or_create(user=user)
    result[username] = {"user_id": user.pk, "token": token.key, "workspace_ids": ids}
"""


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


def run_django(stack: LiveStack, code: str, spec: Any, *, timeout: float = 120.0) -> Any:
    """Run ``code`` in a Django process on the stack's database, with ``spec`` (JSON) bound to ``spec``; it
    binds its answer (JSON) to ``result``, which is returned. A failure raises with the process's stderr."""
    program = (
        "import json, sys\nimport django\ndjango.setup()\nspec = json.loads(sys.argv[1])\nresult = None\n"
        f"{code}\nprint({RESULT!r} + json.dumps(result))\n"
    )
    done = subprocess.run(
        [PYTHON, "-c", program, json.dumps(spec)],
        env=stack.django_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"Django code failed ({done.returncode}): {done.stderr[-3000:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith(RESULT))
    return json.loads(line.removeprefix(RESULT))


def make_people(stack: LiveStack, people: dict[str, str | list[str]], *, role: str = "owner") -> dict[str, Person]:
    """``{username: workspace name or names}``: each person gets those workspaces, new, in ``role``."""
    workspaces = {username: [names] if isinstance(names, str) else names for username, names in people.items()}
    spec = {"password": PASSWORD, "role": role, "people": workspaces}
    made = run_django(stack, _PEOPLE_SCRIPT, spec)
    return {
        username: Person(username, data["user_id"], data["token"], tuple(data["workspace_ids"]))
        for username, data in made.items()
    }
