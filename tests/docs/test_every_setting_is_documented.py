"""docs/operations.md's configuration names every variable the backend, the worker and the simulator read."""

from __future__ import annotations

import re

from tests.docs.markdown import BACKEND_SETTINGS, DOCS, ROOT


def _read_by_code() -> set[str]:
    names = set(
        re.findall(
            r'env_\w+\(\s*"([A-Z][A-Z0-9_]+)"',
            BACKEND_SETTINGS(),
        )
    )
    names |= set(
        re.findall(r'(?:_env\(|\(env, )"([A-Z][A-Z0-9_]+)"', (ROOT / "session_worker/settings.py").read_text())
    )
    names |= set(re.findall(r'environ\.get\("([A-Z][A-Z0-9_]+)"', (ROOT / "simulator/__main__.py").read_text()))
    names |= set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / "deploy/env.example").read_text(), re.M))
    return names


def test_every_setting_read_by_the_code_is_in_operations_md():
    names = _read_by_code()
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (DOCS / "operations.md").read_text()))
    assert len(names) > 40
    assert not sorted(names - documented), f"not documented in docs/operations.md: {sorted(names - documented)}"
