"""WSGI entry point: production HTTP (gunicorn backend.wsgi), see DESIGN.md's measurements."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

application = get_wsgi_application()
