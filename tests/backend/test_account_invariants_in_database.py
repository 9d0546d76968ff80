"""The partial unique indexes hold the invariants of docs/design.md in PostgreSQL itself."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tests.backend.testkit import make_account

pytestmark = pytest.mark.django_db


def test_the_database_is_postgresql():
    assert connection.vendor == "postgresql"


def test_two_live_accounts_cannot_share_a_phone_number_in_a_workspace(workspace):
    make_account(workspace, phone_number="4915100000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_account(workspace, phone_number="4915100000001")


def test_a_deleted_account_frees_its_phone_number(workspace):
    make_account(workspace, phone_number="4915100000001", deleted_at=timezone.now())
    make_account(workspace, phone_number="4915100000001")


def test_two_workspaces_may_link_the_same_phone(workspace, other_workspace):
    make_account(workspace, phone_number="4915100000001")
    make_account(other_workspace, phone_number="4915100000001")


def test_accounts_without_a_number_yet_do_not_collide(workspace):
    make_account(workspace)
    make_account(workspace)


def test_a_workspace_has_at_most_one_live_primary(workspace, other_workspace):
    make_account(workspace, is_primary=True)
    make_account(other_workspace, is_primary=True)
    make_account(workspace, is_primary=True, deleted_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        make_account(workspace, is_primary=True)


def test_the_indexes_are_partial_unique_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'accounts_whatsappaccount'")
        indexes = dict(cursor.fetchall())
    assert "UNIQUE" in indexes["account_one_live_per_phone"]
    assert "WHERE" in indexes["account_one_live_per_phone"]
    assert "deleted_at IS NULL" in indexes["account_one_primary_per_workspace"]
