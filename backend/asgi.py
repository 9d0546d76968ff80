"""ASGI entry point (daphne): HTTP and the workspace WebSocket `/ws/workspaces/<id>/`."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django_asgi_app = get_asgi_application()  # before importing anything that touches models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from backend.live.routing import websocket_urlpatterns  # noqa: E402
from backend.live.ws_auth import TokenAuthMiddleware  # noqa: E402
from backend.live.ws_origin import OriginCheck  # noqa: E402

# `make run` runs daphne alone (DEBUG): let it serve the admin's and the API docs' static files too.
http_app = ASGIStaticFilesHandler(django_asgi_app) if settings.DEBUG else django_asgi_app

application = ProtocolTypeRouter(
    {
        "http": http_app,
        # the origin first (ws_origin.py): a foreign page is refused, a client without Origin loses its cookies
        "websocket": OriginCheck(AuthMiddlewareStack(TokenAuthMiddleware(URLRouter(websocket_urlpatterns)))),
    }
)
