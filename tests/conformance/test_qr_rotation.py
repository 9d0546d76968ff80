"""Each ref the page rotates through reaches the library as a new ``qr`` event, a QR the phone knows.

The QR lifetimes are shortened (1.5 s each, 4 refs) on both profiles, so that the rotation ends within
seconds instead of the realistic profile's 60 + 5 x 20 s. The library reads its first QR a moment after the
page shows it; on a loaded machine that may already be the second ref, so three of the four must arrive.
"""

import asyncio

import pytest

from simulator.testing import PhoneError
from tests.conformance.conftest import PHONE_NUMBER
from tests.conformance.wwebjs import WAIT, library_client, simulator_behind_front

ROTATION = {"first_qr_lifetime": 1.5, "next_qr_lifetime": 1.5, "qr_count": 4}
# How long the refs are shown in all: between two of them a busy machine may show none for a moment (the next
# one comes once the simulator's timer fires), which is not yet the end of the rotation.
ROTATION_S = ROTATION["first_qr_lifetime"] + ROTATION["next_qr_lifetime"] * (ROTATION["qr_count"] - 1)


async def test_each_rotated_ref_is_a_new_qr_event(profile, tmp_path):
    async with simulator_behind_front(profile, **ROTATION) as (sim, front):
        async with library_client(front, data_path=tmp_path) as client:
            await client.wait_for("qr")
            first_seen = asyncio.get_running_loop().time()
            async with asyncio.timeout(WAIT):  # the rotation ends: its time is up, and no QR on screen any more
                while asyncio.get_running_loop().time() - first_seen < ROTATION_S or await sim.qrs():
                    await asyncio.sleep(0.1)
            qrs = [e["qr"] for e in client.of("qr")]
            answers = []
            for qr in qrs:
                with pytest.raises(PhoneError) as refused:
                    await sim.scan(qr, phone_number=PHONE_NUMBER)
                answers.append(refused.value.status)

    refs = [qr.split(",")[0] for qr in qrs]
    keys = {tuple(qr.split(",")[1:]) for qr in qrs}
    assert ROTATION["qr_count"] - 1 <= len(qrs) <= ROTATION["qr_count"]
    assert len(set(refs)) == len(refs) and all(ref.startswith("2@") for ref in refs)
    assert len(keys) == 1, "the same profile keys in every QR"
    assert answers == [410] * len(qrs), "each was shown by the simulator, and has expired"
