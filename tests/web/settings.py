"""backend.settings with the settings pages installed, until backend/settings.py lists them itself (the e2e
stack runs daphne with DJANGO_SETTINGS_MODULE=tests.web.settings)."""

from backend.settings import *  # noqa: F403
from backend.settings import INSTALLED_APPS

if "backend.web" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "backend.web"]
    ROOT_URLCONF = "tests.web.urls"
