"""On the realistic profile (the page boots in 2-4 s, holds PAIRING 0.5-1 s, syncs in 1-3 s) the worker reports
each scan, then the sync's rising progress (hooked at boot, before CONNECTED), then ``session_ready``
(that the login is reported while the page still shows PAIRING is proven, without a race, by
test_login_is_reported_while_the_page_is_pairing.py). The time from the phone's scan to the
``session_authenticated`` webhook is printed and kept in artifacts/worker/scan_to_authenticated.json (a
record, not an assertion: the machine is shared).

The sync's first report (0 %) is sometimes missed when the page syncs at once after its reload (the page
script's hook comes at boot): a known gap, said in docs/worker.md. The progress must rise to 100 and start
within the first half."""

import json
import time

import pytest

from simulator.testing import running_simulator
from tests.harness.livestack import ROOT
from tests.worker.conftest import session_id

pytestmark = pytest.mark.slow
SCANS = 3


@pytest.fixture
async def sim():
    async with running_simulator(profile="realistic") as simulator:
        yield simulator


async def test_each_scan_is_reported_then_the_sync_then_ready(start_worker, receiver, sim):
    worker = await start_worker()
    seconds = []
    for n in range(SCANS):
        sid = session_id()
        await worker.start_session(sid)
        qr_event = await receiver.wait_for_type(sid, "qr_code_generated", within=60)
        scanned = time.monotonic()
        await sim.scan(qr_event.data["qr"], phone_number=f"551199999003{n}")

        authenticated = await receiver.wait_for_type(sid, "session_authenticated", within=60)
        seconds.append(receiver.arrived_at[authenticated.id] - scanned)
        await receiver.wait_for_type(sid, "session_ready", within=60)

        progress = [e.data["percent"] for e in receiver.of(sid, "session_sync_progress")]
        assert progress[0] <= 50 and progress[-1] == 100 and progress == sorted(set(progress))
        types = [e.type for e in receiver.of(sid) if e.type != "session_booted"]
        assert types[types.index("session_authenticated") :] == [
            "session_authenticated",
            *["session_sync_progress"] * len(progress),
            "session_ready",
        ]

    record = {"scan_to_authenticated_s": [round(s, 3) for s in seconds], "max_s": round(max(seconds), 3)}
    print(f"\nscan -> session_authenticated (realistic profile): {record}")
    folder = ROOT / "artifacts" / "worker"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scan_to_authenticated.json").write_text(json.dumps(record, indent=2) + "\n")
