from django.urls import path

from backend.egress import api

urlpatterns = [
    path("workspaces/<int:workspace_id>/proxy", api.WorkspaceProxyView.as_view(), name="workspace-proxy"),
    path("accounts/<int:account_id>/proxy", api.AccountProxyView.as_view(), name="account-proxy"),
]
