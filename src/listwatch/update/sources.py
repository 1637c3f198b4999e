"""The official publication points of the lists ``listwatch update`` keeps current.

Each source is a base URL and the files fetched under it by their official names; the first file
is the *main* file, whose conditional request (ETag / Last-Modified) decides whether the source
changed at all, so an unchanged list costs one small request. Companion files (aliases,
addresses, comment overflow) are fetched only when the main file changed; a missing companion
(404 on a mirror) is left out and said so, since the parser reads the main file without it.

Publishers (checked 2026-11):

* OFAC legacy CSV files: ``https://www.treasury.gov/ofac/downloads/`` (``sdn.csv``, ``alt.csv``,
  ``add.csv``, ``sdn_comments.csv``) and ``.../downloads/consolidated/`` (``cons_prim.csv`` and
  companions). OFAC's FAQ 1641 "Information on List File Formats and Downloads" describes them;
  these URLs redirect to the Sanctions List Service
  (``https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/``).
* trade.gov Consolidated Screening List:
  ``https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv``.
* BIS Denied Persons List: ``https://www.bis.doc.gov/dpl/dpl.txt`` (BIS moved its site to bis.gov;
  if this URL stops serving the tab-separated file, the parser refuses the page and ``--from
  bis-dpl=URL`` names the new place).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SOURCES", "UpdateSource"]


@dataclass(frozen=True)
class UpdateSource:
    id: str
    title: str
    fmt: str  # an ingest format (listwatch.ingest.FORMATS)
    base_url: str  # ends in "/"
    files: tuple[str, ...]  # official names; files[0] is the main file
    companions_optional: bool = True

    @property
    def main(self) -> str:
        return self.files[0]

    def url(self, name: str, base: str | None = None) -> str:
        root = base or self.base_url
        return root + name if root.endswith("/") else f"{root}/{name}"


SOURCES: dict[str, UpdateSource] = {s.id: s for s in (
    UpdateSource("ofac-sdn", "OFAC Specially Designated Nationals (SDN) list", "ofac-csv",
                 "https://www.treasury.gov/ofac/downloads/", ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")),
    UpdateSource("ofac-cons", "OFAC consolidated non-SDN list", "ofac-csv",
                 "https://www.treasury.gov/ofac/downloads/consolidated/",
                 ("cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv")),
    UpdateSource("csl", "trade.gov Consolidated Screening List", "csl",
                 "https://data.trade.gov/downloadable_consolidated_screening_list/v1/", ("consolidated.csv",)),
    UpdateSource("bis-dpl", "BIS Denied Persons List", "bis-dpl", "https://www.bis.doc.gov/dpl/", ("dpl.txt",)),
)}
