"""Portfolio check: a CSV of holdings -> per row the matched entity, effects, deadlines and an action.

Input columns (header names are case-insensitive): ``name`` and/or ``isin`` / ``ticker``
(optionally ``exchange``, or ``ticker@exchange`` / ``941 HK`` / ``0941.HK``), optional ``quantity``.
A row is matched by ISIN first, then ticker, then its name screened as ``listwatch screen`` does
(:mod:`listwatch.holding_match`): ``matched`` (one party), ``review`` (``restricted`` unknown, the
candidates listed) or ``no_hit`` ("no listing found"). A matched company whose parent or
subsidiary is listed says so, with the ownership rule of that list (:mod:`listwatch.affiliates`).
A file that cannot be read as such a CSV raises :class:`PortfolioError` naming the problem and
the row; nothing is half-checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from listwatch.holding_match import Candidate, Related, RowMatch, match_holding
from listwatch.model import EffectKind, Entity, Status
from listwatch.regimes import Action, actions_for
from listwatch.report import entity_json, status_json
from listwatch.status import status
from listwatch.store.db import Store
from listwatch.tables import TableError, csv_rows, is_xlsx, parse_number, xlsx_rows

__all__ = ["Advice", "Holding", "PortfolioError", "action", "advice", "check_portfolio", "read_holdings"]

MAX_BYTES = 20 * 1024 * 1024
ID_COLUMNS = ("name", "isin", "ticker")


class PortfolioError(ValueError):
    """The portfolio file is unusable; the message names the problem and, where known, the row."""


@dataclass(frozen=True)
class Holding:
    row: int  # 1-based data row (header excluded)
    name: str = ""
    isin: str = ""
    ticker: str = ""
    exchange: str = ""
    quantity: float | None = None


def _decode(raw: bytes, source: str) -> str:
    if not raw.strip():
        raise PortfolioError(f"{source}: the file is empty")
    if len(raw) > MAX_BYTES:
        raise PortfolioError(f"{source}: {len(raw):,} bytes is over the {MAX_BYTES:,}-byte limit")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PortfolioError(f"{source}: line {line} is not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
                             "save the file as UTF-8 CSV") from exc


def read_holdings(raw: bytes, source: str = "portfolio") -> list[Holding]:
    """Holdings from a CSV (UTF-8; , ; or tab) or an .xlsx workbook (its first sheet)."""
    if is_xlsx(raw[:4]):
        if len(raw) > MAX_BYTES:
            raise PortfolioError(f"{source}: {len(raw):,} bytes is over the {MAX_BYTES:,}-byte limit")
        delimiter, rows = ",", xlsx_rows(raw, source)
    else:
        delimiter, rows = csv_rows(_decode(raw, source), source)
    try:
        return _holdings(rows, delimiter, source)
    except TableError as exc:
        raise PortfolioError(str(exc)) from None


def _holdings(rows: Iterator[list[str]], delimiter: str, source: str) -> list[Holding]:
    header = [h.strip().lower() for h in next(rows, [])]
    if not any(header):
        raise PortfolioError(f"{source}: the file is empty")
    if not any(c in header for c in ID_COLUMNS):
        raise PortfolioError(f"{source}: missing columns - need 'name', 'isin' or 'ticker' in the header, "
                             f"found {', '.join(repr(h) for h in header if h) or 'none'}")
    out = []
    for n, cells in enumerate(rows, start=1):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            raise PortfolioError(f"{source}: row {n} has {len(cells)} fields, the header has {len(header)}")
        rec = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        if not any(rec.get(c) for c in ID_COLUMNS):
            raise PortfolioError(f"{source}: row {n} has no name, isin or ticker")
        qty = rec.get("quantity", "")
        try:
            quantity = parse_number(qty, delimiter) if qty else None
        except ValueError as exc:
            raise PortfolioError(f"{source}: row {n}: quantity {qty!r} is not a number") from exc
        ticker, _, exch = rec.get("ticker", "").partition("@")
        out.append(Holding(n, rec.get("name", ""), rec.get("isin", "").replace(" ", "").upper(), ticker.strip(),
                           (rec.get("exchange") or exch).strip(), quantity))
    if not out:
        raise PortfolioError(f"{source}: no holdings rows under the header")
    return out


@dataclass
class Checked:
    holding: Holding
    matched_by: str | None
    entity: Entity | None
    status: Status | None
    action: str
    candidates: list[Candidate] = field(default_factory=list)
    match: str = "no_hit"  # matched | review | no_hit
    restricted: bool | None = False
    score: float | None = None
    related: list[Related] = field(default_factory=list)
    action_citations: list[str] = field(default_factory=list)  # the law behind each phrase of ``action``


@dataclass(frozen=True)
class Advice:
    """One phrase of a holding's action and the law behind it (from the regime's declared ``ACTIONS``)."""

    text: str
    citations: tuple[str, ...]


# The order the phrases read in: blocking first, then investment, then export and contracting.
_ORDER = (EffectKind.ASSETS_BLOCKED, EffectKind.SECURITIES_PURCHASE_PROHIBITED,
          EffectKind.SECURITIES_HOLDING_PROHIBITED, EffectKind.EXPORT_LICENSE_REQUIRED,
          EffectKind.DOD_CONTRACTING_PROHIBITED)


def advice(s: Status) -> list[Advice]:
    """What a holder may or may not do on the status date, phrase by phrase, each with its citations.

    Each effect in force (or still to start) is looked up in the actions its regime declares
    (:func:`listwatch.regimes.actions_for`); with no effect, the status itself says why."""
    if s.entity is None:
        return [Advice("no restriction found", ())]
    now = {e.kind: e for e in s.effects}
    ahead = {d.effect: d for d in s.deadlines if d.change == "starts"}
    later = frozenset(ahead)
    found: dict[EffectKind, tuple[Action, str]] = {}
    for kind in (*_ORDER, *(k for k in EffectKind if k not in _ORDER)):
        if kind in now:
            e = now[kind]
            closed = e.divestment_until is not None and s.as_of >= e.divestment_until
            act = actions_for(e.list_id, kind, "window_closed" if closed else "in_force", later)
            start, until, authority, cite = e.start, e.divestment_until, e.authority, e.citation
        elif kind in ahead:
            d = ahead[kind]
            act = actions_for(d.list_id, kind, "ahead", later)
            start, until, authority, cite = d.date, None, d.authority, d.citation
        else:
            continue
        if act is None:  # a regime without a declared action: never silent (tests/test_docs_and_rules.py)
            act = Action(kind, "in_force", f"{kind.value} ({authority}): review", cite)
        found[kind] = (act, act.render(start, until))
    moot = {k for act, _ in found.values() for k in act.replaces}
    out = [Advice(text, (act.citation,)) for kind, (act, text) in found.items() if kind not in moot]
    if out:
        return out
    if s.restricted:
        on = ", ".join(x.list_id for x in s.listings if x.in_force)
        return [Advice(f"listed ({on}) with no investment, export or blocking effect: review", ())]
    if any(not x.in_force for x in s.listings):
        return [Advice("listing enjoined by a court: no restriction in force while the injunction lasts", ())]
    return [Advice("no restriction found", ())]


def action(s: Status) -> str:
    """A plain instruction for a holder as of the status date (the phrases of :func:`advice`)."""
    return "; ".join(a.text for a in advice(s))


def _cited(parts: list[Advice]) -> list[str]:
    return list(dict.fromkeys(c for a in parts for c in a.citations))


def _review_action(m: RowMatch) -> str:
    if not m.candidates:
        return "review: the identifier is not on any list listwatch holds and there is no name to screen"
    shown = "; ".join(f"{c.entity.name} [{c.entity.id}] {c.score:.2f}" for c in m.candidates)
    return f"review: {len(m.candidates)} possible matches ({shown}); confirm by ISIN or full name"


def _related_advice(m: RowMatch) -> list[Advice]:
    """Listed relatives, for a holding not listed itself: a parent with the ownership rule of each of its
    lists, subsidiaries named briefly. For a listed holding only a parent whose listing reaches what it
    owns (SDN) adds something. ``related`` in the JSON has them all."""
    listed = m.chosen is not None and m.chosen.restricted is True
    parts: list[Advice] = []
    for r in m.related:
        if r.relation == "parent":
            for rule in r.rules:
                if listed and not rule.reaches_owned:
                    continue
                cite = f" [{rule.citation}]" if rule.citation else ""
                parts.append(Advice(f"parent {r.entity.name} [{r.entity.id}] is on {rule.list_id}: {rule.note}{cite}",
                                    (rule.citation,) if rule.citation else ()))
    subs = [f"{r.entity.name} ({', '.join(r.lists)})" for r in m.related if r.relation == "subsidiary"]
    if subs and not listed:
        more = f" and {len(subs) - 3} more" if len(subs) > 3 else ""
        parts.append(Advice(f"listed subsidiaries: {'; '.join(subs[:3])}{more}", ()))
    return parts


def check_portfolio(store: Store, holdings: list[Holding], as_of: dt.date,
                    known_at: dt.datetime | None = None) -> list[Checked]:
    """Each holding matched like ``screen`` (identifiers first), with status, action and listed relatives."""
    out = []
    for h in holdings:
        m = match_holding(store, h.name, h.isin, h.ticker, h.exchange, as_of, known_at)
        if m.chosen is not None:
            st = status(store, m.chosen.entity, as_of, known_at, query=h.name or h.isin or h.ticker)
            if m.restricted is None:  # never "no restriction found" when listwatch cannot tell
                own = [Advice("review: " + ("not listed itself, but a listing of its parent may reach it"
                                            if st.restricted is False else
                                            "the records leave its status on this day open"), ())]
            else:
                own = advice(st)
            parts = own + _related_advice(m)
            out.append(Checked(h, m.by, m.chosen.entity, st, "; ".join(a.text for a in parts), m.candidates,
                               m.outcome, m.restricted, m.chosen.score, m.related, _cited(parts)))
        elif m.outcome == "review":
            out.append(Checked(h, m.by, None, None, _review_action(m), m.candidates, "review", None))
        else:
            out.append(Checked(h, None, None, None, "no listing found", [], "no_hit", False))
    return out


def _candidate_json(c: Candidate) -> dict[str, Any]:
    return {**entity_json(c.entity, full=False), "score": c.score, "matched_name": c.matched_name,
            "restricted": c.restricted, "lists": [x.list_id for x in c.status.listings if x.in_force]}


def _related_json(r: Related) -> dict[str, Any]:
    return {"relation": r.relation, "entity": entity_json(r.entity, full=False), "lists": list(r.lists),
            "rules": [{"list": x.list_id, "reaches_owned": x.reaches_owned, "note": x.note,
                       "citation": x.citation} for x in r.rules]}


def checked_json(store: Store, c: Checked) -> dict[str, Any]:
    st = status_json(store, c.status) if c.status else None
    return {
        "row": c.holding.row, "name": c.holding.name, "isin": c.holding.isin, "ticker": c.holding.ticker,
        "exchange": c.holding.exchange, "quantity": c.holding.quantity, "match": c.match,
        "matched_by": c.matched_by, "score": c.score,
        "entity": entity_json(c.entity, full=False) if c.entity else None,
        "restricted": c.restricted,
        "effects": st["effects"] if st else [], "deadlines": st["deadlines"] if st else [],
        "listings": st["listings"] if st else [],
        "candidates": [_candidate_json(x) for x in c.candidates],
        "related": [_related_json(r) for r in c.related], "action": c.action,
        "action_citations": c.action_citations,
    }
