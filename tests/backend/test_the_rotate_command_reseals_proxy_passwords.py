"""`manage.py session_state_rotate` seals the proxies' passwords with the first key of SESSION_STATE_KEYS too, so
that the older keys can be dropped."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from backend.egress.models import Proxy
from backend.egress.selectors import proxy_for_session
from backend.egress.services import workspace_proxy_set

pytestmark = pytest.mark.django_db


def test_a_password_sealed_with_an_old_key_is_resealed_with_the_new_one(workspace, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SESSION_STATE_KEYS = [old]
    workspace_proxy_set(workspace_id=workspace.pk, url="http://p.example:3128", username="u", password="pw")
    sealed_before = bytes(Proxy.objects.get().password_ciphertext)

    settings.SESSION_STATE_KEYS = [new, old]
    out = io.StringIO()
    call_command("session_state_rotate", stdout=out)

    assert "1 of 1 proxy passwords encrypted" in out.getvalue()
    proxy = Proxy.objects.get()
    assert bytes(proxy.password_ciphertext) != sealed_before
    settings.SESSION_STATE_KEYS = [new]
    assert proxy_for_session(proxy).password == "pw"
