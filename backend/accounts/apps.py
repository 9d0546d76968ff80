from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Workspaces, members and WhatsApp accounts: the account state machine, the primary, limits, pairing."""

    name = "backend.accounts"
    label = "accounts"
    verbose_name = "WhatsApp accounts"
