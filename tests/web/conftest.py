"""Fixtures of the settings page's tests: the three people of every permission test (a workspace owner, a
plain member, an outsider), and the real page in Chromium against a scripted backend (scripted.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client, override_settings
from playwright.sync_api import expect, sync_playwright

from backend.accounts.models import Membership, Role, Workspace
from tests.web.browser import launch
from tests.web.scripted import ScriptedBackend

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # test users only: hashing is not under test


@pytest.fixture(autouse=True)
def _fast_password_hashing():
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture
def workspace(db) -> Workspace:
    return Workspace.objects.create(name="Acme")


@pytest.fixture
def other_workspace(db) -> Workspace:
    return Workspace.objects.create(name="Globex")


def _member(django_user_model, username: str, workspace: Workspace | None, role: str):
    user = django_user_model.objects.create_user(username=username, password="correct horse battery")
    if workspace is not None:
        Membership.objects.create(user=user, workspace=workspace, role=role)
    return user


@pytest.fixture
def owner(django_user_model, workspace):
    return _member(django_user_model, "olivia", workspace, Role.OWNER)


@pytest.fixture
def member(django_user_model, workspace):
    return _member(django_user_model, "max", workspace, Role.MEMBER)


@pytest.fixture
def outsider(django_user_model, other_workspace):
    return _member(django_user_model, "oscar", other_workspace, Role.OWNER)


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
