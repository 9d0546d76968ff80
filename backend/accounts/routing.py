from django.urls import path

from backend.accounts.consumers import WorkspaceConsumer

websocket_urlpatterns = [
    path("ws/workspaces/<int:workspace_id>/", WorkspaceConsumer.as_asgi()),
]
