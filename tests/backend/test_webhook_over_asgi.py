"""The webhook through the ASGI application daphne serves (the raw body as the worker sent it)."""

import json
import time

import pytest
from channels.testing import HttpCommunicator

from backend.accounts.models import WhatsAppAccount
from backend.asgi import application
from backend.fleet.services.identities import WORKER_HEADER
from shared import identity
from shared.events import MAX_BODY_BYTES
from tests.backend.testkit import Sender, make_account, qr_data

pytestmark = pytest.mark.django_db(transaction=True)


async def post(body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    raw_headers = [(b"host", b"testserver"), (b"content-type", b"application/json")]
    raw_headers += [(k.encode(), v.encode()) for k, v in headers.items()]
    communicator = HttpCommunicator(application, "POST", "/api/v1/whatsapp/webhook", body=body, headers=raw_headers)
    response = await communicator.get_response(timeout=10)
    await communicator.wait(timeout=10)  # let Django close the request (and its database connection)
    return response["status"], json.loads(response["body"] or b"{}")


async def test_a_signed_event_is_applied_through_asgi(workspace, worker_key):
    from channels.db import database_sync_to_async as sync_to_async  # closes its connection

    account = await sync_to_async(make_account)(workspace, worker_id=worker_key.worker_id)
    event = Sender(None, worker_key).event("qr_code_generated", account, data=qr_data())
    body = event.to_json()
    headers = {**identity.sign(worker_key.private, event.id, int(time.time()), body), WORKER_HEADER: "worker-1"}
    status, answer = await post(body, headers)
    assert (status, answer["status"]) == (200, "applied")
    stored = await sync_to_async(WhatsAppAccount.objects.get)(pk=account.pk)
    assert stored.qr_code == qr_data()["qr"]


async def test_an_oversized_declared_body_is_refused_with_413(db):
    headers = {"content-length": str(MAX_BODY_BYTES + 1)}
    status, _ = await post(b"x" * (MAX_BODY_BYTES + 1), headers)
    assert status == 413
