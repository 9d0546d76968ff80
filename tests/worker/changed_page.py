"""A changed WhatsApp Web build served by the simulator, until its own build switch (``running_simulator(version=)``,
``PhoneClient.set_build``) is in this branch: :func:`serve_changed_build` makes every later load of the page the
build ``CHANGED`` of docs/simulator.md (``WAWebCmd`` renamed away, ``WAWebUserPrefsMultiDevice.getADVSecretKey`` a
native async function, ``Debug.VERSION`` the new build), by a script placed before the simulator's own."""

from __future__ import annotations

from pathlib import Path

import pytest

import simulator.views

KNOWN = "2.3000.1030000000"
CHANGED = "2.3000.1031000000"

WRAPPER = """<script>
(() => {
  let require = undefined, debug = undefined;
  const changed = (name) => {
    if (name === "WAWebCmd") throw new Error(`Requiring unknown module "${name}"`);
    const module = require(name);
    if (name !== "WAWebUserPrefsMultiDevice") return module;
    return { ...module, getADVSecretKey: async () => module.getADVSecretKey() };
  };
  Object.defineProperty(window, "require", { configurable: true, set: (f) => { require = f; },
    get: () => require && changed });
  Object.defineProperty(window, "Debug", { configurable: true, set: (d) => { debug = d; },
    get: () => debug && { ...debug, VERSION: "__CHANGED__" } });
})();
</script>
""".replace("__CHANGED__", CHANGED)


def serve_changed_build(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    """From now on the simulator serves the changed build (the pages already open keep theirs until they reload)."""
    original = (simulator.views.STATIC / "index.html").read_text()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.html").write_text(
        original.replace('<script src="/static/wa.js">', WRAPPER + '<script src="/static/wa.js">')
    )
    monkeypatch.setattr(simulator.views, "STATIC", directory)
