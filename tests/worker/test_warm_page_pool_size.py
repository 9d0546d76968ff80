"""The warm page pool holds WARM_PAGES pages (default 2), never more than the machine's cores, and none in
the profile layout (a session's browser there is its own profile directory, which no warm page can become)."""

import os

from session_worker.settings import Layout, Settings
from session_worker.warm_pages import pool_size
from shared import identity

REQUIRED = {
    "BACKEND_WEBHOOK_URL": "http://127.0.0.1:8000/api/v1/whatsapp/webhook",
    "WORKER_SIGNING_KEY": identity.new_key_pair().private,
    "BACKEND_PUBLIC_KEYS": identity.new_key_pair().public,
}


def test_the_default_is_two_pages_within_the_cores():
    settings = Settings.from_env(REQUIRED)
    assert settings.warm_pages == 2
    assert pool_size(settings) == min(2, os.cpu_count() or 1)


def test_never_more_pages_than_cores():
    settings = Settings.from_env({**REQUIRED, "WARM_PAGES": "64"})
    assert pool_size(settings) == (os.cpu_count() or 1)


def test_zero_turns_the_pool_off():
    assert pool_size(Settings.from_env({**REQUIRED, "WARM_PAGES": "0"})) == 0


def test_the_profile_layout_has_no_pool():
    settings = Settings.from_env({**REQUIRED, "WARM_PAGES": "2", "SESSION_LAYOUT": Layout.PROFILE.value})
    assert pool_size(settings) == 0
