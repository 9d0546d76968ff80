"""The Django project: settings, URLs, ASGI/WSGI entry points, the Celery app and the apps inside it."""

from backend.celery import app as celery_app

__all__ = ["celery_app"]
