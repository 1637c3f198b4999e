"""`listwatch update` against a real HTTP server on loopback serving the official files of ../shared/data/real/."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from listwatch.api.app import create_app
from listwatch.cli import app
from listwatch.store import schema as t
from listwatch.store.db import Store, open_store
from listwatch.update import Fetcher, UpdateError, parse_from, parse_interval, update
from tests.conftest import Templates
from tests.loopback import Server, serving

FAST = Fetcher(timeout=2.0, retries=1, backoff=0.0)  # no sleeping between retries in tests


def _read(p: Path) -> bytes:
    return gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()


def _serve_sdn(srv: Server, folder: Path, modified: str) -> None:
    for name in ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"):
        srv.b.files.pop(f"/ofac/{name}", None)
        for cand in (folder / name, folder / f"{name}.gz"):
            if cand.exists():
                srv.b.files[f"/ofac/{name}"] = _read(cand)
    srv.b.modified["/ofac/sdn.csv"] = modified


def _counts(store: Store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(t.source_versions)).scalar_one(),
                conn.execute(select(func.count()).select_from(t.events)).scalar_one())


@pytest.fixture(scope="module")
def world(shared: Path, tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Iterator[dict[str, Any]]:
    """A server with SDN 2021-07-07, consolidated 2025-12-19, CSL 2022-05-16 and DPL 2023-11-30, and a
    store (no snapshots) after its first update."""
    real = shared / "data" / "real"
    with serving() as srv:
        _serve_sdn(srv, real / "ofac-sdn-csv/2021-07-07", "Wed, 07 Jul 2021 14:00:00 GMT")
        for name in ("cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv"):
            srv.b.files[f"/cons/{name}"] = _read(real / "ofac-cons-csv/2025-12-19" / name)
        srv.b.files["/csl/consolidated.csv"] = _read(real / "csl/2022-05-16/consolidated.csv.gz")
        srv.b.files["/dpl/dpl.txt"] = _read(real / "bis-dpl/2023-11-30/dpl.txt")
        srv.b.modified |= {"/cons/cons_prim.csv": "Fri, 19 Dec 2025 15:00:00 GMT",
                           "/csl/consolidated.csv": "Mon, 16 May 2022 12:00:00 GMT",
                           "/dpl/dpl.txt": "Thu, 30 Nov 2023 12:00:00 GMT"}
        bases = {"ofac-sdn": f"{srv.url}/ofac/", "ofac-cons": f"{srv.url}/cons/", "csl": f"{srv.url}/csl/",
                 "bis-dpl": f"{srv.url}/dpl"}
        url = templates.copy("sqlite", tmp_path_factory.mktemp("update"), "lw")  # seeded, no snapshots (conftest)
        store = open_store(url, snapshots=False)
        first = update(store, bases=bases, fetcher=FAST, rebuild=False)
        yield {"srv": srv, "store": store, "bases": bases, "first": first, "url": url, "real": real}


def test_first_update_applies_every_source_through_the_ingest_path(world: dict[str, Any]) -> None:
    first = {o.source: o for o in world["first"]}
    assert [o.outcome for o in first.values()] == ["updated"] * 4, [o.error for o in first.values()]
    assert first["ofac-sdn"].added == 8976 and first["ofac-cons"].records == 442
    assert first["csl"].records > 14000 and first["bis-dpl"].records > 600
    assert first["ofac-sdn"].requests == 4  # the main file and its three companions
    page = TestClient(create_app(world["url"])).get("/lists").text  # the web face says how fresh each list is
    assert "Data as of" in page and "2021-07-07 <span" in page and "(ofac-sdn)" in page


def test_unchanged_second_update_costs_one_conditional_request_per_source_and_writes_nothing(
        world: dict[str, Any]) -> None:
    srv, store = world["srv"], world["store"]
    srv.requests()
    before = _counts(store)
    again = update(store, bases=world["bases"], fetcher=FAST)
    assert [o.outcome for o in again] == ["unchanged"] * 4
    log = srv.requests()
    assert len(log) == 4 and all(inm and status == 304 for _, inm, _, status in log), log
    assert _counts(store) == before


def test_a_body_cut_short_is_refused_and_the_old_data_kept(world: dict[str, Any]) -> None:
    srv, store = world["srv"], world["store"]
    _serve_sdn(srv, world["real"] / "ofac-sdn-csv/2024-05-03", "Fri, 03 May 2024 18:43:23 GMT")
    srv.b.truncate.add("/ofac/sdn.csv")
    before = _counts(store)
    try:
        (sdn,) = update(store, only=["ofac-sdn"], bases=world["bases"], fetcher=FAST)
    finally:
        srv.b.truncate.clear()
    assert sdn.outcome == "failed" and "/ofac/sdn.csv" in (sdn.error or "")
    assert sdn.requests == 2  # retried once
    assert _counts(store) == before


def test_a_server_error_fails_that_source_exit_1_and_the_others_still_update(world: dict[str, Any]) -> None:
    srv = world["srv"]
    srv.b.fail.add("/ofac/sdn.csv")
    args = [a for s, u in world["bases"].items() for a in ("--from", f"{s}={u}")]
    env = {"LISTWATCH_DATABASE_URL": world["url"], "COLUMNS": "200"}
    try:
        res = CliRunner().invoke(app, ["update", *args, "--retries", "0", "--json"], env=env)
    finally:
        srv.b.fail.clear()
    assert res.exit_code == 1, res.output
    got = {r["source"]: r for r in json.loads(res.stdout)["results"]}
    assert got["ofac-sdn"]["outcome"] == "failed" and "HTTP 500" in got["ofac-sdn"]["error"]
    assert {got[s]["outcome"] for s in ("ofac-cons", "csl", "bis-dpl")} == {"unchanged"}
    ready = TestClient(create_app(world["url"])).get("/readyz").json()
    sdn = next(s for s in ready["sources"] if s["source"] == "ofac-sdn")
    assert "HTTP 500" in sdn["error"] and sdn["last_attempt"] > sdn["last_success"]


def test_a_stalled_server_times_out(world: dict[str, Any]) -> None:
    srv = world["srv"]
    srv.b.stall.add("/dpl/dpl.txt")
    srv.b.release.clear()
    try:
        (dpl,) = update(world["store"], only=["bis-dpl"], bases=world["bases"],
                        fetcher=Fetcher(timeout=0.3, retries=0))
    finally:
        srv.b.release.set()
        srv.b.stall.clear()
    assert dpl.outcome == "failed" and "timed out" in (dpl.error or "")


def test_newer_sdn_version_needs_allow_shrink_then_applies_with_change_events_and_the_catalog_says_so(world: dict[str, Any]) -> None:
    store = world["store"]
    _, events_before = _counts(store)
    (refused,) = update(store, only=["ofac-sdn"], bases=world["bases"], fetcher=FAST)
    assert refused.outcome == "failed" and "would remove 881 of the 8,976" in (refused.error or "")
    assert _counts(store)[1] == events_before  # the shrink guard, on the update path too
    (sdn,) = update(store, only=["ofac-sdn"], bases=world["bases"], fetcher=FAST, allow_shrink=True)
    assert sdn.outcome == "updated", sdn.error
    assert sdn.records == 14965 and sdn.added > 5000 and sdn.removed > 0
    assert any("alt.csv not published" in n for n in sdn.notes)
    with store.engine.connect() as conn:
        types = dict(conn.execute(select(t.events.c.type, func.count()).where(t.events.c.origin == "ingest:ofac-sdn")
                                  .group_by(t.events.c.type)).all())
        as_of = conn.execute(select(t.source_versions.c.as_of).where(t.source_versions.c.id == sdn.version)
                             ).scalar_one()
    assert types["listed"] >= 8976 + sdn.added and types["delisted"] >= sdn.removed
    assert _counts(store)[1] > events_before
    assert str(as_of) == "2024-05-03"  # the file's Last-Modified day, US Eastern
    cat = TestClient(create_app(world["url"])).get("/catalog").json()
    sdn_list = next(x for x in cat["datasets"] if x["name"] == "us-ofac-sdn")
    assert sdn_list["data_as_of"] == "2024-05-03"
    row = next(s for s in cat["sources"] if s["source"] == "ofac-sdn")
    assert row["version"] == sdn.version and row["error"] is None and row["last_change"] == row["last_success"]


def test_serve_update_every_updates_in_the_background_and_readyz_reports_it(world: dict[str, Any],
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    srv = world["srv"]
    monkeypatch.setenv("LISTWATCH_UPDATE_EVERY", "6h")
    monkeypatch.setenv("LISTWATCH_UPDATE_FROM", ",".join(f"{s}={u}" for s, u in world["bases"].items()))
    srv.requests()
    with TestClient(create_app(world["url"])) as client:
        scheduler = client.app.state.scheduler  # type: ignore[attr-defined]
        assert scheduler.ran.wait(60)
        ready = client.get("/readyz").json()
    assert {p for p, *_ in srv.requests()} == {"/ofac/sdn.csv", "/cons/cons_prim.csv", "/csl/consolidated.csv",
                                                "/dpl/dpl.txt"}
    assert all(s["last_success"] and s["error"] is None for s in ready["sources"])


def test_bad_arguments_are_refused_with_the_reason() -> None:
    assert parse_from(["csl=http://127.0.0.1:9/x/"]) == {"csl": "http://127.0.0.1:9/x/"}
    for bad in ("csl", "nope=http://x/", "csl=ftp://x/"):
        with pytest.raises(UpdateError):
            parse_from([bad])
    assert parse_interval("6h") == 21600 and parse_interval("30m") == 1800
    for bad in ("6", "10s", "h"):
        with pytest.raises(ValueError, match="interval"):
            parse_interval(bad)
    res = CliRunner().invoke(app, ["update", "--only", "nope"], env={"LISTWATCH_DATABASE_URL": "sqlite://"})
    assert res.exit_code == 2 and "unknown source 'nope'" in res.output
