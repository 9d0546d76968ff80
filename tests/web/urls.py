"""backend.urls plus the settings pages, until backend/urls.py includes them itself."""

from django.urls import include, path

from backend.urls import urlpatterns as backend_urlpatterns

urlpatterns = [*backend_urlpatterns]
if not any(getattr(p, "namespace", None) == "web" for p in backend_urlpatterns):
    urlpatterns.append(path("", include("backend.web.urls")))
