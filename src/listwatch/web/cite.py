"""What makes a page citable: sources as links, tables as CSV/JSON downloads, and when the data is from.

``linkify`` turns the citations listwatch prints into links an analyst can follow: bare URLs, Federal
Register cites (``86 FR 4875`` -> the Federal Register's citation page), OFAC record ids
(``ofac-sdn:36`` -> OFAC's Sanctions List Search entry) and federal court docket numbers
(``1:21-cv-00280`` -> a CourtListener docket search). Everything else is escaped text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response
from markupsafe import Markup, escape

__all__ = ["download", "linkify"]

_PATTERN = re.compile(
    r"(?P<url>https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:])"
    r"|(?P<fr>\b(?P<vol>\d{1,3}) FR (?P<page>\d{1,6})\b)"
    r"|(?P<ofac>\bofac-(?:sdn|cons):(?P<ent>\d+)\b)"
    r"|(?P<docket>\b(?P<dk>\d:\d{2}-cv-\d{3,5})(?:-[A-Z]{2,4})?\b)")


def _link(m: re.Match[str]) -> str:
    text = m.group(0)
    if m.group("url"):
        href = text
    elif m.group("fr"):
        href = f"https://www.federalregister.gov/citation/{m.group('vol')}-FR-{m.group('page')}"
    elif m.group("ofac"):
        href = f"https://sanctionssearch.ofac.treas.gov/Details.aspx?id={m.group('ent')}"
    else:
        href = f"https://www.courtlistener.com/?type=r&q=docketNumber%3A%22{quote(m.group('dk'))}%22"
    return f'<a href="{escape(href)}" rel="noopener external">{escape(text)}</a>'


def linkify(text: object) -> Markup:
    """Escaped ``text`` with its URLs, FR cites, OFAC record ids and docket numbers as links."""
    s = "" if text is None else str(text)
    out, pos = [], 0
    for m in _PATTERN.finditer(s):
        out.append(str(escape(s[pos:m.start()])))
        out.append(_link(m))
        pos = m.end()
    out.append(str(escape(s[pos:])))
    return Markup("".join(out))  # noqa: S704 - every piece above is escaped text or a link built from escaped parts


def _flat(v: Any) -> Any:
    if isinstance(v, dict):
        return v.get("id") or v.get("name") or json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return ";".join(str(_flat(x)) for x in v)
    return "" if v is None else v


def download(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str, name: str,
             meta: dict[str, Any] | None = None) -> Response:
    """A table as a file: ``csv`` (the columns, nested values flattened) or ``json`` (the rows as they are,
    with ``meta`` such as the evidence record)."""
    if fmt == "json":
        body = json.dumps({**(meta or {}), "rows": list(rows)}, ensure_ascii=False, indent=2)
        return Response(body, media_type="application/json",
                        headers={"content-disposition": f'attachment; filename="{name}.json"'})
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for r in rows:
        w.writerow([_flat(r.get(c)) for c in columns])
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"content-disposition": f'attachment; filename="{name}.csv"'})
