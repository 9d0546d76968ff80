from django.urls import path, re_path

from backend.live.consumers import NoSuchRouteConsumer, WorkspaceConsumer

websocket_urlpatterns = [
    path("ws/workspaces/<int:workspace_id>/", WorkspaceConsumer.as_asgi()),
    re_path(r"", NoSuchRouteConsumer.as_asgi()),  # last: every other path is refused, not a 500
]
