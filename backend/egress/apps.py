from django.apps import AppConfig


class EgressConfig(AppConfig):
    """The proxies sessions reach WhatsApp Web through: one per workspace, or one account's own."""

    name = "backend.egress"
    label = "egress"
    verbose_name = "Proxies"
