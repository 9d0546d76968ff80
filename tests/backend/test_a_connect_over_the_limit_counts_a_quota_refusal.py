"""A Connect counts a connect attempt once it commits; one over the workspace's limit is refused (429
limit_reached) and counts a quota refusal by that limit, and no attempt (wa_backend_connect_attempts_total,
wa_backend_quota_refusals_total)."""

import pytest

from tests.backend.metrics_kit import count
from tests.backend.testkit import logged_in

pytestmark = pytest.mark.django_db


def test_the_second_connect_of_the_hour_counts_a_refusal_by_its_limit(
    owner, workspace, worker_node, django_capture_on_commit_callbacks
):
    workspace.connects_per_hour = 1
    workspace.save()
    attempts = count("wa_backend_connect_attempts_total", kind="create")
    hourly = count("wa_backend_quota_refusals_total", limit="connects_per_hour")
    client = logged_in(owner)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/workspaces/{workspace.pk}/accounts").status_code == 201
    assert count("wa_backend_connect_attempts_total", kind="create") == attempts + 1

    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(f"/api/v1/workspaces/{workspace.pk}/accounts")
    assert (refused.status_code, refused.json()["limit"]) == (429, "connects_per_hour")
    assert count("wa_backend_quota_refusals_total", limit="connects_per_hour") == hourly + 1
    assert count("wa_backend_connect_attempts_total", kind="create") == attempts + 1
