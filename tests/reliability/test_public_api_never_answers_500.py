"""Schemathesis against the live backend's OpenAPI schema (/api/v1/schema/), authenticated as a workspace
owner and anonymously: examples, edge-case coverage and random fuzzing of every operation, and no
response is a 5xx. (A 503 `no_worker` is the one 5xx the API promises; no worker runs here, so that Connect
answers it or 201 without starting browsers.)"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from tests.harness.livestack import BIN, ROOT
from tests.reliability.conftest import ARTIFACTS, running
from tests.reliability.stack import BackendOnlyStack

pytestmark = pytest.mark.slow

DOCUMENTED_503 = re.compile(r'\[503\] Service Unavailable:\s+`\{"error":"(no_worker|worker_unavailable)"')


def undocumented_failures(report: str) -> list[str]:
    """The failures of a schemathesis JUnit report other than a documented 503 (each response it cites)."""
    bad = []
    for case in ET.parse(ARTIFACTS / report).getroot().iter("testcase"):  # noqa: S314 (our own report)
        for failure in case.iter("failure"):
            text = failure.text or ""
            cited = re.findall(r"^\[\d{3}\][^\n]*", text, flags=re.MULTILINE)
            if len(DOCUMENTED_503.findall(text)) != len(cited) or not cited:
                bad.append(f"{case.get('name')}: {text[:1500]}")
    return bad


class RoomyBackendStack(BackendOnlyStack):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.backend_env["DEFAULT_WORKER_CAPACITY"] = "1000000"


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    live = RoomyBackendStack(tmp_path_factory.mktemp("schemathesis-stack"))
    with running(live, "test_public_api_never_answers_500") as started:
        yield started


def schemathesis(backend, *extra: str, report: str, seconds: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(BIN / "st"),
            "run",
            f"{backend.backend_url}/api/v1/schema/",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "25",
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "2",
            "--max-time",
            str(seconds),
            "--seed",
            "8",
            "--no-color",
            "--generation-database",
            "none",
            "--report",
            "junit",
            "--report-junit-path",
            str(ARTIFACTS / report),
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_no_operation_answers_500_to_an_owner(backend):
    owner = backend.make_people({"kim": "Kim's shop"})["kim"]
    result = schemathesis(
        backend, "-H", f"Authorization: Token {owner.token}", report="schemathesis-owner.xml", seconds=45
    )
    assert result.returncode in (0, 1), result.stdout[-6000:] + result.stderr[-2000:]
    assert undocumented_failures("schemathesis-owner.xml") == []
    assert [line for line in backend.error_lines("backend") if "Service Unavailable" not in line] == []


def test_no_operation_answers_500_to_a_stranger(backend):
    result = schemathesis(backend, report="schemathesis-anonymous.xml", seconds=15)
    assert result.returncode in (0, 1), result.stdout[-6000:] + result.stderr[-2000:]
    assert undocumented_failures("schemathesis-anonymous.xml") == []
    assert [line for line in backend.error_lines("backend") if "Service Unavailable" not in line] == []
