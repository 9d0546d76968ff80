from django.apps import AppConfig


class LiveConfig(AppConfig):
    """Live updates: the workspace WebSocket, its authentication and origin check, and the broadcasts."""

    name = "backend.live"
    label = "live"
    verbose_name = "Live updates"

    def ready(self) -> None:
        from backend.live import signals  # noqa: F401  (connects the receivers)
