from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    """WhatsApp Web's builds the sessions booted on, the reports of a page that changed, the incidents they open,
    and the build an operator pinned."""

    name = "backend.incidents"
    label = "incidents"
    verbose_name = "WhatsApp Web incidents"
