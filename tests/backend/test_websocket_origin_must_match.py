"""The workspace WebSocket admits a browser page only from the site's own origin (scheme, host and port, the scheme
as a trusted proxy reports it) or one of CSRF_TRUSTED_ORIGINS: a page on another port or scheme of the same host
is refused even with the operator's cookie. A client without Origin (not a browser page) loses its cookies and
must bring an API token."""

import ipaddress

import pytest
from channels.db import database_sync_to_async as sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework.authtoken.models import Token

from backend.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def cookie_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def outcome(workspace, headers: list[tuple[bytes, bytes]], client=("127.0.0.1", 50000)) -> str:
    """ "joined", "refused" (the handshake) or "closed <code>" (after it, by the consumer)."""
    communicator = WebsocketCommunicator(application, f"/ws/workspaces/{workspace.pk}/", headers=headers)
    communicator.scope["client"] = client
    connected, _ = await communicator.connect(timeout=5)
    if not connected:
        return "refused"
    message = await communicator.receive_output(timeout=5)
    await communicator.disconnect()
    return "joined" if message["type"] == "websocket.send" else f"closed {message['code']}"


@pytest.fixture
def cookie(owner):
    return cookie_of(owner)


def browser(origin: str, host: str, cookie: str, **more: bytes) -> list[tuple[bytes, bytes]]:
    extra = [(name.replace("_", "-").encode(), value) for name, value in more.items()]
    return [(b"origin", origin.encode()), (b"host", host.encode()), (b"cookie", f"sessionid={cookie}".encode()), *extra]


async def test_the_sites_own_origin_is_admitted(workspace, cookie):
    assert await outcome(workspace, browser("http://127.0.0.1:8000", "127.0.0.1:8000", cookie)) == "joined"
    assert await outcome(workspace, browser("http://localhost", "localhost", cookie)) == "joined"


@pytest.mark.parametrize(
    "page",
    ["http://127.0.0.1:9999", "http://127.0.0.1:8002", "https://127.0.0.1:8000", "http://127.0.0.1", "null", "file://"],
)
async def test_another_port_or_scheme_of_the_same_host_is_refused(workspace, cookie, page):
    assert await outcome(workspace, browser(page, "127.0.0.1:8000", cookie)) == "refused"


async def test_a_host_outside_allowed_hosts_is_no_origin_of_ours(workspace, cookie):
    assert await outcome(workspace, browser("http://evil.example:8000", "evil.example:8000", cookie)) == "refused"


async def test_a_csrf_trusted_origin_is_admitted(workspace, cookie, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.example.com:8443"]
    assert await outcome(workspace, browser("https://app.example.com:8443", "127.0.0.1:8000", cookie)) == "joined"
    assert await outcome(workspace, browser("https://app.example.com", "127.0.0.1:8000", cookie)) == "refused"


async def test_https_behind_a_trusted_proxy_is_the_sites_scheme(workspace, cookie, settings):
    settings.ALLOWED_HOSTS = ["connect.example.com"]
    page = browser("https://connect.example.com", "connect.example.com", cookie, x_forwarded_proto=b"https")
    settings.TRUSTED_PROXIES = []
    assert await outcome(workspace, page) == "refused"  # the header is not believed from anyone
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    assert await outcome(workspace, page) == "joined"
    plain = browser("http://connect.example.com", "connect.example.com", cookie, x_forwarded_proto=b"https")
    assert await outcome(workspace, plain) == "refused"  # a plain-HTTP page of the same host


async def test_without_origin_a_cookie_is_not_enough_but_a_token_is(workspace, owner, cookie):
    assert await outcome(workspace, [(b"host", b"127.0.0.1:8000"), (b"cookie", f"sessionid={cookie}".encode())]) == (
        "closed 4401"
    )
    key = (await sync_to_async(Token.objects.create)(user=owner)).key
    assert await outcome(workspace, [(b"authorization", f"Token {key}".encode())]) == "joined"
