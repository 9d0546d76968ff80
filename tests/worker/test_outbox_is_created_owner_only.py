"""The worker creates its SQLite outbox (QR strings, sequences) owner-only whatever the process's umask: the file
and its WAL files 0600, its folder 0700."""

import os
import stat

from session_worker.store import Store


async def test_the_outbox_and_its_journal_are_owner_only(tmp_path):
    previous = os.umask(0o022)
    try:
        store = Store(tmp_path / "data" / "worker.sqlite3")
        await store.open()
        try:
            files = sorted((tmp_path / "data").iterdir())
            modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in files}
        finally:
            await store.close()
    finally:
        os.umask(previous)
    assert "worker.sqlite3" in modes
    assert set(modes.values()) == {0o600}, {name: oct(mode) for name, mode in modes.items()}
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
