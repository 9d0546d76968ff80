"""The simulator creates its registry of linked devices (their secrets) owner-only whatever the umask."""

import os
import stat

from simulator.registry import Registry


def test_the_registry_and_its_journal_are_owner_only(tmp_path):
    previous = os.umask(0o022)
    try:
        registry = Registry(tmp_path / "sim" / "devices.sqlite3")
        modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in (tmp_path / "sim").iterdir()}
        registry.close()
    finally:
        os.umask(previous)
    assert "devices.sqlite3" in modes
    assert set(modes.values()) == {0o600}, {name: oct(mode) for name, mode in modes.items()}
    assert stat.S_IMODE((tmp_path / "sim").stat().st_mode) == 0o700
