"""The shrink guard: empty, header-only, truncated or much smaller list files never delist a list."""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from listwatch.ingest import IngestError, ShrinkRefused, ingest, read_source
from listwatch.ingest.guard import check_shrink
from listwatch.store import schema as t
from listwatch.store.db import Store
from tests.conftest import Cli, Templates

T0 = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
CSL_HEADER = b"_id,source,name,type,alt_names,start_date,federal_register_notice,ids\n"


def _cons(shared: Path, tmp: Path, keep: float = 1.0, mark: bool = True) -> Path:
    """The real OFAC consolidated CSV files, with only the first ``keep`` share of cons_prim.csv rows."""
    src = shared / "data/real/ofac-cons-csv/2025-12-19"
    dst = tmp / f"cons-{keep}-{mark}"
    shutil.copytree(src, dst)
    lines = (src / "cons_prim.csv").read_bytes().rstrip(b"\x1a").split(b"\r\n")[:-1]
    body = b"".join(line + b"\r\n" for line in lines[: round(len(lines) * keep)])
    (dst / "cons_prim.csv").write_bytes(body + (b"\x1a" if mark else b""))
    return dst


def _counts(store: Store) -> tuple[int, int, int]:
    with store.engine.connect() as conn:
        return (conn.exec_driver_sql("select count(*) from events").scalar_one(),
                conn.exec_driver_sql("select count(*) from source_versions").scalar_one(),
                conn.exec_driver_sql("select count(*) from source_records where present").scalar_one())


def _csl(tmp: Path, n: int, name: str = "csl.csv") -> Path:
    rows = b"".join(b"%d,Entity List (EL) - Bureau of Industry and Security,Acme %d Ltd,Entity,,2021-01-14,,\n"
                    % (i, i) for i in range(n))
    f = tmp / name
    f.write_bytes(CSL_HEADER + rows)
    return f


def test_shrink_guard_on_a_real_list_empty_header_only_truncated_and_10_percent_smaller(
        fresh_store: Store, shared: Path, tmp_path: Path) -> None:
    """One store per backend walks every case, so the suite pays for one fresh store each."""
    [first] = ingest(fresh_store, "ofac-csv", [_cons(shared, tmp_path)], now=T0)
    assert first.added == 442
    before = _counts(fresh_store)
    # 10% smaller: refused with counts and the file named, nothing changed
    smaller = _cons(shared, tmp_path, keep=0.9)
    with pytest.raises(ShrinkRefused, match=r"cons_prim\.csv.* would remove 44 of the 442 ofac-cons records") as err:
        ingest(fresh_store, "ofac-csv", [smaller], now=T0 + dt.timedelta(hours=1))
    assert (err.value.held, err.value.removed, err.value.incoming) == (442, 44, 398)
    assert "--allow-shrink" in str(err.value)
    assert _counts(fresh_store) == before
    # cut at a line boundary (only the Ctrl-Z mark missing) or empty: refused even when shrinking is allowed
    cut = _cons(shared, tmp_path, keep=0.5, mark=False)
    with pytest.raises(IngestError, match=r"cons_prim\.csv: line 221: .*end-of-file mark.*truncated"):
        ingest(fresh_store, "ofac-csv", [cut], allow_shrink=True)
    (cut / "cons_prim.csv").write_bytes(b"")
    with pytest.raises(IngestError, match=r"cons_prim\.csv: the file is empty"):
        ingest(fresh_store, "ofac-csv", [cut], allow_shrink=True)
    assert _counts(fresh_store) == before
    # a drop under the limit goes through; an allowed shrink is logged in the version record
    [res] = ingest(fresh_store, "ofac-csv", [_cons(shared, tmp_path, keep=0.97)], now=T0 + dt.timedelta(hours=2))
    assert res.removed == 13
    [res] = ingest(fresh_store, "ofac-csv", [smaller], now=T0 + dt.timedelta(hours=3), allow_shrink=True)
    assert res.removed == 31
    with fresh_store.engine.connect() as conn:
        notes = list(conn.execute(select(t.source_versions.c.override).order_by(t.source_versions.c.id)).scalars())
    assert notes[:2] == [None, None] and "31 of 429 records removed" in (notes[2] or "")
    # header-only CSL
    ingest(fresh_store, "csl", [_csl(tmp_path, 30)], now=T0)
    before = _counts(fresh_store)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(CSL_HEADER)
    with pytest.raises(ShrinkRefused, match=r"empty\.csv holds no csl records \(the store holds 30\)"):
        ingest(fresh_store, "csl", [empty])
    assert _counts(fresh_store) == before


def test_csl_row_cut_mid_line_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "cut.csv"
    f.write_bytes(_csl(tmp_path, 3).read_bytes() + b"99,Entity List (EL) - Bureau of Industry and Security,Acm")
    with pytest.raises(IngestError, match=r"cut\.csv: line 5: 3 fields, expected 8"):
        read_source("csl", [f])


def test_truncated_gzip_says_so_and_names_the_file(tmp_path: Path) -> None:
    whole = gzip.compress(_csl(tmp_path, 200).read_bytes())
    f = tmp_path / "csl.csv.gz"
    f.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(IngestError, match=r"csl\.csv\.gz: the gzip stream ends early: the file is truncated"):
        read_source("csl", [f])


def test_cli_refuses_with_one_line_and_allow_shrink_passes(tmp_path: Path, templates: Templates) -> None:
    cli = Cli(templates.home(tmp_path))  # a store of its own: the session store stays as seeded for other tests
    big, small = _csl(tmp_path, 40, "big.csv"), _csl(tmp_path, 20, "small.csv")
    assert cli("ingest", "csl", str(big)).exit_code == 0
    refused = cli("ingest", "csl", str(small))
    assert refused.exit_code == 2
    assert "error: small.csv would remove 20 of the 40 csl records held (50.0%" in refused.stderr
    assert "Traceback" not in refused.output
    ok = cli.json("ingest", "csl", str(small), "--allow-shrink")
    assert ok["results"][0]["removed"] == 20


@pytest.mark.parametrize(("held", "removed", "incoming", "refused"), [
    (0, 0, 0, True), (100, 5, 95, False), (100, 6, 94, True), (100, 100, 0, True), (0, 0, 10, False),
])
def test_the_limit_is_a_share_of_what_the_store_holds(held: int, removed: int, incoming: int, refused: bool) -> None:
    if refused:
        with pytest.raises(ShrinkRefused):
            check_shrink("s", ["f"], held, removed, incoming, limit=0.05)
        assert check_shrink("s", ["f"], held, removed, incoming, allow=True, limit=0.05)
    else:
        assert check_shrink("s", ["f"], held, removed, incoming, limit=0.05) is None
