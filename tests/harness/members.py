"""The people of every permission test, in the test database (pytest fixtures, a plugin of tests/conftest.py):
``owner`` and ``member`` of ``workspace``, and ``outsider``, owner of ``other_workspace`` and of nothing in
``workspace``. They sign in with ``MEMBER_PASSWORD``, hashed by a fast hasher (hashing is not under test).
Django's models are imported where a fixture runs, so that suites run without Django (-p no:django) load this."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings

MEMBER_PASSWORD = "correct horse battery"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fast_password_hashing() -> Iterator[None]:
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture
def workspace(db):
    from backend.accounts.models import Workspace

    return Workspace.objects.create(name="Acme")


@pytest.fixture
def other_workspace(db):
    from backend.accounts.models import Workspace

    return Workspace.objects.create(name="Globex")


def make_member(username: str, workspace, role: str = "member"):
    """A user who signs in with ``MEMBER_PASSWORD``, with ``role`` in ``workspace`` (if any)."""
    from django.contrib.auth import get_user_model

    from backend.accounts.models import Membership

    user = get_user_model().objects.create_user(username=username, password=MEMBER_PASSWORD)
    if workspace is not None:
        Membership.objects.create(user=user, workspace=workspace, role=role)
    return user


@pytest.fixture
def owner(workspace, fast_password_hashing):
    return make_member("olivia", workspace, "owner")


@pytest.fixture
def member(workspace, fast_password_hashing):
    return make_member("max", workspace, "member")


@pytest.fixture
def outsider(other_workspace, fast_password_hashing):
    return make_member("oscar", other_workspace, "owner")
