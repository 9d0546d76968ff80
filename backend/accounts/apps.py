from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "backend.accounts"
    label = "accounts"
    verbose_name = "WhatsApp accounts"

    def ready(self) -> None:
        from backend.accounts import signals  # noqa: F401  (connects the receivers)
