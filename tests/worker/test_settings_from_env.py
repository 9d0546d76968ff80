"""Settings come from the environment, strictly: a missing or malformed value is a clear error at start."""

from pathlib import Path

import pytest

from session_worker.settings import Layout, Settings, SettingsError
from shared.signing import new_secret

SECRET = new_secret()
REQUIRED = {"BACKEND_WEBHOOK_URL": "http://127.0.0.1:8000/api/v1/whatsapp/webhook", "WHATSAPP_HMAC_SECRET": SECRET}


def test_defaults_fill_everything_but_the_backend_and_the_secret():
    settings = Settings.from_env(REQUIRED)

    assert settings.wa_web_url == "https://web.whatsapp.com/"
    assert settings.chromium_path == "/usr/bin/chromium"
    assert settings.session_data_dir == Path("var/sessions")
    assert (settings.worker_id, settings.port, settings.layout) == ("worker-1", 8001, Layout.SHARED)
    assert settings.base_url == "http://127.0.0.1:8001"
    assert settings.heartbeat_interval_s == 5.0
    assert SECRET not in repr(settings)


@pytest.mark.parametrize("name", ["BACKEND_WEBHOOK_URL", "WHATSAPP_HMAC_SECRET"])
def test_a_missing_required_value_names_the_variable(name):
    env = {key: value for key, value in REQUIRED.items() if key != name}

    with pytest.raises(SettingsError) as error:
        Settings.from_env(env)

    assert error.value.name == name and "required" in str(error.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WHATSAPP_HMAC_SECRET", "not-a-secret"),
        ("BACKEND_WEBHOOK_URL", "localhost:8000"),
        ("WA_WEB_URL", "ftp://example.org/"),
        ("MAX_SESSIONS", "many"),
        ("MAX_SESSIONS", "0"),
        ("WARM_PAGES", "-1"),
        ("WARM_PAGES", "two"),
        ("MAX_CONCURRENT_RESTORES", "0"),
        ("MAX_CONCURRENT_RESTORES", "eight"),
        ("WORKER_PORT", "70000"),
        ("SESSION_LAYOUT", "docker"),
        ("PAGE_TIMEOUT_S", "-1"),
        ("HEADLESS", "yes"),
        ("WORKER_ID", "worker 1"),
    ],
)
def test_a_malformed_value_is_refused_with_its_name(name, value):
    with pytest.raises(SettingsError) as error:
        Settings.from_env({**REQUIRED, name: value})

    assert error.value.name == name
    assert "not-a-secret" not in str(error.value)


def test_values_are_read():
    env = {
        **REQUIRED,
        "WORKER_PORT": "9001",
        "SESSION_LAYOUT": "profile",
        "MAX_SESSIONS": "3",
        "WORKER_PUBLIC_URL": "http://worker-1.internal:9001/",
        "HEARTBEAT_INTERVAL_S": "2.5",
    }
    settings = Settings.from_env(env)

    assert (settings.port, settings.layout, settings.max_sessions) == (9001, Layout.PROFILE, 3)
    assert settings.base_url == "http://worker-1.internal:9001"
    assert settings.heartbeat_interval_s == 2.5
