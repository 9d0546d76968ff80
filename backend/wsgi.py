"""WSGI entry point: production HTTP (gunicorn backend.wsgi), see docs/design.md ("Decisions and their reasons")."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

application = get_wsgi_application()
