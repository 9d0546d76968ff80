"""manage.py whatsapp_web_pin BUILD pins a build (warning when no session booted clean on it), --unpin clears it,
--list shows the known builds and the pin; the heartbeat's answer carries the pin while there is one."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.backend.testkit import make_connected

pytestmark = pytest.mark.django_db


def _heartbeat(sender) -> dict:
    return sender.send("worker_heartbeat", data={"base_url": "http://127.0.0.1:9", "capacity": 10, "sessions": {}})


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("whatsapp_web_pin", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_pin_unpin_and_list(sender, workspace, worker_node):
    sender.send("session_booted", make_connected(workspace, worker=worker_node), data={"build": "2.3000.1019999999"})
    assert "whatsapp_web_pin" not in _heartbeat(sender)

    out, err = _run("2.3000.1019999999")
    assert "pinned 2.3000.1019999999" in out and err == ""
    assert _heartbeat(sender)["whatsapp_web_pin"] == "2.3000.1019999999"
    listed, _ = _run("--list")
    assert "pinned: 2.3000.1019999999" in listed and "2.3000.1019999999  1 boots" in listed

    out, _ = _run("--unpin")
    assert "unpinned (was 2.3000.1019999999)" in out
    assert "whatsapp_web_pin" not in _heartbeat(sender)
    assert "pinned: none" in _run("--list")[0]


def test_a_build_never_seen_warns_and_a_bad_one_is_refused(db):
    _, err = _run("2.3000.1")
    assert "no session booted clean on 2.3000.1" in err
    with pytest.raises(CommandError, match="not a WhatsApp Web build"):
        _run("../etc")
