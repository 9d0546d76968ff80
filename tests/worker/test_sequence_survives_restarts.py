"""A session's sequence is on disk: it keeps growing across restarts of the worker."""

from session_worker.store import Store


async def test_the_sequence_keeps_growing_after_the_store_is_reopened(tmp_path):
    store = Store(tmp_path / "outbox.sqlite3")
    await store.open()
    first = await store.event_enqueue(
        type="session_authenticated", session_id="wa_a", workspace_id="1", worker_id="w", data={}
    )
    await store.close()

    reopened = Store(tmp_path / "outbox.sqlite3")
    await reopened.open()
    try:
        second = await reopened.event_enqueue(
            type="session_authenticated", session_id="wa_a", workspace_id="1", worker_id="w", data={}
        )
        other = await reopened.event_enqueue(
            type="session_authenticated", session_id="wa_b", workspace_id="1", worker_id="w", data={}
        )
        assert (first.sequence, second.sequence, other.sequence) == (1, 2, 1)
        assert await reopened.outbox_depth() == 3
    finally:
        await reopened.close()
