"""The REST API of the proxies: ``/api/v1/workspaces/<id>/proxy`` (the workspace's) and
``/api/v1/accounts/<id>/proxy`` (an account's own, which overrides it). Every member may read them; only owners
and admins may set or remove them (403 otherwise). The password is write-only: an answer says only whether one is
stored (``has_password``)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts import selectors as account_selectors
from backend.accounts.models import Membership
from backend.egress import selectors, services
from backend.egress.models import Proxy
from shared.proxy import InvalidProxy


class ProxyInputSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=300, allow_blank=True, help_text="scheme://host:port, scheme http, https or socks5."
    )
    username = serializers.CharField(
        max_length=300, allow_blank=True, required=False, default="", trim_whitespace=False
    )
    password = serializers.CharField(
        max_length=300,
        allow_blank=True,
        required=False,
        write_only=True,
        trim_whitespace=False,
        help_text='Write-only. Left out: the stored one is kept while the username stays the same; "": none. '
        "SOCKS5 proxies take no credentials (Chromium cannot send them).",
    )


class ProxySerializer(serializers.ModelSerializer):
    url = serializers.CharField(source="server", read_only=True, help_text="scheme://host:port")
    has_password = serializers.BooleanField(read_only=True, help_text="A password is stored (it is never shown).")

    class Meta:
        model = Proxy
        fields = ["url", "username", "has_password", "updated_at"]
        read_only_fields = fields


class ProxyErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text='"invalid_proxy"')
    detail = serializers.CharField(help_text="What is wrong with the proxy, for a person.")


def _membership(request: Request, workspace_id: int, *, manage: bool) -> Membership:
    membership = account_selectors.membership_for(user=request.user, workspace_id=workspace_id)
    if membership is None:
        raise NotFound("no such workspace")
    if manage and not membership.can_manage:
        raise PermissionDenied("only a workspace owner or admin may do this")
    return membership


def _account_id(request: Request, account_id: int, *, manage: bool) -> int:
    account = get_object_or_404(account_selectors.accounts_for_user(user=request.user), pk=account_id)
    _membership(request, account.workspace_id, manage=manage)
    return account.pk


def _put(request: Request, setter, **owner) -> Response:
    given = ProxyInputSerializer(data=request.data)
    if not given.is_valid():
        field, errors = next(iter(given.errors.items()))
        return Response({"error": "invalid_proxy", "detail": f"{field}: {errors[0]}"}, status=400)
    data = given.validated_data
    try:
        proxy = setter(**owner, url=data["url"], username=data["username"], password=data.get("password"))
    except InvalidProxy as exc:
        return Response({"error": "invalid_proxy", "detail": str(exc)}, status=400)
    return Response(ProxySerializer(proxy).data)


READ = {200: ProxySerializer, 404: OpenApiResponse(description="no proxy set, or not yours to see")}
WRITE = {
    200: ProxySerializer,
    400: OpenApiResponse(ProxyErrorSerializer, description="not a usable proxy: the detail says why"),
    403: OpenApiResponse(description="only a workspace owner or admin may set a proxy"),
}
DELETE = {204: None, 403: OpenApiResponse(description="only a workspace owner or admin may remove a proxy")}


class WorkspaceProxyView(APIView):
    @extend_schema(responses=READ, summary="The workspace's proxy: its sessions reach WhatsApp Web through it")
    def get(self, request: Request, workspace_id: int) -> Response:
        _membership(request, workspace_id, manage=False)
        proxy = selectors.workspace_proxy(workspace_id=workspace_id)
        if proxy is None:
            raise NotFound("the workspace has no proxy")
        return Response(ProxySerializer(proxy).data)

    @extend_schema(request=ProxyInputSerializer, responses=WRITE, summary="Set the workspace's proxy")
    def put(self, request: Request, workspace_id: int) -> Response:
        _membership(request, workspace_id, manage=True)
        return _put(request, services.workspace_proxy_set, workspace_id=workspace_id)

    @extend_schema(responses=DELETE, summary="Remove the workspace's proxy: its sessions connect directly")
    def delete(self, request: Request, workspace_id: int) -> Response:
        _membership(request, workspace_id, manage=True)
        services.workspace_proxy_clear(workspace_id=workspace_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountProxyView(APIView):
    @extend_schema(responses=READ, summary="The account's own proxy (it overrides the workspace's)")
    def get(self, request: Request, account_id: int) -> Response:
        account_id = _account_id(request, account_id, manage=False)
        proxy = selectors.account_own_proxy(account_id=account_id)
        if proxy is None:
            raise NotFound("the account has no proxy of its own")
        return Response(ProxySerializer(proxy).data)

    @extend_schema(request=ProxyInputSerializer, responses=WRITE, summary="Set the account's own proxy")
    def put(self, request: Request, account_id: int) -> Response:
        account_id = _account_id(request, account_id, manage=True)
        return _put(request, services.account_proxy_set, account_id=account_id)

    @extend_schema(responses=DELETE, summary="Remove the account's own proxy: it follows its workspace's again")
    def delete(self, request: Request, account_id: int) -> Response:
        account_id = _account_id(request, account_id, manage=True)
        services.account_proxy_clear(account_id=account_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
