"""deploy/env.example works as written: loaded through deploy/with-env.sh (its secrets filled in, the database
and Redis pointed at the test servers), the backend starts in production mode, passes `check --deploy`, and the
webhook at its BACKEND_WEBHOOK_URL is reached (its host is in ALLOWED_HOSTS, no redirect to HTTPS): an unsigned
post gets 401 "unknown worker", not 400 DisallowedHost. Every backend and worker setting is in the example."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys

from cryptography.fernet import Fernet

from shared import identity
from tests.docs.markdown import BACKEND_SETTINGS, ROOT

EXAMPLE = ROOT / "deploy" / "env.example"
POST_TO_THE_WEBHOOK_URL = """
import os, django
from urllib.parse import urlsplit
django.setup()
from django.test import Client
url = urlsplit(os.environ["BACKEND_WEBHOOK_URL"])
response = Client().post(url.path, data=b"{}", content_type="application/json", HTTP_HOST=url.netloc)
print("STATUS", response.status_code, response.content.decode()[:200])
"""


def example_env_file(tmp_path) -> str:
    text = EXAMPLE.read_text()
    backend_key = identity.new_key_pair()
    filled = {
        "BACKEND_SIGNING_KEY": backend_key.private,
        "BACKEND_PUBLIC_KEYS": backend_key.public,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SESSION_STATE_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://whatsapp:whatsapp@127.0.0.1:5432/whatsapp"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "REDIS_KEY_PREFIX": f"test-env-example-{secrets.token_hex(4)}",
    }
    for name, value in filled.items():
        text, count = re.subn(rf"^{name}=.*$", f"{name}={value}", text, flags=re.M)
        assert count == 1, name
    path = tmp_path / "env"
    path.write_text(text)
    return str(path)


def with_example_env(tmp_path, *argv: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    for name in re.findall(r"^([A-Z][A-Z0-9_]+)=", EXAMPLE.read_text(), re.M):
        env.pop(name, None)  # only what the file says
    command = [str(ROOT / "deploy" / "with-env.sh"), example_env_file(tmp_path), *argv]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_worker_reaches_the_webhook_at_the_examples_url(tmp_path):
    result = with_example_env(tmp_path, sys.executable, "-c", POST_TO_THE_WEBHOOK_URL)
    status = next((line for line in result.stdout.splitlines() if line.startswith("STATUS")), result.stderr)
    assert status.startswith("STATUS 401 "), status
    assert "unknown worker" in status  # reached the webhook: it asks who is calling


def test_the_example_passes_check_deploy(tmp_path):
    result = with_example_env(
        tmp_path, sys.executable, "backend/manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_backend_and_worker_setting_is_in_the_example():
    read = set(
        re.findall(
            r'env_\w+\(\s*"([A-Z][A-Z0-9_]+)"',
            BACKEND_SETTINGS(),
        )
    )
    read |= set(re.findall(r'(?:_env\(|\(env, )"([A-Z][A-Z0-9_]+)"', (ROOT / "session_worker/settings.py").read_text()))
    in_example = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", EXAMPLE.read_text(), re.M))
    # The test database's name is for tests only; each worker's own key goes in that worker's own env file, never
    # in the one every process reads: the example says where instead.
    assert sorted(read - in_example - {"DATABASE_TEST_NAME", "WORKER_SIGNING_KEY"}) == []
    assert "WORKER_SIGNING_KEY=whsk_" in EXAMPLE.read_text()
