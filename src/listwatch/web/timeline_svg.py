"""An entity's story as a picture: a server-rendered SVG from its timeline JSON.

One lane per list; a bar per listing period (to today when open); hatched bars for periods a
court suspended (enjoined); diamonds for court events (enjoined, injunction lifted, vacated) and
removals; triangles for effect dates (a ban or holding prohibition starting, planned or real).
Every mark carries its citation as an SVG ``<title>`` (shown on hover) and ``data-type`` /
``data-date`` attributes; the page repeats everything in a table for keyboards and screen readers.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

__all__ = ["render"]

LANE = 46
LEFT = 150
RIGHT = 20
TOP = 28
WIDTH = 960
COURT = {"enjoined", "injunction_lifted", "vacated"}


def _d(s: str | None, default: dt.date) -> dt.date:
    return dt.date.fromisoformat(s) if s else default


def render(tl: dict[str, Any], today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    lists = sorted({x["list"] for x in tl["listings"]} | {e["list"] for e in tl["events"] if e["entity"]})
    dates = [_d(x["since"], today) for x in tl["listings"]] + [_d(e["date"], today) for e in tl["events"]]
    dates += [_d(e["start"], today) for e in tl["effects"]]
    if not lists or not dates:
        return '<svg class="timeline" role="img" aria-label="no listings" width="10" height="10"></svg>'
    lo = dt.date(min(dates).year, 1, 1)
    still_listed = any(p["until"] is None for p in tl["listings"])
    hi = max([today, *dates] if still_listed else dates)  # a closed story is not stretched to today
    hi = dt.date(hi.year + 1, 1, 1)
    span = (hi - lo).days
    height = TOP + LANE * len(lists) + 24

    def x(day: dt.date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * max(0, min(span, (day - lo).days)) / span

    def y(list_id: str) -> float:
        return TOP + LANE * lists.index(list_id)

    out = [f'<svg class="timeline" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
           f'aria-label="Timeline of {escape(tl["entity"]["name"])}: {len(tl["listings"])} listing periods" '
           f'xmlns="http://www.w3.org/2000/svg">',
           '<defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
           'patternTransform="rotate(45)"><rect width="8" height="8" fill="#fff"/>'
           '<line x1="0" y1="0" x2="0" y2="8" stroke="#b45309" stroke-width="4"/></pattern></defs>']
    for year in range(lo.year, hi.year + 1):
        xx = x(dt.date(year, 1, 1))
        out.append(f'<line x1="{xx:.1f}" y1="{TOP - 8}" x2="{xx:.1f}" y2="{height - 20}" stroke="#d1d5db"/>'
                   f'<text x="{xx + 2:.1f}" y="{TOP - 12}" font-size="11" fill="#374151">{year}</text>')
    for lid in lists:
        out.append(f'<text x="8" y="{y(lid) + 22:.1f}" font-size="12" fill="#111827">{escape(lid)}</text>')
    for p in tl["listings"]:
        a, b = _d(p["since"], today), _d(p["until"], today)
        title = f'{p["list"]}: listed {p["since"]} to {p["until"] or "today"} as {p["listed_as"] or "-"}'
        out.append(f'<rect class="listing" data-list="{escape(p["list"])}" data-since="{p["since"]}" '
                   f'x="{x(a):.1f}" y="{y(p["list"]) + 8:.1f}" width="{max(2.0, x(b) - x(a)):.1f}" height="22" '
                   f'fill="#dc2626" rx="3"><title>{escape(title)}</title></rect>')
        for s in p["suspended"]:
            sa, sb = _d(s["start"], today), _d(s["end"], b)
            why = escape("suspended by a court from " + s["start"] + ": " + s["source"])
            out.append(f'<rect class="suspended" data-date="{s["start"]}" x="{x(sa):.1f}" '
                       f'y="{y(p["list"]) + 8:.1f}" width="{max(2.0, x(sb) - x(sa)):.1f}" height="22" '
                       f'fill="url(#hatch)" stroke="#b45309"><title>{why}</title></rect>')
    for e in tl["events"]:
        if not e["entity"] or (e["type"] not in COURT and e["type"] != "delisted"):
            continue
        cx, cy = x(_d(e["date"], today)), y(e["list"]) + 19
        color = "#7c3aed" if e["type"] in COURT else "#374151"
        title = f'{e["type"]} {e["date"]}: {e["note"] or ""} — {e["source"]}'
        out.append(f'<g class="marker court" data-type="{e["type"]}" data-date="{e["date"]}" tabindex="0">'
                   f'<path d="M{cx:.1f} {cy - 9:.1f} L{cx + 7:.1f} {cy:.1f} L{cx:.1f} {cy + 9:.1f} '
                   f'L{cx - 7:.1f} {cy:.1f} Z" fill="{color}" stroke="#fff"/>'
                   f'<title>{escape(title)}</title></g>')
    for ef in tl["effects"]:
        cx, cy = x(_d(ef["start"], today)), y(ef["list"]) + 4
        fill = "#111827" if ef["took_effect"] else "#9ca3af"
        what = "took effect" if ef["took_effect"] else "never took effect"
        title = f'{ef["kind"]} from {ef["start"]} ({what}) — {ef["citation"]}'
        out.append(f'<g class="marker effect" data-type="{ef["kind"]}" data-date="{ef["start"]}" tabindex="0">'
                   f'<path d="M{cx - 6:.1f} {cy - 6:.1f} L{cx + 6:.1f} {cy - 6:.1f} L{cx:.1f} {cy + 3:.1f} Z" '
                   f'fill="{fill}"/><title>{escape(title)}</title></g>')
    if today < hi:
        tx = x(today)
        out.append(f'<line x1="{tx:.1f}" y1="{TOP - 8}" x2="{tx:.1f}" y2="{height - 20}" stroke="#2563eb" '
                   f'stroke-dasharray="4 3"/><text x="{tx - 30:.1f}" y="{height - 6}" font-size="11" '
                   f'fill="#2563eb">today</text>')
    out.append("</svg>")
    return "".join(out)
