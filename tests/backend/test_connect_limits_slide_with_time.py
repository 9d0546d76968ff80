"""The connect limits count the attempts of the last hour and the last 24 hours (sliding windows), Connects and
Reconnects alike, and say when the next attempt is possible: when enough of them have left the window."""

import datetime as dt

import pytest
from django.utils import timezone

from backend.accounts.models import AccountStatusChange
from backend.accounts.services.limits import LimitReached, workspace_check_connect
from tests.backend.testkit import make_account

pytestmark = pytest.mark.django_db


def attempts(workspace, *minutes_ago: int, reason: str = "CREATED") -> dt.datetime:
    now = timezone.now()
    account = make_account(workspace)
    for minutes in minutes_ago:
        at = now - dt.timedelta(minutes=minutes)
        AccountStatusChange.objects.create(account=account, status="qr_scanning", reason=reason, at=at)
    return now


def test_the_hourly_limit_frees_when_the_oldest_attempt_of_the_hour_is_an_hour_old(workspace, settings):
    settings.WORKSPACE_CONNECTS_PER_HOUR, settings.WORKSPACE_CONNECTS_PER_DAY = 2, 20
    now = attempts(workspace, 50, 10)
    attempts(workspace, 5, reason="STATUS_CHANGED_BY_SOMETHING_ELSE")  # not an attempt
    with pytest.raises(LimitReached) as refused:
        workspace_check_connect(workspace=workspace, new_account=False, now=now)
    assert refused.value.limit == "connects_per_hour"
    assert refused.value.frees_at == now + dt.timedelta(minutes=10)
    assert refused.value.retry_after == 600
    assert "limit of 2 connection attempts per hour" in str(refused.value)
    assert "possible in 10 minutes" in str(refused.value)
    workspace_check_connect(workspace=workspace, new_account=False, now=now + dt.timedelta(minutes=10, seconds=1))


def test_reconnects_count_and_the_limit_that_frees_last_is_the_one_named(workspace, settings):
    settings.WORKSPACE_CONNECTS_PER_HOUR, settings.WORKSPACE_CONNECTS_PER_DAY = 1, 3
    now = attempts(workspace, 600, 300)
    attempts(workspace, 30, reason="RECONNECT")
    with pytest.raises(LimitReached) as refused:
        workspace_check_connect(workspace=workspace, new_account=False, now=now)
    assert refused.value.limit == "connects_per_day"  # frees in 14 h; the hourly one in 30 min
    assert refused.value.retry_after == 14 * 3600
    assert "possible in 14 h" in str(refused.value)


def test_the_account_limit_counts_live_accounts_only(workspace, settings):
    settings.WORKSPACE_MAX_ACCOUNTS = 2
    make_account(workspace)
    make_account(workspace, deleted_at=timezone.now())
    workspace_check_connect(workspace=workspace, new_account=True)
    make_account(workspace)
    with pytest.raises(LimitReached) as refused:
        workspace_check_connect(workspace=workspace, new_account=True)
    assert (refused.value.limit, refused.value.retry_after) == ("accounts", None)
    workspace_check_connect(workspace=workspace, new_account=False)  # a Reconnect adds no account
