"""Schemathesis against the live backend's OpenAPI schema (/api/v1/schema/), authenticated as a workspace
owner and anonymously: examples, edge-case coverage and random fuzzing of every operation (each one is in the
report: exercised), and no response is a 5xx. (A 503 `no_worker` is the one 5xx the API promises; no worker runs
here, so that Connect answers it or 201 without starting browsers.) Each phase runs once, with up to
MAX_EXAMPLES cases per operation, rather than over a time budget that fuzzing repeats itself to fill."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
import requests

from tests.harness.livestack import BIN, ROOT
from tests.reliability.conftest import ARTIFACTS

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 10

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


def exercised(report: str) -> set[str]:
    """The operations a schemathesis JUnit report has a test case of ("POST /api/v1/auth/token")."""
    return {case.get("name") for case in ET.parse(ARTIFACTS / report).getroot().iter("testcase")}  # noqa: S314


@pytest.fixture(scope="module")
def backend(backend_stack):
    """The backend alone, which may place any number of sessions on its default worker (none runs them)."""
    return backend_stack


@pytest.fixture(scope="module")
def operations(backend) -> set[str]:
    schema = requests.get(f"{backend.backend_url}/api/v1/schema/?format=json", timeout=30).json()
    verbs = {"get", "put", "post", "patch", "delete"}
    return {f"{verb.upper()} {path}" for path, item in schema["paths"].items() for verb in item if verb in verbs}


def schemathesis(backend, *extra: str, report: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(BIN / "st"),
            "run",
            f"{backend.backend_url}/api/v1/schema/",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "2",
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


def test_no_operation_answers_500_to_an_owner(backend, operations):
    mark = backend.log_mark("backend")
    owner = backend.make_people({"kim": "Kim's shop"})["kim"]
    result = schemathesis(backend, "-H", f"Authorization: Token {owner.token}", report="schemathesis-owner.xml")
    assert result.returncode in (0, 1), result.stdout[-6000:] + result.stderr[-2000:]
    assert exercised("schemathesis-owner.xml") == operations
    assert undocumented_failures("schemathesis-owner.xml") == []
    errors = backend.error_lines_in(backend.processes["backend"].log()[mark:])
    assert [line for line in errors if "Service Unavailable" not in line] == []


def test_no_operation_answers_500_to_a_stranger(backend, operations):
    mark = backend.log_mark("backend")
    result = schemathesis(backend, report="schemathesis-anonymous.xml")
    assert result.returncode in (0, 1), result.stdout[-6000:] + result.stderr[-2000:]
    assert exercised("schemathesis-anonymous.xml") == operations
    assert undocumented_failures("schemathesis-anonymous.xml") == []
    errors = backend.error_lines_in(backend.processes["backend"].log()[mark:])
    assert [line for line in errors if "Service Unavailable" not in line] == []
