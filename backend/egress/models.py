"""The proxies sessions reach WhatsApp Web through (not backend/proxies.py, the reverse proxies in front of the
backend): one per workspace, and an account's own that overrides it. The password is kept encrypted with
SESSION_STATE_KEYS, like the sessions' auth states (services.py seals and opens it)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from shared.proxy import SessionProxy


class Proxy(models.Model):
    """A workspace's proxy (``workspace`` set) or one account's own (``account`` set): exactly one of the two."""

    workspace = models.OneToOneField(
        "accounts.Workspace", null=True, blank=True, on_delete=models.CASCADE, related_name="proxy"
    )
    account = models.OneToOneField(
        "accounts.WhatsAppAccount", null=True, blank=True, on_delete=models.CASCADE, related_name="proxy"
    )
    scheme = models.CharField(max_length=8, choices=[(s, s) for s in ("http", "https", "socks5")])
    host = models.CharField(max_length=253)
    port = models.PositiveIntegerField()
    username = models.CharField(max_length=255, blank=True, default="")
    # The password, sealed (MultiFernet of SESSION_STATE_KEYS); empty: none.
    password_ciphertext = models.BinaryField(blank=True, default=b"", editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "proxy"
        verbose_name_plural = "proxies"
        constraints = [
            models.CheckConstraint(
                condition=Q(workspace__isnull=False, account__isnull=True)
                | Q(workspace__isnull=True, account__isnull=False),
                name="proxy_of_a_workspace_or_an_account",
            )
        ]

    def __str__(self) -> str:
        whose = f"workspace #{self.workspace_id}" if self.workspace_id else f"account #{self.account_id}"
        return f"{self.server} ({whose})"

    @property
    def server(self) -> str:
        """``scheme://host:port``, as the start command carries it (never the credentials)."""
        return SessionProxy(self.scheme, self.host, self.port).server

    @property
    def has_password(self) -> bool:
        return bool(self.password_ciphertext)
