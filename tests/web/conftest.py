"""Fixtures of the settings page's tests: the owner signed in (the people are tests/harness/members.py's),
and the real page in Chromium against a scripted backend (scripted.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from playwright.sync_api import expect, sync_playwright

from tests.web.browser import launch
from tests.web.scripted import ScriptedBackend


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def _patient_expect() -> Iterator[None]:
    """This machine's two cores are shared with other suites: give the page time."""
    expect.set_options(timeout=10_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default


@pytest.fixture
def scripted(owner_client, workspace) -> ScriptedBackend:
    """The owner's page (rendered by the real view) against a scripted backend."""
    html = owner_client.get("/settings/whatsapp-accounts").content.decode()
    return ScriptedBackend(html=html, workspace_id=workspace.pk)


@pytest.fixture
def page(scripted, _patient_expect) -> Iterator:
    """A Chromium page routed to ``scripted``. Started after the database work of the fixtures above: while
    Playwright's sync API runs, Django refuses database calls from this thread (an event loop is running)."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            context = browser.new_context(viewport={"width": 1000, "height": 800})
            context.set_default_timeout(5000)
            scripted.install(context)
            yield context.new_page()
        finally:
            browser.close()
