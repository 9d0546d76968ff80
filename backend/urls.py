"""URLs: health, the admin, the API under /api/v1/ (accounts app), its schema and docs, the settings pages."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from backend import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/v1/auth/token", obtain_auth_token, name="auth-token"),
    path("api/v1/auth/", include("rest_framework.urls")),
    path("api/v1/", include("backend.accounts.api.urls")),
    path("", include("backend.web.urls")),
]
