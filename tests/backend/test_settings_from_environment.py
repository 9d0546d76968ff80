"""Settings are parsed strictly: an invalid value stops the process at start with a message naming it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from backend import env

REPO = Path(__file__).resolve().parents[2]


def start_django(**overrides: str) -> subprocess.CompletedProcess:
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "WHATSAPP_", "SECRET_KEY"))}
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


def test_production_refuses_to_start_without_the_hmac_secret():
    assert_refused_at_start(
        "WHATSAPP_HMAC_SECRET must be set when DJANGO_DEBUG=False",
        DJANGO_DEBUG="False",
        SECRET_KEY="s" * 50,
        ALLOWED_HOSTS="example.com",
    )


def test_an_invalid_hmac_secret_stops_the_start():
    assert_refused_at_start("WHATSAPP_HMAC_SECRET is invalid", DJANGO_DEBUG="True", WHATSAPP_HMAC_SECRET="not-a-secret")


def test_an_invalid_rate_limit_stops_the_start():
    assert_refused_at_start(
        "WEBHOOK_WORKER_RATE must be <count>/<second|minute|hour|day>", DJANGO_DEBUG="True", WEBHOOK_WORKER_RATE="lots"
    )


def test_the_retired_webhook_limit_stops_the_start_naming_its_successors():
    assert_refused_at_start(
        "set WEBHOOK_UNVERIFIED_RATE (per address) and WEBHOOK_WORKER_RATE",
        DJANGO_DEBUG="True",
        WEBHOOK_RATE_LIMIT_PER_MINUTE="1000",
    )


def test_a_trusted_proxy_must_be_an_address_or_a_block():
    for bad in ("nginx", "10.0.0.1/8", "127.0.0.1/33"):
        message = f"TRUSTED_PROXIES must list IP addresses or CIDR blocks, got {bad!r}"
        assert_refused_at_start(message, DJANGO_DEBUG="True", TRUSTED_PROXIES=f"127.0.0.1,{bad}")


def test_development_defaults_start():
    result = start_django(DJANGO_DEBUG="True")
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_production_is_the_default_so_a_forgotten_setting_stops_the_start():
    # DJANGO_DEBUG unset means False: without SECRET_KEY the process refuses to start, instead of running
    # with the development secrets (anyone knowing them could sign webhooks).
    assert_refused_at_start(
        "SECRET_KEY must be set when DJANGO_DEBUG=False",
    )
