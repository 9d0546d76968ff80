"""The worker's side of the leases (docs/design.md "Many workers"): which sessions it may drive, until when.

Decisions only: plain data in, a :class:`Plan` out. Nothing here acts; the manager applies the plans
(session_worker/lease_keeper.py).

The backend holds one lease per session (worker, epoch, expiry). This worker learns its leases from two places:
the start command (``POST /sessions`` with the epoch and how long the lease runs) and the answer to every
heartbeat, which lists every lease it holds (:func:`parse_answer`). It runs exactly those (:func:`plan_answer`):
- a listed session it does not run (or ran under an older epoch, or stopped itself for lack of renewal) is
  started, its auth fetched from the backend first when the lease says ``restore``;
- a session it runs that is not listed (it moved to another worker), or is listed with a newer epoch, is
  released, and its local auth forgotten (the backend's copy is the truth);
- each listed session it runs at that epoch is renewed until ``sent_at + expires_in_ms / 1000 -
  LEASE_SAFETY_MARGIN_S``, ``sent_at`` being when the heartbeat LEFT and ``expires_in_ms`` what was left of that
  lease when the backend answered: measured from earlier than the backend's answer, this deadline is always
  earlier than the backend's.
A session started after the heartbeat left is left alone: the answer may not know it yet. An answer without a
valid ``leases`` object (each lease with its ``expires_in_ms``) changes nothing. A lease of an older epoch than
the highest this worker has seen for that session (``LeaseBook.highest``, kept on disk across restarts) is
ignored: it comes from before a newer grant.

Fencing (:func:`plan_fencing`): a session past its deadline (the backend could not be reached to renew it) is
stopped, its page closed, its auth kept; another worker may take it once the backend's lease runs out, never
before this worker has let go. A session with no deadline (started by a command without
``lease_expires_in_ms``, and not renewed since) is never fenced.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from shared.payloads import BUILD_RE
from shared.proxy import InvalidProxy, SessionProxy, proxy_from_wire


class InvalidAnswer(ValueError):
    """A heartbeat's answer that lists no valid leases."""


@dataclasses.dataclass(frozen=True)
class Lease:
    """One lease, as the heartbeat's answer lists it."""

    epoch: int
    workspace_id: str
    expires_in_s: float  # what was left of it when the backend answered
    restore: bool = False  # the backend holds the session's auth state: fetch it before opening
    proxy: SessionProxy | None = None  # what its browser connects through (None: directly)


@dataclasses.dataclass(frozen=True)
class Answer:
    """A heartbeat's answer: every lease this worker holds."""

    leases: Mapping[str, Lease]
    pin: str | None = None  # ``whatsapp_web_pin``: the build pages open on (session_worker/builds.py); None: live


@dataclasses.dataclass(frozen=True)
class Held:
    """What the worker holds of one of its sessions now."""

    active: bool  # holds (or is about to hold) a page
    epoch: int
    started_at: float  # time.monotonic() of its start


@dataclasses.dataclass
class LeaseBook:
    """What the worker has recorded of its leases; the manager keeps it, the plans read it."""

    valid_until: dict[str, float] = dataclasses.field(default_factory=dict)  # session id -> monotonic deadline
    fenced: set[str] = dataclasses.field(default_factory=set)  # stopped for lack of renewal: restarted if listed
    released: dict[str, int] = dataclasses.field(default_factory=dict)  # session id -> the epoch it was let go at
    highest: dict[str, int] = dataclasses.field(default_factory=dict)  # session id -> the highest epoch seen
    answered: bool = False  # a heartbeat's answer was applied: what this worker must run has been started


@dataclasses.dataclass(frozen=True)
class Start:
    session_id: str
    workspace_id: str
    epoch: int
    fetch_auth: bool  # the lease's ``restore``
    lease_s: float  # how long the lease runs from now
    proxy: SessionProxy | None = None  # the lease's proxy (shared/proxy.py)


@dataclasses.dataclass(frozen=True)
class Release:
    session_id: str
    why: str


@dataclasses.dataclass(frozen=True)
class Plan:
    """What to do, in this order: release, renew (session id -> new deadline), start, fence; ``forget``: the
    deadlines of sessions that no longer run; ``ignored``: leases of an older epoch than one already seen."""

    release: tuple[Release, ...] = ()
    renew: Mapping[str, float] = dataclasses.field(default_factory=dict)
    start: tuple[Start, ...] = ()
    fence: tuple[str, ...] = ()
    forget: tuple[str, ...] = ()
    ignored: tuple[Release, ...] = ()


def deadline(*, sent_at: float, lasts_s: float, margin_s: float) -> float:
    """When this worker stops a session whose lease was granted or renewed at ``sent_at`` for ``lasts_s``."""
    return sent_at + lasts_s - margin_s


def stale(epoch: int, *, highest: int) -> bool:
    """Whether a command or a lease of ``epoch`` comes from before a newer grant this worker has seen."""
    return epoch < highest


def parse_answer(answer: Any) -> Answer:
    """The leases of a heartbeat's answer (``{"leases": {session_id: {"epoch", "workspace_id", "restore",
    "expires_in_ms", "proxy"}}, "whatsapp_web_pin"}``, ``proxy`` and the pin optional; its ``lease_ttl_s`` is not
    read); InvalidAnswer when it lists none validly, or names a malformed pin."""
    if not isinstance(answer, dict):
        raise InvalidAnswer("the answer is not a JSON object")
    leases = answer.get("leases")
    if not isinstance(leases, dict):
        raise InvalidAnswer("no leases object")
    parsed = {}
    for session_id, lease in leases.items():
        if not isinstance(lease, dict):
            raise InvalidAnswer(f"lease {session_id!r} is not an object")
        epoch, workspace_id, restore = lease.get("epoch"), lease.get("workspace_id"), lease.get("restore", False)
        expires_in_ms = lease.get("expires_in_ms")
        if not _is_count(epoch):
            raise InvalidAnswer(f"lease {session_id!r}: epoch must be an integer >= 0")
        if not isinstance(workspace_id, str | int) or isinstance(workspace_id, bool):
            raise InvalidAnswer(f"lease {session_id!r}: workspace_id must be a string")
        if not isinstance(restore, bool):
            raise InvalidAnswer(f"lease {session_id!r}: restore must be true or false")
        if not _is_count(expires_in_ms):
            raise InvalidAnswer(f"lease {session_id!r}: expires_in_ms must be an integer >= 0")
        try:
            proxy = proxy_from_wire(lease.get("proxy"))
        except InvalidProxy as exc:
            raise InvalidAnswer(f"lease {session_id!r}: proxy: {exc}") from None
        parsed[session_id] = Lease(epoch, str(workspace_id), expires_in_ms / 1000, restore=restore, proxy=proxy)
    pin = answer.get("whatsapp_web_pin")
    if pin is not None and (not isinstance(pin, str) or not BUILD_RE.fullmatch(pin)):
        raise InvalidAnswer("whatsapp_web_pin must be a build (like 2.3000.1030000000) or null")
    return Answer(leases=parsed, pin=pin)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def plan_answer(
    answer: Answer,
    *,
    held: Mapping[str, Held],
    book: LeaseBook,
    sent_at: float,
    now: float,
    margin_s: float,
) -> Plan:
    """What to do so that this worker runs exactly the leases of ``answer``, to a heartbeat that left at
    ``sent_at`` (``now`` and ``sent_at`` on the monotonic clock)."""
    ignored = tuple(
        Release(session_id, f"epoch {lease.epoch} is older than {book.highest[session_id]}, already seen")
        for session_id, lease in answer.leases.items()
        if stale(lease.epoch, highest=book.highest.get(session_id, 0))
    )
    old = {i.session_id for i in ignored}
    leases = {sid: lease for sid, lease in answer.leases.items() if sid not in old}
    release = []
    for session_id, session in held.items():
        lease = leases.get(session_id)
        if not session.active or session.started_at >= sent_at or session_id in old:
            # Started after the heartbeat left (the answer may not know it yet), or listed under an older lease
            # than it runs under (not renewed: fenced when its deadline comes).
            continue
        if lease is None or lease.epoch > session.epoch:
            why = "moved to another worker" if lease is None else f"a newer lease (epoch {lease.epoch})"
            release.append(Release(session_id, why))
    # A session released now is gone by the time the starts run, let go at its epoch (as a drain's release).
    releasing = {r.session_id for r in release}
    released = {**book.released, **{session_id: held[session_id].epoch for session_id in releasing}}
    renew, start = {}, []
    for session_id, lease in leases.items():
        session = None if session_id in releasing else held.get(session_id)
        if session is not None and session.active and session.epoch == lease.epoch:
            renew[session_id] = deadline(sent_at=sent_at, lasts_s=lease.expires_in_s, margin_s=margin_s)
            continue
        restartable = session is None or lease.epoch > session.epoch or session_id in book.fenced
        if (session is not None and session.active) or not restartable:
            continue
        if lease.epoch <= released.get(session_id, -1):
            continue  # let go (it is moving): listed only until the backend's move commits
        lease_s = max(0.0, lease.expires_in_s - (now - sent_at))
        start.append(
            Start(
                session_id,
                lease.workspace_id,
                lease.epoch,
                fetch_auth=lease.restore,
                lease_s=lease_s,
                proxy=lease.proxy,
            )
        )
    return Plan(release=tuple(release), renew=renew, start=tuple(start), ignored=ignored)


def plan_fencing(*, held: Mapping[str, Held], book: LeaseBook, now: float) -> Plan:
    """Which sessions to stop now because their leases could not be renewed in time."""
    fence, forget = [], []
    for session_id, until in book.valid_until.items():
        session = held.get(session_id)
        if session is None or not session.active:
            forget.append(session_id)
        elif now >= until:
            fence.append(session_id)
    return Plan(fence=tuple(fence), forget=tuple(forget))
