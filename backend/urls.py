"""URLs: health, the admin, the API under /api/v1/ (accounts app), its schema and docs, the settings pages."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from backend import health
from backend.accounts.api.auth_token import AuthTokenView
from backend.headers import api_docs_policy

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/v1/docs/",
        api_docs_policy(SpectacularSwaggerSplitView.as_view(url_name="schema")),  # its script in a file: CSP
        name="docs",
    ),
    path("api/v1/auth/token", AuthTokenView.as_view(), name="auth-token"),
    path("api/v1/auth/", include("rest_framework.urls")),
    path("api/v1/", include("backend.accounts.api.urls")),
    path("", include("backend.web.urls")),
]
