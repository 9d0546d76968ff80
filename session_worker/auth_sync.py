"""Each session's auth state on the backend, kept in step with the worker's (docs/design.md "Many workers"):
fetched before a session opens under a lease that says ``restore``, stored before the session is reported
ready (another worker can open it from then on), and stored again whenever the periodic save finds it changed.
The HTTP calls are session_worker/auth_store.py's; this is when they are made and what a refusal means for
the session: a lease gone elsewhere (``Fenced``) makes the session leave, its local auth forgotten.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from session_worker.auth_store import AuthStore, Fenced, StateUnreadable
from session_worker.browser import BrowserHost
from session_worker.session_life import SessionLife
from shared.events import SessionState

log = logging.getLogger("session_worker.sessions")  # one logger for the sessions and their manager


class AuthSync:
    def __init__(
        self,
        *,
        store: AuthStore,
        host: BrowserHost,
        let_go: Callable[[SessionLife], None],
        on_fenced: Callable[[str, int], None],
    ) -> None:
        self.store = store
        self.host = host
        self.let_go = let_go  # the worker no longer holds the session: its lease is another's now
        self.on_fenced = on_fenced  # an upload found the session's lease moved: stop driving it

    async def fetch(self, session: SessionLife) -> bool:
        """Bring the backend's copy of the session's auth state to the local cache; False when it cannot run."""
        session.fetch_auth = False
        try:
            if await self.store.download(session.session_id, session.epoch):
                session.restoring = True
        except Fenced:
            log.error("fenced: the lease moved before the session opened", extra=session.log_extra())
            await session.leave(note="fenced", save=False)
            self.let_go(session)
            return False
        except StateUnreadable as exc:
            await session.fail("AUTH_STATE_UNREADABLE", f"the backend cannot decrypt the stored state: {exc}")
            return False
        return True

    async def store_before_ready(self, session: SessionLife) -> bool:
        """Store the session's auth state on the backend (retrying while it is unreachable); False when the lease
        is gone (the session has then left its page and its local auth is wiped)."""
        try:
            await self.store.upload_until_stored(session.session_id, session.epoch)
            return True
        except Fenced:
            log.error("fenced: the lease moved while the session was linking", extra=session.log_extra())
            await session.leave(note="fenced", save=False)
            await self.host.wipe_auth(session.session_id)
            self.let_go(session)
            return False

    async def store_final(self, session: SessionLife) -> bool:
        """Store the final auth state of a session being released; False when the backend could not take it. A
        lease already gone is no failure: the session's new holder has it."""
        try:
            return await self.store.upload(session.session_id, session.epoch)
        except Fenced:
            log.warning("fenced", extra=session.log_extra(detail="the lease moved before the release"))
            return True

    async def save_loop(self, sessions: Callable[[], Iterable[SessionLife]], interval_s: float) -> None:
        """Save the auth of every ready session now and then (WhatsApp Web keeps updating its keys), and store it
        on the backend when it changed."""
        while True:
            await asyncio.sleep(interval_s)
            for session in list(sessions()):
                await session.save_auth()
                if session.state is SessionState.READY:
                    try:
                        await self.store.upload(session.session_id, session.epoch)
                    except Fenced:
                        self.on_fenced(session.session_id, session.epoch)
