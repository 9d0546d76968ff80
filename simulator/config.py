"""The simulator's settings: a named profile (``instant`` or ``realistic``) plus per-field overrides.

Every timing is in seconds. A delay is a ``(low, high)`` range, drawn afresh each time it is used; an
override may give one number for a fixed delay. The page never reads its settings from the URL: the server
injects them into the page it serves.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

from simulator.builds import DEFAULT_BUILD, build_checked

Range = tuple[float, float]

RANGE_FIELDS = ("boot_delay", "pairing_delay", "sync_delay")


@dataclasses.dataclass(frozen=True, kw_only=True)
class SimulatorConfig:
    profile: str = "instant"
    boot_delay: Range = (0.0, 0.0)  # page load -> window.Debug.VERSION and the modules
    pairing_delay: Range = (0.0, 0.0)  # scan accepted -> the page reloads itself (state PAIRING meanwhile)
    sync_delay: Range = (0.0, 0.0)  # linked page connected -> hasSynced (sync progress meanwhile)
    first_qr_lifetime: float = 8.0
    next_qr_lifetime: float = 4.0
    qr_count: int = 6  # refs shown before UNPAIRED_IDLE
    pairing_code_lifetime: float = 60.0
    reconnect_interval: float = 0.2  # the page's retry period while its connection is down
    sync_gate_timeout: float = 30.0  # hasSynced waits this long for a change:hasSynced listener
    # Test-only, not a command-line flag: a linked page goes CONNECTED only after hasSynced (the order this
    # simulator wrongly followed before; whatsapp-web.js deadlocks on it). For the worker's tests, which must
    # work with either order. The real order (False) is the default.
    connected_after_sync: bool = False
    data_dir: Path | None = None  # where the registry of linked devices lives; None keeps it in memory
    version: str = DEFAULT_BUILD  # the WhatsApp Web build served at start (simulator/builds.py); switchable later

    @property
    def registry_path(self) -> Path | None:
        return self.data_dir / "devices.sqlite3" if self.data_dir is not None else None

    def page_settings(self, build: str | None = None) -> dict[str, Any]:
        """What the page needs, injected into it (never taken from the URL): the build ``build`` (the one served
        now; ``version`` if None) with its layout, so that the HTML alone decides the build its page runs."""
        served = build_checked(self.version if build is None else build)
        return {
            "profile": self.profile,
            "version": served.build,
            "layout": served.layout(),
            "boot_delay": draw(self.boot_delay),
            "pairing_delay": draw(self.pairing_delay),
            "qr_count": self.qr_count,
            "reconnect_interval": self.reconnect_interval,
            "sync_gate_timeout": self.sync_gate_timeout,
            "connected_after_sync": self.connected_after_sync,
        }


PROFILES: dict[str, dict[str, Any]] = {
    "instant": {},
    "realistic": {
        "boot_delay": (2.0, 4.0),
        "pairing_delay": (0.5, 1.0),
        "sync_delay": (1.0, 3.0),
        "first_qr_lifetime": 60.0,
        "next_qr_lifetime": 20.0,
        "pairing_code_lifetime": 180.0,
        "reconnect_interval": 2.0,
    },
}


def draw(delay: Range) -> float:
    low, high = delay
    return low if high <= low else random.uniform(low, high)


def make_config(*, profile: str = "instant", **overrides: Any) -> SimulatorConfig:
    """The named profile with ``overrides`` applied; unknown profiles, fields and builds raise ValueError."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    fields = {f.name for f in dataclasses.fields(SimulatorConfig)}
    unknown = set(overrides) - fields
    if unknown:
        raise ValueError(f"unknown simulator settings: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {**PROFILES[profile], **overrides, "profile": profile}
    for name in RANGE_FIELDS:
        value = values.get(name)
        if isinstance(value, int | float):
            values[name] = (float(value), float(value))
    build_checked(values.get("version", DEFAULT_BUILD))
    if values.get("data_dir") is not None:
        values["data_dir"] = Path(values["data_dir"])
    return SimulatorConfig(**values)
