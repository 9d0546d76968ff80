"""The settings page /settings/whatsapp-accounts and the JSON state its JavaScript polls.

The page renders the workspace's accounts on the server for the first paint; static/web/js/ keeps it live
over the workspace WebSocket (and by polling the state view while the socket is down). Another workspace's
page, or one that does not exist, is a 404: an outsider learns nothing about it.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from backend.egress.selectors import workspace_proxy
from backend.web import pages


@require_GET
@never_cache
@login_required(login_url="web:login")
def whatsapp_accounts(request: HttpRequest) -> HttpResponse:
    membership, workspaces = pages.workspace_for_page(user=request.user, workspace_id=request.GET.get("workspace"))
    if membership is None:
        if "workspace" in request.GET or workspaces:
            return render(request, "web/not_found.html", status=404)
        return render(request, "web/no_workspace.html", status=200)
    workspace = membership.workspace
    accounts = pages.page_accounts(workspace_id=workspace.pk)
    incidents = pages.page_incidents(workspace_id=workspace.pk)
    proxy = workspace_proxy(workspace_id=workspace.pk) if membership.can_manage else None
    proxy = proxy and {"url": proxy.server, "username": proxy.username, "has_password": proxy.has_password}
    config = {
        "workspace_id": workspace.pk,
        "can_manage": membership.can_manage,
        "csrf_token": get_token(request),
        "api_base": "/api/v1",
        "ws_path": f"/ws/workspaces/{workspace.pk}/",
        "state_url": reverse("web:whatsapp-accounts-state"),
        "accounts": accounts,
        "proxy": proxy,
        "incidents": incidents,
    }
    context = {
        "workspace": workspace,
        "workspaces": workspaces,
        "membership": membership,
        "accounts": accounts,
        "page_config": config,
        "proxy": proxy,
        "incidents": incidents,
    }
    return render(request, "web/whatsapp_accounts.html", context)


@require_GET
@never_cache
def whatsapp_accounts_state(request: HttpRequest) -> JsonResponse:
    """``GET ?workspace=<id>`` -> ``{"server_time", "accounts": [...]}`` (pages.page_accounts)."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "not_authenticated", "detail": "Sign in again."}, status=401)
    membership = pages.membership_of(user=request.user, workspace_id=request.GET.get("workspace", ""))
    if membership is None:
        return JsonResponse({"error": "not_found", "detail": "No such workspace among yours."}, status=404)
    return JsonResponse(
        {
            "server_time": timezone.now().isoformat(),
            "accounts": pages.page_accounts(workspace_id=membership.workspace_id),
        }
    )
