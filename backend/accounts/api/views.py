"""The REST API under /api/v1/, scoped to the requesting user's workspaces.

Another workspace's account, or one that does not exist, is a 404. Roles: every member may view, connect,
reconnect and cancel a connect; owners and admins may also set the primary account, log an account out and delete it
(a member gets 403).
"""

from __future__ import annotations

import inspect

from asgiref.sync import sync_to_async
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts import selectors
from backend.accounts.api.serializers import (
    AccountDetailSerializer,
    AccountSerializer,
    ErrorSerializer,
    LimitReachedSerializer,
    PairingCodeRequestSerializer,
    PairingCodeSerializer,
    WhatsAppWebChangedSerializer,
    WorkspaceSerializer,
)
from backend.accounts.errors import NoWorkerAvailable, ServiceError, WhatsAppWebChanged, WorkerUnavailable
from backend.accounts.models import Membership, WhatsAppAccount
from backend.accounts.services.connects import account_cancel, account_create, account_reconnect
from backend.accounts.services.endings import account_delete, account_logout
from backend.accounts.services.limits import LimitReached
from backend.accounts.services.pairing import account_request_pairing_code
from backend.accounts.services.primary import account_set_primary


def _membership(request: Request, workspace_id: int) -> Membership:
    membership = selectors.membership_for(user=request.user, workspace_id=workspace_id)
    if membership is None:
        raise NotFound("no such workspace")
    return membership


def _account(request: Request, account_id: int, *, manage: bool = False) -> WhatsAppAccount:
    account = get_object_or_404(selectors.accounts_for_user(user=request.user), pk=account_id)
    if manage and not _membership(request, account.workspace_id).can_manage:
        raise PermissionDenied("only a workspace owner or admin may do this")
    return account


def _service_error(exc: ServiceError, request: Request) -> Response:
    if isinstance(exc, LimitReached):
        return _limit_reached(exc, staff=request.user.is_staff)
    if isinstance(exc, WhatsAppWebChanged):
        return Response({"error": exc.code, "detail": str(exc), "incident_id": exc.incident_id}, status=409)
    unavailable = isinstance(exc, NoWorkerAvailable | WorkerUnavailable)
    code = status.HTTP_503_SERVICE_UNAVAILABLE if unavailable else 409
    return Response({"error": exc.code, "detail": str(exc)}, status=code)


def _limit_reached(exc: LimitReached, *, staff: bool) -> Response:
    """429: which limit, when it frees (Retry-After, when time frees it), and a message saying both; to staff, also
    where the limit is changed."""
    detail = str(exc)
    if staff:
        detail += f" Staff can change it in the admin (Workspaces, Limits) or with the setting {exc.setting}."
    body = {
        "error": exc.code,
        "detail": detail,
        "limit": exc.limit,
        "setting": exc.setting,
        "retry_after": exc.retry_after,
        "frees_at": exc.frees_at.isoformat() if exc.frees_at else None,
    }
    response = Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS)
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response


WHATSAPP_WEB_CHANGED = OpenApiResponse(
    WhatsAppWebChangedSerializer,
    description="whatsapp_web_changed: an incident is open (WhatsApp Web changed); no session is started, nothing "
    "charged. Also conflict (the account's state does not allow it).",
)

LIMIT_REACHED = OpenApiResponse(
    LimitReachedSerializer,
    description="Over one of the workspace's limits: accounts (frees when one is deleted; no Retry-After), or "
    "connect attempts per hour or per day (Retry-After: seconds until the next attempt is possible)",
)


# An APIView whose handlers are coroutines (DRF's own dispatch is sync only), for a view that waits on another
# service. Authentication, CSRF, permissions and throttles run as in any APIView, in a thread (they query the
# database); the handler runs on the event loop, so its waiting holds no thread. Under daphne every sync view
# runs on one shared thread: a sync view that waits makes every other request wait too. (A comment, not a
# docstring: the API's schema would show a docstring as every subclass's description.)
class AsyncAPIView(APIView):
    async def dispatch(self, request, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            await sync_to_async(self.initial)(request, *args, **kwargs)
            method = request.method.lower()
            handler = getattr(self, method, None) if method in self.http_method_names else None
            response = (handler or self.http_method_not_allowed)(request, *args, **kwargs)
            if inspect.isawaitable(response):  # OPTIONS is DRF's own sync handler
                response = await response
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response


class WorkspaceListView(APIView):
    @extend_schema(responses=WorkspaceSerializer(many=True))
    def get(self, request: Request) -> Response:
        workspaces = selectors.workspaces_for_user(user=request.user).annotate(role=F("memberships__role"))
        return Response(WorkspaceSerializer(workspaces, many=True).data)


class WorkspaceAccountsView(APIView):
    @extend_schema(responses=AccountSerializer(many=True))
    def get(self, request: Request, workspace_id: int) -> Response:
        _membership(request, workspace_id)
        accounts = selectors.accounts_of_workspace(workspace_id=workspace_id)
        return Response(AccountSerializer(accounts, many=True).data)

    @extend_schema(
        request=None,
        responses={
            201: AccountSerializer,
            409: WHATSAPP_WEB_CHANGED,
            429: LIMIT_REACHED,
            503: OpenApiResponse(ErrorSerializer, description="no worker"),
        },
        summary="Connect WhatsApp: a new account that will show a QR",
    )
    def post(self, request: Request, workspace_id: int) -> Response:
        _membership(request, workspace_id)
        try:
            account = account_create(workspace_id=workspace_id)
        except ServiceError as exc:
            return _service_error(exc, request)
        return Response(AccountSerializer(account).data, status=status.HTTP_201_CREATED)


class AccountDetailView(APIView):
    @extend_schema(responses=AccountDetailSerializer, summary="An account with its status history")
    def get(self, request: Request, account_id: int) -> Response:
        account = _account(request, account_id)
        return Response(AccountDetailSerializer(account).data)

    @extend_schema(responses={204: None, 403: ErrorSerializer}, summary="Log the session out and delete")
    def delete(self, request: Request, account_id: int) -> Response:
        account = _account(request, account_id, manage=True)
        account_delete(account_id=account.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountQrView(APIView):
    @extend_schema(responses={(200, "image/svg+xml"): OpenApiTypes.STR, 404: ErrorSerializer})
    def get(self, request: Request, account_id: int) -> HttpResponse:
        account = _account(request, account_id)
        if not account.qr_is_current():
            raise NotFound("the account has no QR showing")
        response = HttpResponse(selectors.account_qr_svg(account=account), content_type="image/svg+xml")
        response["Cache-Control"] = "no-store"
        return response


class _AccountActionView(APIView):
    manage = False
    action_name = ""

    def act(self, account_id: int) -> WhatsAppAccount:
        raise NotImplementedError

    def post(self, request: Request, account_id: int) -> Response:
        account = _account(request, account_id, manage=self.manage)
        try:
            account = self.act(account.pk)
        except ServiceError as exc:
            return _service_error(exc, request)
        return Response(AccountSerializer(account).data)


@extend_schema(request=None, responses={200: AccountSerializer, 403: ErrorSerializer, 409: ErrorSerializer})
class AccountSetPrimaryView(_AccountActionView):
    manage = True

    def act(self, account_id: int) -> WhatsAppAccount:
        return account_set_primary(account_id=account_id)


@extend_schema(
    request=None,
    responses={200: AccountSerializer, 409: WHATSAPP_WEB_CHANGED, 429: LIMIT_REACHED, 503: ErrorSerializer},
    summary="A new session with a new QR for an account that is not linked (a connect attempt)",
)
class AccountReconnectView(_AccountActionView):
    def act(self, account_id: int) -> WhatsAppAccount:
        return account_reconnect(account_id=account_id)


@extend_schema(
    request=None,
    responses={200: AccountSerializer, 409: ErrorSerializer},
    summary="Cancel a connect before the scan: the session stops; an account never linked is deleted",
)
class AccountCancelView(_AccountActionView):
    def act(self, account_id: int) -> WhatsAppAccount:
        return account_cancel(account_id=account_id)


@extend_schema(request=None, responses={200: AccountSerializer, 403: ErrorSerializer, 409: ErrorSerializer})
class AccountLogoutView(_AccountActionView):
    manage = True

    def act(self, account_id: int) -> WhatsAppAccount:
        return account_logout(account_id=account_id)


class AccountPairingCodeView(AsyncAPIView):
    @extend_schema(
        request=PairingCodeRequestSerializer,
        responses={200: PairingCodeSerializer, 400: ErrorSerializer, 409: ErrorSerializer, 503: ErrorSerializer},
        summary="Link with phone number instead: an 8-character code to enter on the phone",
    )
    async def post(self, request: Request, account_id: int) -> Response:
        account = await sync_to_async(_account)(request, account_id)
        given = PairingCodeRequestSerializer(data=request.data)
        if not given.is_valid():
            field, errors = next(iter(given.errors.items()))
            return Response({"error": "invalid_phone_number", "detail": str(errors[0]), "field": field}, status=400)
        try:
            code = await account_request_pairing_code(
                account_id=account.pk, phone_number=given.validated_data["phone_number"]
            )
        except ServiceError as exc:
            return _service_error(exc, request)
        return Response({"code": code})
