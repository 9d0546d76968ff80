"""The lease's deadline held inside a session's page, so that the fence does not depend on the worker's Python.

The worker stops a session whose lease it could not renew (session_worker/lease_keeper.py). That is its event
loop's doing: a worker whose Python is frozen (SIGSTOP, a debugger, a swap storm) while its Chromium runs on
would leave its pages connected to WhatsApp after the backend moved their sessions elsewhere, and each would be
linked on two pages at once. So each session's page also holds its lease's deadline, in wall-clock milliseconds
(``Date.now()`` terms), and a timer in the page itself leaves WhatsApp Web (``location.replace("about:blank")``,
which closes the page's sockets) once the deadline has passed, whatever the worker is doing.

- :data:`INIT_SCRIPT` is added to every session's context (and to the warm pages', where it stays inert: they
  have no lease and are given no deadline). It runs on every document of the top frame, so it survives the
  page's own reloads; the deadline itself is kept in the page's ``sessionStorage`` (per tab and origin, so it
  outlives a reload), and written back there if the page clears it.
- :func:`push` gives the page its deadline: at open, and at every renewal. A page without one is not guarded.
- The page's deadline is the worker's own (``sent_at + expires_in - LEASE_SAFETY_MARGIN_S``) plus half the
  margin (:func:`page_deadline_ms`): the worker's fence stays the first line, and the page still leaves before
  the backend's lease ends.

This is the lease's business, not WhatsApp Web's: nothing here knows the page it guards.
"""

from __future__ import annotations

import time

from playwright.async_api import Page

STORAGE_KEY = "__waWorkerLeaseDeadline"
CHECK_EVERY_MS = 250

INIT_SCRIPT = r"""
(() => {
  if (window.top !== window) return;                     // frames follow their page
  if (location.protocol !== "http:" && location.protocol !== "https:") return;   // about:blank: already left
  const KEY = "__KEY__";
  let storage = null;
  try { storage = window.sessionStorage; } catch (e) { storage = null; }
  let last = null;                                       // the deadline as this document last knew it
  const read = () => {
    let value = null;
    try { value = storage ? storage.getItem(KEY) : null; } catch (e) { value = null; }
    const deadline = value === null ? NaN : Number(value);
    if (Number.isFinite(deadline)) last = deadline;
    else if (last !== null) { try { storage.setItem(KEY, String(last)); } catch (e) {} }   // cleared: keep it
    return last;
  };
  const check = () => {
    const deadline = read();
    if (deadline !== null && Date.now() >= deadline) {
      clearInterval(timer);
      location.replace("about:blank");                   // leaves WhatsApp Web: its sockets close with the page
    }
  };
  const timer = setInterval(check, __EVERY__);
  check();
})();
""".replace("__KEY__", STORAGE_KEY).replace("__EVERY__", str(CHECK_EVERY_MS))

# Run by the worker in the page: the new deadline, then an immediate check (the page's timer does the rest).
SET_SCRIPT = r"""
([key, deadline]) => {
  try { window.sessionStorage.setItem(key, String(deadline)); } catch (e) { return false; }
  return true;
}
"""


def page_deadline_ms(until: float, *, margin_s: float, now: float | None = None, wall: float | None = None) -> int:
    """The page's deadline, wall-clock milliseconds, for a lease the worker fences at ``until`` (monotonic):
    half the safety margin later, so the worker's own fence comes first and the page still leaves before the
    backend's lease ends."""
    now = time.monotonic() if now is None else now
    wall = time.time() if wall is None else wall
    return int((wall + (until - now) + margin_s / 2) * 1000)


async def push(page: Page, deadline_ms: int) -> bool:
    """Give the page its deadline; False when the page could not take it now (closed, or between documents: the
    deadline already in its ``sessionStorage`` holds until the next push)."""
    return bool(await page.evaluate(SET_SCRIPT, [STORAGE_KEY, deadline_ms]))
