"""The end-to-end suite: the live stack (daphne, Celery, the session worker and the simulator on PostgreSQL
and Redis; tests/harness/livestack.py) that modules share (``live_stack``, tests/conftest.py), one Chromium, a
fresh browser context per test.

Every test works in workspaces of its own (and links phones of its own), so that sharing the stack does not
couple the tests. A module that needs other settings (the realistic simulator, DEBUG, no warm pages) starts a
stack of its own with ``helpers.own_stack``, its logs copied to artifacts/e2e/stack-logs/<module>/ when it ends.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect, sync_playwright

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
def stack(live_stack) -> LiveStack:
    return live_stack


@pytest.fixture(scope="module")
def phone(stack) -> Iterator[Phone]:
    with Phone(stack.simulator_url) as client:
        yield client


@pytest.fixture(scope="package")
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
