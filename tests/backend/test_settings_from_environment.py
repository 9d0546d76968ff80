"""Settings are parsed strictly: an invalid value stops the process at start with a message naming it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from backend import env
from shared.identity import new_key_pair

REPO = Path(__file__).resolve().parents[2]


SECRETS = {
    "SECRET_KEY": "settings-test-" + "s" * 40,
    "BACKEND_SIGNING_KEY": new_key_pair().private,
    "SESSION_STATE_KEYS": Fernet.generate_key().decode(),
}
CLEARED = ("DJANGO_", "WHATSAPP_", "SECRET_KEY", "BACKEND_SIGNING_KEY", "SESSION_STATE_KEYS", "DEFAULT_WORKER_")


def start_django(**overrides: str) -> subprocess.CompletedProcess:
    variables = {k: v for k, v in os.environ.items() if not k.startswith(CLEARED)}
    variables.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=REPO,
        env={**variables, "DJANGO_SETTINGS_MODULE": "backend.settings"},
        capture_output=True,
        text=True,
        timeout=300,  # a safety net, not a bound: Django's start is slow on a busy machine
        check=False,
    )


def assert_refused_at_start(message: str, **overrides: str) -> None:
    result = start_django(**overrides)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_boolean_must_be_true_or_false(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be True or False, got 'yes'"):
        env.env_bool("X_FLAG", False)
    monkeypatch.setenv("X_FLAG", "False")
    assert env.env_bool("X_FLAG", True) is False


def test_an_integer_must_be_an_integer_in_range(monkeypatch):
    monkeypatch.setenv("X_COUNT", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_COUNT must be an integer"):
        env.env_int("X_COUNT", 1)
    monkeypatch.setenv("X_COUNT", "0")
    with pytest.raises(ImproperlyConfigured, match="between 1 and"):
        env.env_int("X_COUNT", 1, minimum=1)


def test_a_url_must_have_a_known_scheme_and_is_not_echoed(monkeypatch):
    monkeypatch.setenv("X_URL", "mysql://user:hunter2@db/x")
    with pytest.raises(ImproperlyConfigured) as caught:
        env.env_url("X_URL", None, schemes=("postgres",))
    assert "hunter2" not in str(caught.value)


def test_a_secret_may_come_from_a_file(monkeypatch, tmp_path):
    (tmp_path / "secret").write_text("from-file\n")
    monkeypatch.setenv("X_SECRET", "from-env")
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "secret"))
    assert env.env_str("X_SECRET") == "from-file"


def test_no_published_secret_stands_in_for_a_missing_one_even_in_debug():
    assert_refused_at_start("SECRET_KEY must be set", DJANGO_DEBUG="True")


def test_without_the_backend_signing_key_nothing_starts():
    secrets_but_the_key = {k: v for k, v in SECRETS.items() if k != "BACKEND_SIGNING_KEY"}
    assert_refused_at_start("BACKEND_SIGNING_KEY must be set", DJANGO_DEBUG="True", **secrets_but_the_key)


def test_an_invalid_signing_key_stops_the_start_without_echoing_it():
    result = start_django(DJANGO_DEBUG="True", **{**SECRETS, "BACKEND_SIGNING_KEY": "whsk_notbase64!!hunter2"})
    assert result.returncode != 0
    assert "BACKEND_SIGNING_KEY is invalid" in result.stderr and "hunter2" not in result.stderr


@pytest.mark.parametrize(
    ("retired", "successor"),
    [("WHATSAPP_HMAC_SECRET", "manage.py worker_register"), ("DEFAULT_WORKER_URL", "manage.py worker_register")],
)
def test_a_retired_setting_stops_the_start_naming_what_replaces_it(retired, successor):
    assert_refused_at_start(successor, DJANGO_DEBUG="True", **SECRETS, **{retired: "set"})


def test_an_invalid_rate_limit_stops_the_start():
    assert_refused_at_start(
        "WEBHOOK_WORKER_RATE must be <count>/<second|minute|hour|day>",
        DJANGO_DEBUG="True",
        WEBHOOK_WORKER_RATE="lots",
        **SECRETS,
    )


def test_the_retired_webhook_limit_stops_the_start_naming_its_successors():
    assert_refused_at_start(
        "set WEBHOOK_UNVERIFIED_RATE (per address) and WEBHOOK_WORKER_RATE",
        DJANGO_DEBUG="True",
        WEBHOOK_RATE_LIMIT_PER_MINUTE="1000",
        **SECRETS,
    )


def test_a_trusted_proxy_must_be_an_address_or_a_block():
    for bad in ("nginx", "10.0.0.1/8", "127.0.0.1/33"):
        message = f"TRUSTED_PROXIES must list IP addresses or CIDR blocks, got {bad!r}"
        assert_refused_at_start(message, DJANGO_DEBUG="True", TRUSTED_PROXIES=f"127.0.0.1,{bad}", **SECRETS)


def test_development_starts_with_its_secrets_given():
    result = start_django(DJANGO_DEBUG="True", **SECRETS)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_production_is_the_default_so_a_forgotten_setting_stops_the_start():
    # DJANGO_DEBUG unset means False: without ALLOWED_HOSTS the process refuses to start, instead of serving
    # any host name.
    assert_refused_at_start("ALLOWED_HOSTS must be set when DJANGO_DEBUG=False", **SECRETS)
