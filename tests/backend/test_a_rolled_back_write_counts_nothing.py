"""A change is counted once its transaction commits: a lease granted in a transaction that rolls back counts
nothing, nor does a Connect whose caller's transaction rolls back (no attempt, no lease); committed, each counts
once."""

import pytest
from django.db import transaction

from backend.accounts.services.connects import account_create
from tests.backend.metrics_kit import count
from tests.backend.testkit import make_account

pytestmark = pytest.mark.django_db(transaction=True)


class Undo(Exception):
    pass


def test_a_lease_granted_then_rolled_back_is_not_counted(workspace, worker_node):
    granted = count("wa_backend_leases_granted_total")
    account = make_account(workspace)
    with pytest.raises(Undo), transaction.atomic():
        account.lease_grant(worker_node)
        account.save()
        raise Undo
    assert count("wa_backend_leases_granted_total") == granted
    with transaction.atomic():
        account.lease_grant(worker_node)
        account.save()
    assert count("wa_backend_leases_granted_total") == granted + 1


def test_a_connect_rolled_back_by_its_caller_counts_no_attempt_and_no_lease(workspace, worker_node, stand_in_worker):
    attempts, granted = (
        count("wa_backend_connect_attempts_total", kind="create"),
        count("wa_backend_leases_granted_total"),
    )
    with pytest.raises(Undo), transaction.atomic():
        account_create(workspace_id=workspace.pk)
        raise Undo
    assert count("wa_backend_connect_attempts_total", kind="create") == attempts
    assert count("wa_backend_leases_granted_total") == granted
    account_create(workspace_id=workspace.pk)
    assert count("wa_backend_connect_attempts_total", kind="create") == attempts + 1
    assert count("wa_backend_leases_granted_total") == granted + 1
