"""wa_backend_accounts{status} is read from the database at each scrape: the live accounts by status (every status
listed, 0 when none; deleted accounts not counted), and wa_backend_workers_alive the live workers."""

import pytest
from django.utils import timezone

from backend.accounts.models import AccountStatus, WhatsAppAccount
from backend.fleet.models import WorkerNode
from tests.backend.metrics_kit import scrape
from tests.backend.testkit import make_account, make_connected

pytestmark = pytest.mark.django_db


def test_it_counts_the_live_accounts_by_status(workspace, other_workspace, worker_node):
    make_account(workspace)
    make_account(other_workspace)
    make_connected(workspace)
    make_account(workspace, status=AccountStatus.FAILED)
    make_account(workspace, deleted_at=timezone.now())
    WorkerNode.objects.create(id="worker-gone", base_url="http://127.0.0.1:9", is_alive=False)

    samples = scrape()
    gauge = {labels[0][1]: value for (name, labels), value in samples.items() if name == "wa_backend_accounts"}
    expected = {status: 0 for status in AccountStatus.values}
    for status in WhatsAppAccount.live.values_list("status", flat=True):
        expected[status] += 1
    assert gauge == expected
    assert (gauge["qr_scanning"], gauge["connected"], gauge["failed"]) == (2, 1, 1)
    assert samples[("wa_backend_workers_alive", ())] == 1
