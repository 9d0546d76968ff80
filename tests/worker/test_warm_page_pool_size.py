"""The warm page pool holds at most WARM_PAGES_MAX pages (default 2; WARM_PAGES is its older name), at least
WARM_PAGES_MIN (default 0, never above the most), never more than the machine's cores, and none in the profile
layout (a session's browser there is its own profile directory, which no warm page can become)."""

import os

import pytest

from session_worker.settings import Layout, Settings, SettingsError
from session_worker.warm_pages import pool_minimum, pool_size
from shared import identity

REQUIRED = {
    "BACKEND_WEBHOOK_URL": "http://127.0.0.1:8000/api/v1/whatsapp/webhook",
    "WORKER_SIGNING_KEY": identity.new_key_pair().private,
    "BACKEND_PUBLIC_KEYS": identity.new_key_pair().public,
}


def test_the_default_is_two_pages_within_the_cores():
    settings = Settings.from_env(REQUIRED)
    assert settings.warm_pages_max == 2 and settings.warm_pages_min == 0 and settings.warm_pages_idle_s == 600
    assert pool_size(settings) == min(2, os.cpu_count() or 1)
    assert pool_minimum(settings) == 0


def test_warm_pages_is_read_as_the_most_when_warm_pages_max_is_unset():
    assert Settings.from_env({**REQUIRED, "WARM_PAGES": "1"}).warm_pages_max == 1
    assert Settings.from_env({**REQUIRED, "WARM_PAGES": "1", "WARM_PAGES_MAX": "2"}).warm_pages_max == 2


def test_a_minimum_above_the_most_stops_the_worker_at_start():
    with pytest.raises(SettingsError, match="WARM_PAGES_MIN"):
        Settings.from_env({**REQUIRED, "WARM_PAGES_MIN": "3", "WARM_PAGES_MAX": "2"})


def test_the_minimum_stays_within_the_cores():
    settings = Settings.from_env({**REQUIRED, "WARM_PAGES_MIN": "64", "WARM_PAGES_MAX": "64"})
    assert pool_minimum(settings) == pool_size(settings) == (os.cpu_count() or 1)


def test_never_more_pages_than_cores():
    settings = Settings.from_env({**REQUIRED, "WARM_PAGES_MAX": "64"})
    assert pool_size(settings) == (os.cpu_count() or 1)


def test_zero_turns_the_pool_off():
    assert pool_size(Settings.from_env({**REQUIRED, "WARM_PAGES_MAX": "0"})) == 0


def test_the_profile_layout_has_no_pool():
    settings = Settings.from_env({**REQUIRED, "WARM_PAGES_MIN": "2", "SESSION_LAYOUT": Layout.PROFILE.value})
    assert pool_size(settings) == 0
