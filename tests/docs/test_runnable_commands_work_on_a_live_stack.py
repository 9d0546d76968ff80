"""Every block marked ``sh runnable`` in docs/ runs against a live stack, exits 0 and prints what it expects.

The stack is the one the suites share (``live_stack``, tests/conftest.py: tests/harness/livestack.py's PostgreSQL,
Redis, daphne, Celery with beat, a session worker, the simulator on its instant profile, on loopback ports); the
blocks get the variables docs/architecture.md names. They run in the pages' order, the walkthrough first, so the
later ones see a connected account.
"""

from __future__ import annotations

import re
import subprocess
import urllib.request

import pytest

from tests.docs.markdown import ROOT, RUN_PAGES, Block, blocks, runnable_blocks
from tests.harness.livestack import LiveStack

BLOCKS = runnable_blocks()


@pytest.fixture(scope="module")
def stack(live_stack) -> LiveStack:
    return live_stack


@pytest.fixture(scope="module")
def block_env(stack: LiveStack, tmp_path_factory) -> dict[str, str]:
    env = stack.django_env()
    env.update(
        {
            "BACKEND_URL": stack.backend_url,
            "WORKER_URL": stack.worker_url,
            "SIMULATOR_URL": stack.simulator_url,
            "SESSION_DATA_DIR": str(stack.folder / "sessions"),
            # The first worker's own env file (the blocks that sign as a worker); BACKEND_SIGNING_KEY is the
            # backend's (django_env), for the blocks that command a worker.
            "WORKER_ID": stack.worker_id("worker"),
            "WORKER_SIGNING_KEY": stack.keys["worker"].private,
            "TMPDIR": str(tmp_path_factory.mktemp("docs-commands")),
        }
    )
    env.pop("BACKUP_DIR", None)
    return env


def test_the_pages_have_runnable_commands():
    pages = {block.page for block in BLOCKS}
    assert pages == set(RUN_PAGES)


@pytest.mark.slow
@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_the_command_exits_0_and_prints_what_the_page_says(block: Block, stack: LiveStack, block_env):
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.code],
        cwd=ROOT,
        env=block_env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    report = f"{block.id} exited {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr[-3000:]}"
    assert result.returncode == 0, report + "\n" + stack.logs()[-4000:]
    for expected in block.expects:
        assert expected in result.stdout, f"{block.id}: {expected!r} not in the output\n{report}"


@pytest.mark.slow
def test_every_worker_metric_the_pages_name_is_served(stack: LiveStack):
    with urllib.request.urlopen(f"{stack.worker_url}/metrics", timeout=10) as response:  # noqa: S310 (loopback)
        served = response.read().decode()
    named: set[str] = set()
    for page in RUN_PAGES:
        named |= set(re.findall(r"\bwa_worker_[a-z_]+[a-z]", (ROOT / page).read_text()))
        for block in blocks(page):
            named |= set(re.findall(r"\bwa_worker_[a-z_]+[a-z]", block.code))
    assert named
    # Each family is declared by a "# TYPE <name>" line (a counter with "_total", a histogram without its suffixes).
    declared = set(re.findall(r"^# TYPE (\S+) ", served, re.M))
    missing = sorted(n for n in named if n not in declared and re.sub(r"_(bucket|sum|count)$", "", n) not in declared)
    assert not missing, f"named in docs/ but not served by the worker: {missing}"
