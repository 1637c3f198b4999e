"""Batch screening gives, row by row, the answers of single screen() calls, on one or more processes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from listwatch import batch
from listwatch.batch import Row, screen_rows
from listwatch.screen import ScreenFilter, screen
from listwatch.store.db import Store
from tests.conftest import D

QUERIES = ["XIAOMI CORP-CLASS B", "Hikvision", "hangzhou hikvision digital tech co ltd", "小米集团", "KYG9830T1067",
           "Semiconductor Manufacturing International", "Huawei Technologies Co., Ltd.", "China Mobile", "Comac", "DJI",
           "Nothing Like Any Listed Name Ltd", "Luokung Tech"]
DAY = D("2021-02-01")
REPLAY = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)  # as known then (the bundled data was recorded that day)


def _rows() -> Iterator[Row]:
    for n, q in enumerate(QUERIES, start=1):
        yield Row(n, q)
    yield Row(len(QUERIES) + 1, "", "row 13: empty 'name'")


def _expected(store: Store, filters: ScreenFilter | None,
              known_at: dt.datetime | None = None) -> list[dict[str, object]]:
    out: list[dict[str, object]] = [
        {"row": n, "query": q, "results": [h.as_json() for h in screen(q, DAY, limit=5, store=store, known_at=known_at,
                                                                        filters=filters)]}
        for n, q in enumerate(QUERIES, start=1)]
    return [*out, {"row": len(QUERIES) + 1, "query": "", "error": "row 13: empty 'name'"}]


@pytest.mark.parametrize(("workers", "filters", "known_at"), [
    (1, None, None), (2, None, None), (2, ScreenFilter(countries=("CN",)), None), (2, None, REPLAY)])
def test_batch_rows_are_the_answers_of_screen_on_any_number_of_processes(
        store: Store, monkeypatch: pytest.MonkeyPatch, workers: int, filters: ScreenFilter | None,
        known_at: dt.datetime | None) -> None:
    monkeypatch.setattr(batch, "CHUNK", 5)  # several chunks, so rows are spread over the workers
    url = store.engine.url.render_as_string(hide_password=False)
    got = list(screen_rows(_rows(), DAY, limit=5, workers=workers, url=url, known_at=known_at, filters=filters))
    assert got == _expected(store, filters, known_at)
    assert any(r.get("results") for r in got)


def test_spawned_workers_give_the_same_answers_as_forked_ones(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where workers cannot be forked (not Linux, or other threads running) they are spawned and map the file."""
    if store.engine.dialect.name != "sqlite":
        pytest.skip("the start method does not depend on the database; one backend is enough")
    monkeypatch.setattr(batch, "_forkable", lambda: False)
    url = store.engine.url.render_as_string(hide_password=False)
    assert list(screen_rows(_rows(), DAY, limit=5, workers=2, url=url)) == _expected(store, None)


def test_a_row_that_cannot_be_searched_gets_its_error_and_the_rows_around_it_their_answers(store: Store) -> None:
    """The searchable rows of a chunk are searched together: one too long, or a threshold out of range, in
    between changes no other row's answer."""
    rows = [Row(1, "Hikvision"), Row(2, "x" * 501), Row(3, "小米集团")]
    got = list(screen_rows(iter(rows), DAY, limit=5, workers=1, url=store.engine.url.render_as_string(
        hide_password=False)))
    assert got[1] == {"row": 2, "query": "x" * 501, "error": "row 2: query of 501 characters is over the "
                                                             "500-character limit"}
    for r in (got[0], got[2]):
        assert r["results"] == [h.as_json() for h in screen(str(r["query"]), DAY, limit=5, store=store)]
    assert got[0]["results"] and got[2]["results"]
    bad = list(screen_rows(iter(rows[:1]), DAY, threshold=2.0, limit=5, workers=1, url=store.engine.url.render_as_string(
        hide_password=False)))
    assert bad == [{"row": 1, "query": "Hikvision", "error": "row 1: threshold 2.0 is outside [0, 1]"}]
