"""Reads of the proxies: a workspace's, an account's own, and the one an account's session uses (its own if it
has one, else its workspace's, else none: it connects directly)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from backend.egress.models import Proxy
from backend.egress.sealing import InvalidToken, open_password
from shared.proxy import SessionProxy

log = logging.getLogger(__name__)


def workspace_proxy(*, workspace_id: int) -> Proxy | None:
    return Proxy.objects.filter(workspace_id=workspace_id).first()


def account_own_proxy(*, account_id: int) -> Proxy | None:
    return Proxy.objects.filter(account_id=account_id).first()


def proxy_for_session(proxy: Proxy) -> SessionProxy:
    """The stored proxy with its password opened, as the worker's commands carry it. A password no key of
    SESSION_STATE_KEYS opens is left out (logged): the proxy then refuses the session, which never goes around it."""
    try:
        password = open_password(proxy.password_ciphertext)
    except InvalidToken:
        log.error("proxy %s: no key of SESSION_STATE_KEYS opens its password; sent without it", proxy.pk)
        password = ""
    return SessionProxy(proxy.scheme, proxy.host, proxy.port, proxy.username, password)


def _effective(*, pairs: Iterable[tuple[int, int]]) -> dict[int, Proxy]:
    pairs = list(pairs)
    if not pairs:
        return {}
    own = {p.account_id: p for p in Proxy.objects.filter(account_id__in={a for a, _ in pairs})}
    shared = {p.workspace_id: p for p in Proxy.objects.filter(workspace_id__in={w for _, w in pairs})}
    found = {account_id: own.get(account_id) or shared.get(workspace_id) for account_id, workspace_id in pairs}
    return {account_id: proxy for account_id, proxy in found.items() if proxy is not None}


def accounts_proxies(*, accounts: Iterable[tuple[int, int]]) -> dict[int, SessionProxy]:
    """The proxy of each session of ``accounts`` (pairs of account id, workspace id) that has one: two queries."""
    return {account_id: proxy_for_session(proxy) for account_id, proxy in _effective(pairs=accounts).items()}


def account_proxy(*, account_id: int, workspace_id: int) -> SessionProxy | None:
    """The proxy the account's session goes through (its own, else its workspace's), or None: directly."""
    return accounts_proxies(accounts=[(account_id, workspace_id)]).get(account_id)


def account_proxy_address(*, workspace_id: int, account_id: int | None = None) -> str:
    """host:port of the proxy a session of the account (or a new account of the workspace) would use; "" for none.
    Opens no password."""
    proxy = _effective(pairs=[(account_id or 0, workspace_id)]).get(account_id or 0)
    return SessionProxy(proxy.scheme, proxy.host, proxy.port).address if proxy else ""
