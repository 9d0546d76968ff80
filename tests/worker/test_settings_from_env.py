"""Settings come from the environment, strictly: a missing or malformed value is a clear error at start, naming
the variable and never echoing a key; the retired shared secret stops the worker with what replaces it."""

from pathlib import Path

import pytest

from session_worker.settings import Layout, Settings, SettingsError
from shared import identity
from tests.worker.tls import make_ca

WORKER, OLD_WORKER, BACKEND = identity.new_key_pair(), identity.new_key_pair(), identity.new_key_pair()
REQUIRED = {
    "BACKEND_WEBHOOK_URL": "http://127.0.0.1:8000/api/v1/whatsapp/webhook",
    "WORKER_SIGNING_KEY": WORKER.private,
    "BACKEND_PUBLIC_KEYS": BACKEND.public,
}


def test_defaults_fill_everything_but_the_backend_and_the_keys():
    settings = Settings.from_env(REQUIRED)

    assert settings.wa_web_url == "https://web.whatsapp.com/"
    assert settings.chromium_path == "/usr/bin/chromium"
    assert settings.session_data_dir == Path("var/sessions")
    assert (settings.worker_id, settings.port, settings.layout) == ("worker-1", 8001, Layout.SHARED)
    assert settings.base_url == "http://127.0.0.1:8001"
    assert settings.heartbeat_interval_s == 5.0
    assert settings.backend_ca_file is None  # the system's CAs
    assert (settings.signing_keys, settings.backend_public_keys) == ([WORKER.private], [BACKEND.public])
    assert WORKER.private not in repr(settings)


def test_two_keys_during_a_rotation_and_never_three():
    rotating = {**REQUIRED, "WORKER_SIGNING_KEY": f"{WORKER.private} {OLD_WORKER.private}"}
    assert Settings.from_env(rotating).signing_keys == [WORKER.private, OLD_WORKER.private]

    three = f"{WORKER.private} {OLD_WORKER.private} {BACKEND.private}"
    with pytest.raises(SettingsError) as error:
        Settings.from_env({**REQUIRED, "WORKER_SIGNING_KEY": three})
    assert error.value.name == "WORKER_SIGNING_KEY" and WORKER.private not in str(error.value)


@pytest.mark.parametrize("name", ["BACKEND_WEBHOOK_URL", "WORKER_SIGNING_KEY", "BACKEND_PUBLIC_KEYS"])
def test_a_missing_required_value_names_the_variable(name):
    env = {key: value for key, value in REQUIRED.items() if key != name}

    with pytest.raises(SettingsError) as error:
        Settings.from_env(env)

    assert error.value.name == name and "required" in str(error.value)


def test_the_retired_shared_secret_stops_the_worker_saying_what_replaces_it():
    with pytest.raises(SettingsError) as error:
        Settings.from_env({**REQUIRED, "WHATSAPP_HMAC_SECRET": "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"})

    assert error.value.name == "WHATSAPP_HMAC_SECRET"
    assert "WORKER_SIGNING_KEY" in str(error.value) and "BACKEND_PUBLIC_KEYS" in str(error.value)
    assert "c2VjcmV0" not in str(error.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WORKER_SIGNING_KEY", "not-a-key"),
        ("WORKER_SIGNING_KEY", BACKEND.public),  # a public key where the private one goes
        ("WORKER_SIGNING_KEY", "whsk_" + "A" * 10),
        ("BACKEND_PUBLIC_KEYS", BACKEND.private),  # the backend's private key: never a worker's to hold
        ("BACKEND_PUBLIC_KEYS", "whpk_not base64"),
        ("BACKEND_CA_FILE", "/nonexistent/ca.pem"),
        ("BACKEND_WEBHOOK_URL", "localhost:8000"),
        ("WA_WEB_URL", "ftp://example.org/"),
        ("MAX_SESSIONS", "many"),
        ("MAX_SESSIONS", "0"),
        ("WARM_PAGES", "-1"),
        ("WARM_PAGES", "two"),
        ("WARM_PAGES_MAX", "65"),
        ("WARM_PAGES_MIN", "-1"),
        ("WARM_PAGES_IDLE_S", "0"),
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
    if "KEY" in name:
        assert value not in str(error.value)


def test_a_ca_bundle_is_read(tmp_path):
    ca_file = make_ca(tmp_path).ca_file

    settings = Settings.from_env({**REQUIRED, "BACKEND_CA_FILE": str(ca_file)})

    assert settings.backend_ca_file == ca_file


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
