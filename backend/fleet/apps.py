from django.apps import AppConfig


class FleetConfig(AppConfig):
    """The session workers: registration, leases, placement, failover, drain, auth states, commands."""

    name = "backend.fleet"
    label = "fleet"
    verbose_name = "Session workers"
