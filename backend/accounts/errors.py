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
