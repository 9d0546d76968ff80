from django.urls import path

from backend.accounts.api import views

urlpatterns = [
    path("workspaces", views.WorkspaceListView.as_view(), name="workspace-list"),
    path("workspaces/<int:workspace_id>/accounts", views.WorkspaceAccountsView.as_view(), name="workspace-accounts"),
    path("accounts/<int:account_id>", views.AccountDetailView.as_view(), name="account-detail"),
    path("accounts/<int:account_id>/qr.svg", views.AccountQrView.as_view(), name="account-qr"),
    path("accounts/<int:account_id>/primary", views.AccountSetPrimaryView.as_view(), name="account-set-primary"),
    path("accounts/<int:account_id>/reconnect", views.AccountReconnectView.as_view(), name="account-reconnect"),
    path("accounts/<int:account_id>/logout", views.AccountLogoutView.as_view(), name="account-logout"),
    path("accounts/<int:account_id>/cancel", views.AccountCancelView.as_view(), name="account-cancel"),
    path("accounts/<int:account_id>/pairing-code", views.AccountPairingCodeView.as_view(), name="account-pairing-code"),
]
