"""``bulk`` (the writer's executemany) stores exactly what SQLAlchemy's own executemany stores, on every backend."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import JSON, Boolean, Column, Date, Integer, MetaData, String, Table, insert, select

from listwatch.store.db import _make_engine
from listwatch.store.schema import UTCDateTime
from listwatch.store.writer import bulk
from tests.conftest import BACKENDS, database

_meta = MetaData()
_table = Table("bulk_probe", _meta, Column("id", Integer, primary_key=True), Column("at", UTCDateTime),
               Column("day", Date), Column("data", JSON), Column("flag", Boolean), Column("label", String(20)))


def _rows(first: int) -> list[dict[str, object]]:
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    later = dt.datetime(2026, 1, 2, 5, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # the same instant
    days = [dt.date(2021, 7, 7), dt.date(2022, 5, 16), None]
    data = [["a", "b"], {"k": ["v"]}, None, [], ["a", "b"]]
    return [{"id": first + i, "at": [now, later, None][i % 3], "day": days[i % 3], "data": data[i % 5],
             "flag": i % 2 == 0, "label": ["x", None, "é"][i % 3]} for i in range(12)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_bulk_stores_what_executemany_stores(backend: str, tmp_path: Path) -> None:
    """Repeated values (converted once each), values equal but printed differently (two offsets of one instant),
    NULLs, JSON lists and objects (unhashable: converted one by one) and JSON null."""
    engine = _make_engine(database(backend, tmp_path, "bulk"))
    _meta.create_all(engine)
    with engine.begin() as conn:
        bulk(conn, insert(_table), _rows(0))
        conn.execute(insert(_table), _rows(100))
        got = [r[1:] for r in conn.execute(select(_table).where(_table.c.id < 100).order_by(_table.c.id))]
        want = [r[1:] for r in conn.execute(select(_table).where(_table.c.id >= 100).order_by(_table.c.id))]
        assert got == want and len(got) == 12
        if backend == "sqlite":  # the stored text itself, not only what reads back
            raw = "SELECT at, day, data, flag, label FROM bulk_probe WHERE id {} ORDER BY id"
            assert conn.exec_driver_sql(raw.format("< 100")).all() == conn.exec_driver_sql(raw.format(">= 100")).all()
    engine.dispose()
