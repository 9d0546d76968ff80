"""The client's address (backend/proxies.py, used by every limit): the peer, unless the peer is a trusted proxy;
then the proxy's X-Forwarded-For read from the right past trusted hops (X-Real-IP without it). A header from
anyone else, or one that is not a list of addresses, is never believed."""

import ipaddress

import pytest

from backend.proxies import client_address_of


@pytest.fixture(autouse=True)
def _proxies(settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8")]


def test_with_no_trusted_proxy_no_header_is_believed(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address_of(peer="127.0.0.1", forwarded_for="203.0.113.9", real_ip="203.0.113.9") == "127.0.0.1"


def test_an_untrusted_peer_is_the_client_whatever_it_sends():
    assert client_address_of(peer="198.51.100.1", forwarded_for="127.0.0.1", real_ip="10.0.0.1") == "198.51.100.1"


def test_a_trusted_proxy_gives_the_client_it_saw():
    assert client_address_of(peer="127.0.0.1", forwarded_for="203.0.113.9") == "203.0.113.9"
    assert client_address_of(peer="127.0.0.1", real_ip="203.0.113.9") == "203.0.113.9"
    assert client_address_of(peer="127.0.0.1", forwarded_for="2001:db8::1") == "2001:db8::1"


def test_a_client_cannot_hide_behind_an_address_it_adds_itself():
    # the client sent "X-Forwarded-For: 192.0.2.1"; a proxy that appends added the real client 203.0.113.9
    assert client_address_of(peer="127.0.0.1", forwarded_for="192.0.2.1, 203.0.113.9") == "203.0.113.9"
    # two trusted proxies in a row: the first address neither of them is
    assert client_address_of(peer="127.0.0.1", forwarded_for="203.0.113.9, 10.0.0.7") == "203.0.113.9"


def test_a_header_that_is_not_a_list_of_addresses_leaves_the_peer():
    assert client_address_of(peer="127.0.0.1", forwarded_for="203.0.113.9, unknown") == "127.0.0.1"
    assert client_address_of(peer="127.0.0.1", real_ip="nginx") == "127.0.0.1"


def test_a_peer_that_is_not_an_address_has_none():
    assert client_address_of(peer="") == "0.0.0.0"
    assert client_address_of(peer="/run/gunicorn.sock") == "0.0.0.0"
