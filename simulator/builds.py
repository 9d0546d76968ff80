"""The WhatsApp Web builds the simulator can serve: today's (the default) and changed ones, to test how a client
survives a new build of the site (docs/simulator.md, "Builds").

A build is named by its version (``window.Debug.VERSION``). Its layout (which modules are renamed, which members
became ``async``) is injected into the HTML of each load with the rest of the page's settings, and wa.js lays out
its modules by it: the HTML of a load alone decides the build that page runs, so an HTML saved from one build
keeps running that build after the simulator switched to another.
"""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True, kw_only=True)
class Build:
    build: str  # the version, window.Debug.VERSION
    description: str  # one line
    renamed_modules: tuple[tuple[str, str], ...] = ()  # (today's name, this build's name) for window.require
    async_members: tuple[str, ...] = ()  # "Module.member" (this build's module names): a native async function

    def layout(self) -> dict[str, Any]:
        """What wa.js needs to lay out its modules as this build does (injected into the page)."""
        return {"renamed_modules": dict(self.renamed_modules), "async_members": list(self.async_members)}

    def view(self) -> dict[str, str]:
        return {"build": self.build, "description": self.description}


DEFAULT_BUILD = "2.3000.1030000000"

BUILDS: dict[str, Build] = {
    build.build: build
    for build in (
        Build(
            build=DEFAULT_BUILD,
            description="today's WhatsApp Web, as whatsapp-web.js 1.34.7 knows it (the default)",
        ),
        Build(
            build="2.3000.1031000000",
            description="a changed build: WAWebCmd renamed WAWebCommandBus, "
            "WAWebUserPrefsMultiDevice.getADVSecretKey async",
            renamed_modules=(("WAWebCmd", "WAWebCommandBus"),),
            async_members=("WAWebUserPrefsMultiDevice.getADVSecretKey",),
        ),
    )
}


def build_checked(build: object) -> Build:
    """The catalogue's build named ``build``; ValueError naming the known ones otherwise."""
    found = BUILDS.get(build) if isinstance(build, str) else None
    if found is None:
        raise ValueError(f"unknown WhatsApp Web build {build!r}; choose one of {', '.join(BUILDS)}")
    return found
