from django.apps import AppConfig


class InboxConfig(AppConfig):
    """The webhook: verified events of the workers, each applied once, in order, and kept a while."""

    name = "backend.inbox"
    label = "inbox"
    verbose_name = "Webhook inbox"
