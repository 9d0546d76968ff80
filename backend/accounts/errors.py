"""The errors of the services: a request the current state does not allow. ``code`` is the API answer's
``error``; the views turn each into its HTTP status (backend/accounts/api/views.py)."""


class ServiceError(Exception):
    code = "conflict"


class NoWorkerAvailable(ServiceError):
    code = "no_worker"


class AccountStateConflict(ServiceError):
    code = "conflict"


class WorkerUnavailable(ServiceError):
    code = "worker_unavailable"


class WhatsAppWebChanged(ServiceError):
    """An incident is open (backend/incidents/): WhatsApp Web changed, a new session could not work. The API answers
    409 with the incident's id; nothing is started, nothing charged."""

    code = "whatsapp_web_changed"

    def __init__(self, message: str, *, incident_id: int) -> None:
        super().__init__(message)
        self.incident_id = incident_id
