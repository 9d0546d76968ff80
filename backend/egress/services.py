"""Writes of the proxies: set or clear a workspace's and an account's own (checked by ``shared.proxy.proxy_parse``,
which raises InvalidProxy with a message for a person), remember which proxy a session was started with, and
re-seal the passwords with the first key of SESSION_STATE_KEYS. A password is never logged.

Setting is a PUT: ``password=None`` (not given) keeps the stored one while the username stays the same, ``""``
clears it."""

from __future__ import annotations

import logging

from django.db import transaction

from backend.accounts.models import WhatsAppAccount, Workspace
from backend.egress.models import Proxy
from backend.egress.sealing import InvalidToken, cipher, open_password, seal_password
from shared.proxy import proxy_parse

log = logging.getLogger(__name__)


def _set(*, existing: Proxy | None, owner: dict, url: str, username: str, password: str | None) -> Proxy:
    if password is None:
        keep = existing is not None and existing.has_password and existing.username == username
        try:
            password = open_password(existing.password_ciphertext) if keep else ""
        except InvalidToken:
            password = ""  # sealed with a key no longer in SESSION_STATE_KEYS: as if none was kept
    parsed = proxy_parse(url, username=username, password=password)  # InvalidProxy: said as it is
    proxy = existing or Proxy(**owner)
    proxy.scheme, proxy.host, proxy.port = parsed.scheme, parsed.host, parsed.port
    proxy.username = parsed.username
    proxy.password_ciphertext = seal_password(parsed.password)
    proxy.save()
    whose = ", ".join(f"{k.removesuffix('_id')} {v}" for k, v in owner.items())
    log.info("proxy of %s set to %s (%s)", whose, parsed.server, "with credentials" if username else "no credentials")
    return proxy


@transaction.atomic
def workspace_proxy_set(*, workspace_id: int, url: str, username: str = "", password: str | None = None) -> Proxy:
    """The proxy of the workspace's sessions (those without their own); a session uses it from its next start."""
    Workspace.objects.select_for_update().get(pk=workspace_id)
    existing = Proxy.objects.filter(workspace_id=workspace_id).first()
    return _set(existing=existing, owner={"workspace_id": workspace_id}, url=url, username=username, password=password)


@transaction.atomic
def workspace_proxy_clear(*, workspace_id: int) -> bool:
    """The workspace's sessions connect directly (but for accounts with their own); False if none was set."""
    deleted = Proxy.objects.filter(workspace_id=workspace_id).delete()[0]
    if deleted:
        log.info("proxy of workspace %s removed", workspace_id)
    return bool(deleted)


@transaction.atomic
def account_proxy_set(*, account_id: int, url: str, username: str = "", password: str | None = None) -> Proxy:
    """The account's own proxy, used instead of its workspace's."""
    WhatsAppAccount.live.select_for_update().get(pk=account_id)
    existing = Proxy.objects.filter(account_id=account_id).first()
    return _set(existing=existing, owner={"account_id": account_id}, url=url, username=username, password=password)


@transaction.atomic
def account_proxy_clear(*, account_id: int) -> bool:
    """The account follows its workspace's proxy again; False if it had none of its own."""
    deleted = Proxy.objects.filter(account_id=account_id).delete()[0]
    if deleted:
        log.info("proxy of account %s removed", account_id)
    return bool(deleted)


def account_proxy_remember(*, account_id: int, session_id: str, address: str) -> bool:
    """The session was started (or its lease answered) with the proxy ``address`` (host:port, "" direct): kept on
    the account for its timeline's next rows. One conditional UPDATE, nothing when it is already known."""
    changed = (
        WhatsAppAccount.objects.filter(pk=account_id, session_id=session_id)
        .exclude(proxy_address=address)
        .update(proxy_address=address)
    )
    if changed:
        log.info("session %s: proxy %s", session_id, address or "none (direct)")
    return bool(changed)


def proxies_rotate() -> tuple[int, int]:
    """Seal every stored password with the first key of SESSION_STATE_KEYS: (rewritten, of how many). One no key
    opens is left as it is (logged)."""
    rotated = total = 0
    for pk in Proxy.objects.exclude(password_ciphertext=b"").order_by("pk").values_list("pk", flat=True):
        total += 1
        with transaction.atomic():
            proxy = Proxy.objects.select_for_update().filter(pk=pk).first()
            if proxy is None or not proxy.has_password:
                continue
            try:
                proxy.password_ciphertext = cipher().rotate(bytes(proxy.password_ciphertext))
            except InvalidToken:
                log.error("proxy %s: no key of SESSION_STATE_KEYS opens its password, left as it is", pk)
                continue
            proxy.save(update_fields=["password_ciphertext", "updated_at"])
            rotated += 1
    return rotated, total
