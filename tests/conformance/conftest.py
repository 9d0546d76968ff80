"""The conformance suite: the unmodified whatsapp-web.js (pinned in package-lock.json, installed by
``make setup``) logs in through the simulator, on each profile. Any change to the simulator's page must keep
it green. The helpers are in ``wwebjs.py``."""

from __future__ import annotations

import pytest

from tests.conformance.wwebjs import library_version

LIBRARY_VERSION = "1.34.7"
PROFILES = ["instant", "realistic"]
PHONE_NUMBER = "5511987650001"
PUSHNAME = "Ana Conformance"


@pytest.fixture(autouse=True)
def _library_installed() -> None:
    assert library_version() == LIBRARY_VERSION, "tests/conformance/package-lock.json pins another version"


@pytest.fixture(params=PROFILES)
def profile(request: pytest.FixtureRequest) -> str:
    return request.param
