"""Profiles set the timings, overrides change any of them, the page gets them injected, and
``python -m simulator`` serves the page on the port it is given."""

import asyncio
import re
import sys

import aiohttp
import pytest

from simulator.__main__ import parse_args
from simulator.config import make_config
from simulator.testing import running_simulator


def test_instant_has_no_delays_and_realistic_has_the_real_lifetimes():
    instant, realistic = make_config(profile="instant"), make_config(profile="realistic")

    assert instant.boot_delay == instant.sync_delay == instant.pairing_delay == (0.0, 0.0)
    assert instant.first_qr_lifetime < 60 and instant.next_qr_lifetime < 20
    assert realistic.boot_delay == (2.0, 4.0) and realistic.sync_delay == (1.0, 3.0)
    assert (realistic.first_qr_lifetime, realistic.next_qr_lifetime, realistic.qr_count) == (60.0, 20.0, 6)


def test_overrides_take_one_number_for_a_delay_and_refuse_unknown_settings():
    config = make_config(profile="realistic", boot_delay=0.5, first_qr_lifetime=3)
    assert config.boot_delay == (0.5, 0.5) and config.first_qr_lifetime == 3
    with pytest.raises(ValueError, match="unknown simulator settings"):
        make_config(qr_lifetime=3)
    with pytest.raises(ValueError, match="unknown profile"):
        make_config(profile="slow")


def test_command_flags_override_any_setting():
    _, overrides = parse_args(["--profile", "realistic", "--first-qr-lifetime", "5", "--sync-delay", "1,2"])
    config = make_config(profile="realistic", **overrides)
    assert (config.first_qr_lifetime, config.sync_delay, config.boot_delay) == (5.0, (1.0, 2.0), (2.0, 4.0))


async def test_the_page_gets_its_settings_from_the_server_not_the_url():
    async with running_simulator("realistic") as sim, aiohttp.ClientSession() as http:
        async with http.get(sim.url + "/?boot_delay=0&profile=instant") as response:
            html = await response.text()
    settings = re.search(r'id="sim-settings" type="application/json">(.*?)</script>', html).group(1)
    assert '"profile": "realistic"' in settings
    assert 2.0 <= float(re.search(r'"boot_delay": ([0-9.]+)', settings).group(1)) <= 4.0


async def test_command_serves_the_page_and_the_phone_api(tmp_path):
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "--port", "0", "--profile", "instant", "--data-dir", str(tmp_path),
        "--boot-delay", "0.25",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        url = re.search(r"http://\S+", line).group(0)
        async with aiohttp.ClientSession() as http:
            async with http.get(url + "/") as page:
                html = await page.text()
                assert "wa.js" in html and '"boot_delay": 0.25' in html
            async with http.get(url + "/phone/api/devices") as devices:
                assert await devices.json() == {"devices": []}
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    assert (tmp_path / "devices.sqlite3").exists()
