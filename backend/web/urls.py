"""The settings pages: `path("", include("backend.web.urls"))` in backend/urls.py."""

from pathlib import Path

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView
from django.views.static import serve

from backend.web import views

# The page's own CSS and JS modules, served by Django whatever DEBUG says: a handful of small files, so
# that daphne alone (make run, the live test stack) serves a working page. A proxy may serve them instead.
STATIC_DIR = Path(__file__).resolve().parent / "static" / "web"

app_name = "web"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="web:whatsapp-accounts"), name="home"),
    path("settings/whatsapp-accounts", views.whatsapp_accounts, name="whatsapp-accounts"),
    path("settings/whatsapp-accounts/state", views.whatsapp_accounts_state, name="whatsapp-accounts-state"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, next_page="web:whatsapp-accounts"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="web:login"), name="logout"),
    path("static/web/<path:path>", serve, {"document_root": STATIC_DIR}, name="static"),
    # Where browsers look for an icon on pages that name none (the admin, the API's JSON): the same SVG.
    path("favicon.ico", serve, {"document_root": STATIC_DIR, "path": "favicon.svg"}, name="favicon"),
]
