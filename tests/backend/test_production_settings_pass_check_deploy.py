"""`manage.py check --deploy` on the production settings (DJANGO_DEBUG=False, as deploy/env.example sets them):
no warning. HTTPS behind the proxy is the default: SECURE_PROXY_SSL_HEADER, the redirect to HTTPS, HSTS, Secure
session and CSRF cookies."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from shared.identity import new_key_pair

REPO = Path(__file__).resolve().parents[2]
PRINT_HTTPS = (
    "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT, "
    "s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
)


def production(*argv: str) -> subprocess.CompletedProcess:
    cleared = ("DJANGO_", "SECRET_KEY", "BACKEND_SIGNING_KEY", "SESSION_STATE_KEYS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(cleared)}
    env.update(
        DJANGO_SETTINGS_MODULE="backend.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        BACKEND_SIGNING_KEY=new_key_pair().private,
        SESSION_STATE_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="connect.example.com,127.0.0.1",
    )
    return subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_check_deploy_is_clean():
    result = production(sys.executable, "backend/manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_https_is_the_production_default():
    result = production(sys.executable, "backend/manage.py", "shell", "-c", PRINT_HTTPS)
    assert result.stdout.strip().splitlines()[-1] == "('HTTP_X_FORWARDED_PROTO', 'https') True 31536000 True True", (
        result.stderr
    )
