"""The system Chromium through Playwright, launched as the project's conventions say (the flags live in
simulator/testing.py, the test helper every browser suite uses)."""

from __future__ import annotations

from simulator.testing import CHROMIUM_ARGS, chromium_path


def launch(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
