"""Domain types of listwatch: entities, lists, the event log, effects and status.

Dates follow ``../shared/reference/README.md``:

* effective dates are :class:`datetime.date` (whole calendar days, US Eastern);
* record times (``recorded_at``: when listwatch learned a fact) are timezone-aware UTC
  :class:`datetime.datetime`;
* every interval is half-open, ``[start, end)``: ``start`` is the first day a thing is in
  force, ``end`` the first day it no longer is (``None``: open-ended).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "LIST_IDS",
    "Confidence",
    "Deadline",
    "Effect",
    "EffectKind",
    "Entity",
    "Event",
    "EventType",
    "Identifier",
    "ListDef",
    "Listing",
    "Name",
    "Source",
    "Status",
    "Unknown",
]

LIST_IDS = ("us-dod-1237", "us-ofac-ns-ccmc", "us-dod-1260h", "us-ofac-ns-cmic", "us-bis-entity-list", "us-ofac-sdn")


class EventType(StrEnum):
    LISTED = "listed"
    DELISTED = "delisted"
    ENJOINED = "enjoined"
    INJUNCTION_LIFTED = "injunction_lifted"
    VACATED = "vacated"
    SUPERSEDED = "superseded"
    AMENDED = "amended"


class Confidence(StrEnum):
    VERIFIED = "verified"
    REPORTED = "reported"


class EffectKind(StrEnum):
    """The closed vocabulary of legal effects (reference/README.md)."""

    SECURITIES_PURCHASE_PROHIBITED = "securities_purchase_prohibited"
    SECURITIES_HOLDING_PROHIBITED = "securities_holding_prohibited"
    EXPORT_LICENSE_REQUIRED = "export_license_required"
    ASSETS_BLOCKED = "assets_blocked"
    DOD_CONTRACTING_PROHIBITED = "dod_contracting_prohibited"  # FY2024 NDAA s.805(a)(1)(A), 1260H entities


@dataclass(frozen=True, slots=True)
class Source:
    """A cited source: its id (what facts' ``sources`` name) and the citation it stands for."""

    id: str
    citation: str


@dataclass(frozen=True, slots=True)
class Name:
    """A name or alias of an entity, with its sources, confidence, script (``Hani``, ...) and note."""

    name: str
    sources: tuple[str, ...]
    confidence: Confidence = Confidence.VERIFIED
    script: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Identifier:
    """An identifier; ``scheme`` is one of isin, lei, ticker, uscc, ... .

    Tickers carry their exchange (``ticker@exchange`` in :meth:`label`).
    """

    scheme: str
    value: str
    sources: tuple[str, ...]
    confidence: Confidence = Confidence.VERIFIED
    exchange: str | None = None

    @property
    def label(self) -> str:
        if self.exchange:
            return f"{self.scheme}:{self.value}@{self.exchange}"
        return f"{self.scheme}:{self.value}"


@dataclass(frozen=True, slots=True)
class Entity:
    """A party lists may name (a company, a person, ...): its names and identifiers in force, its parent."""

    id: str
    name: str
    kind: str = "company"
    country: str | None = None
    names: tuple[Name, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    parent: str | None = None
    parent_sources: tuple[str, ...] = ()
    note: str | None = None

    @property
    def aliases(self) -> list[str]:
        """Every other name, printed list forms and original-script names included."""
        return [n.name for n in self.names if n.name != self.name]


@dataclass(frozen=True, slots=True)
class ListDef:
    """A government list: who keeps it, under which authority, since when (None: not known)."""

    id: str
    name: str
    authority: str
    maintainer: str
    established: dt.date | None  # unknown for lists first met in an ingested file
    sources: tuple[str, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the append-only event log.

    ``entity_id`` is ``None`` for list-wide events (``superseded``: a regime replaced).
    ``key`` is a stable content id, so re-seeding never duplicates an event.
    """

    key: str
    list_id: str
    type: EventType
    effective: dt.date
    recorded_at: dt.datetime
    sources: tuple[str, ...]
    confidence: Confidence
    entity_id: str | None = None
    note: str | None = None
    listed_as: str | None = None
    by: str | None = None
    # the change happened on a day in [window_start, effective]: before ``effective`` it is unknown
    window_start: dt.date | None = None

    def __post_init__(self) -> None:
        if self.recorded_at.tzinfo is None:
            raise ValueError(f"event {self.key}: recorded_at must be timezone-aware UTC")


@dataclass(frozen=True, slots=True)
class Listing:
    """One listing period of an entity on a list, as known on a date."""

    list_id: str
    since: dt.date
    until: dt.date | None
    in_force: bool
    suspended_by: str | None
    sources: tuple[str, ...]
    listed_as: str | None = None
    confidence: Confidence = Confidence.VERIFIED


@dataclass(frozen=True, slots=True)
class Effect:
    """A legal effect of a listing (a ban, a freeze) from ``start`` until ``end`` (None: open), with its rule's
    citation; ``in_force`` on the status's date."""

    kind: EffectKind
    authority: str
    list_id: str
    start: dt.date
    end: dt.date | None
    in_force: bool
    citation: str
    note: str | None = None
    divestment_until: dt.date | None = None  # transactions solely to divest allowed before this day


@dataclass(frozen=True, slots=True)
class Deadline:
    """A date ahead on which an effect of a listing starts or ends (``change``), with its citation."""

    effect: EffectKind
    change: str  # "starts" | "ends"
    date: dt.date
    authority: str
    citation: str
    list_id: str


@dataclass(frozen=True, slots=True)
class Unknown:
    """Why listwatch cannot say whether a listing held on a day (``list_id`` None: nothing known at all)."""

    list_id: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Status:
    """The answer for one entity on ``as_of`` (as known at ``known_at``): listings, effects in force or
    suspended, deadlines ahead, and what is unknown."""

    query: str
    as_of: dt.date
    known_at: dt.datetime | None
    entity: Entity | None
    listings: list[Listing] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    suspended_effects: list[Effect] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    unknown: list[Unknown] = field(default_factory=list)

    @property
    def restricted(self) -> bool | None:
        """True if a listing is in force on ``as_of`` (not ended, not suspended) and no doubt hangs over
        it; None (unknown) if the records leave that day open; False only when they show no listing."""
        doubtful = {u.list_id for u in self.unknown}
        if any(x.in_force and x.list_id not in doubtful for x in self.listings):
            return True
        return None if self.unknown else False

    @property
    def reason(self) -> str:
        """One sentence behind :attr:`restricted`."""
        verdict = self.restricted
        if verdict:
            on = sorted({x.list_id for x in self.listings if x.in_force})
            return f"listed on {', '.join(on)} on {self.as_of.isoformat()}"
        if verdict is None:
            return "; ".join(u.reason for u in self.unknown)
        if self.listings:
            return f"listings suspended on {self.as_of.isoformat()}"
        return f"no listing recorded for {self.as_of.isoformat()}"
