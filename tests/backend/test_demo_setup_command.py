"""`manage.py demo_setup` makes the demo login of `make run`, and running it twice changes nothing."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from backend.accounts.models import Membership, Workspace

pytestmark = pytest.mark.django_db


def test_it_creates_the_demo_owner_once():
    for _ in range(2):
        out = io.StringIO()
        call_command("demo_setup", stdout=out)
    assert "login: demo / demo  workspace: Demo" in out.getvalue()
    assert Workspace.objects.filter(name="Demo").count() == 1
    membership = Membership.objects.get()
    assert (membership.user.username, membership.role) == ("demo", "owner")
    assert authenticate(RequestFactory().post("/accounts/login/"), username="demo", password="demo") is not None
