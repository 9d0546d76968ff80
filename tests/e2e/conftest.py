"""The end-to-end suite: one live stack per module (daphne, Celery, the session worker and the
simulator on PostgreSQL and Redis; tests/harness/livestack.py), one Chromium, a fresh browser context per test.

Every test works in workspaces of its own, so that sharing the stack does not couple the tests. The
stack's logs are copied to artifacts/e2e/stack-logs/<module>/ when the module ends.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.helpers import ARTIFACTS
from tests.harness.livestack import LiveStack
from tests.harness.phone import Phone
from tests.web.browser import launch


@pytest.fixture(autouse=True)
def _patient_expect() -> Iterator[None]:
    """The live stack shares this machine's two cores with other suites: give the page time."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default, for the suites that run after


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory) -> Iterator[LiveStack]:
    folder = tmp_path_factory.mktemp("e2e-stack")
    module = request.module.__name__.rsplit(".", 1)[-1]
    # A module sets SIMULATOR_PROFILE = "realistic" to run on the simulator's realistic timings.
    live = LiveStack(folder, simulator_profile=getattr(request.module, "SIMULATOR_PROFILE", "instant"))
    try:
        with live:
            yield live
    finally:
        logs = ARTIFACTS / "stack-logs" / module
        logs.mkdir(parents=True, exist_ok=True)
        for log in folder.glob("*.log"):
            shutil.copy(log, logs / log.name)


@pytest.fixture(scope="module")
def phone(stack) -> Iterator[Phone]:
    with Phone(stack.simulator_url) as client:
        yield client


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(20000)
    try:
        yield context
    finally:
        context.close()
