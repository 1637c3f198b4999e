"""Reversible ingests: an earlier version can come back (A -> B -> A) and an operator can roll back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from listwatch.ingest import ingest
from listwatch.ingest.rollback import rollback
from listwatch.status import members
from listwatch.store.db import Store
from tests.conftest import Cli, Templates
from tests.test_guard import _cons, _csl

T0 = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
LATER = dt.date(2027, 1, 1)  # a legal day after every recorded change


def _state(store: Store, known_at: dt.datetime | None = None) -> dict[str, set[tuple[str, str]]]:
    """Who is on each ingested consolidated list, with the name they are listed as."""
    lists = [x.id for x in store.lists() if x.id.startswith("us-ofac-")]
    return {lid: {(m.entity.id, m.entity.name) for m in members(store, lid, LATER, known_at)} for lid in lists}


def test_a_b_a_and_rollback_bring_the_store_back_to_a(fresh_store: Store, shared: Path, tmp_path: Path) -> None:
    a, b = _cons(shared, tmp_path), _cons(shared, tmp_path, keep=0.97)
    [va] = ingest(fresh_store, "ofac-csv", [a], now=T0, as_of=dt.date(2026, 11, 24))
    state_a = _state(fresh_store)
    [vb] = ingest(fresh_store, "ofac-csv", [b], now=T0 + dt.timedelta(hours=1), as_of=dt.date(2026, 11, 25))
    state_b = _state(fresh_store)
    assert vb.removed == 13 and state_b != state_a
    # the same files again: was "UNIQUE constraint failed: events.key"
    [again] = ingest(fresh_store, "ofac-csv", [a], now=T0 + dt.timedelta(hours=2), as_of=dt.date(2026, 11, 26))
    assert (again.added, again.removed) == (13, 0)
    assert _state(fresh_store) == state_a
    # the operator's rollback needs no files: back to B, then to A
    assert va.version is not None and vb.version is not None
    to_b = rollback(fresh_store, "ofac-cons", vb.version, dt.date(2026, 11, 27), T0 + dt.timedelta(hours=3))
    assert (to_b.added, to_b.removed) == (0, 13) and _state(fresh_store) == state_b
    to_a = rollback(fresh_store, "ofac-cons", va.version, dt.date(2026, 11, 28), T0 + dt.timedelta(hours=4))
    assert (to_a.added, to_a.removed) == (13, 0) and _state(fresh_store) == state_a
    # replay: what was known between B and the re-ingest is still B
    assert _state(fresh_store, T0 + dt.timedelta(minutes=90)) == state_b


def test_cli_rollback_names_the_version_and_refuses_unknown_ones(tmp_path: Path, templates: Templates) -> None:
    cli = Cli(templates.home(tmp_path))  # a store of its own: the session store stays as seeded for other tests
    a, b = _csl(tmp_path, 40, "rb-a.csv"), _csl(tmp_path, 39, "rb-b.csv")
    cli.json("ingest", "csl", str(a))
    second = cli.json("ingest", "csl", str(b))["results"][0]
    # A -> B -> A on one day: the same events again used to fail with "UNIQUE constraint failed: events.key"
    again = cli.json("ingest", "csl", str(a))["results"][0]
    assert again["added"] == 1 and again["removed"] == 0
    back = cli.json("ingest", "rollback", "csl", "--to", str(second["version"]))["results"][0]
    assert back["added"] == 0 and back["removed"] == 1
    bad = cli("ingest", "rollback", "csl", "--to", "999999")
    assert bad.exit_code == 2 and "error: csl has no version 999999" in bad.stderr
    assert cli("ingest", "rollback", "csl").exit_code == 2
