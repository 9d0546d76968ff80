"""URLs: health, the metrics (private), the admin, the API under /api/v1/, its schema and docs, the settings pages.

Under /api/v1/: the workers' endpoints (the webhook: inbox; the auth states: fleet), then the REST API of the
accounts for people and programs."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from backend import health
from backend.accounts.api.auth_token import AuthTokenView
from backend.fleet.api.auth_state import session_auth_state
from backend.headers import api_docs_policy
from backend.inbox.views import whatsapp_webhook
from backend.metrics.views import metrics

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),  # the private listener's only (backend/metrics/views.py)
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/v1/docs/",
        api_docs_policy(SpectacularSwaggerSplitView.as_view(url_name="schema")),  # its script in a file: CSP
        name="docs",
    ),
    path("api/v1/auth/token", AuthTokenView.as_view(), name="auth-token"),
    path("api/v1/auth/", include("rest_framework.urls")),
    path("api/v1/whatsapp/webhook", whatsapp_webhook, name="whatsapp-webhook"),
    path("api/v1/whatsapp/sessions/<str:session_id>/auth-state", session_auth_state, name="session-auth-state"),
    path("api/v1/", include("backend.accounts.api.urls")),
    path("api/v1/", include("backend.egress.urls")),
    path("", include("backend.web.urls")),
]
