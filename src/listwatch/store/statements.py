"""Every statement the read side of the store runs (:class:`~listwatch.store.reader.Reader`), by name.

A statement is built here, once, with SQLAlchemy Core from the schema; the values it is run with are
bound parameters (``bindparam``), so one built statement serves every call. A builder takes only flags
that change the statement's shape (``known``: scoped to a record time; ``many``: a list of ids).

Two executors run them: :class:`~listwatch.store.db.Store` through SQLAlchemy (every backend), and, on
SQLite, :class:`~listwatch.store.fastread.SqliteReader` through the standard ``sqlite3`` module from the
statement's SQL as compiled here for SQLite (:func:`compile_sqlite`) and kept next to the database - a
command that only reads does not import SQLAlchemy (a quarter of a second at start-up).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, Boolean, Date, and_, bindparam, func, or_, select, true
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.selectable import Select
from sqlalchemy.types import DateTime, TypeEngine

from listwatch.store import schema as t

__all__ = ["BUILDERS", "compile_sqlite", "statement"]

Statement = Select[Any]
BUILDERS: dict[str, Callable[..., Statement]] = {}
BUNDLED = "bundled"  # the origin of events seeded from the bundled dataset (listwatch.store.seeding.BUNDLED)


def _builder(fn: Callable[..., Statement]) -> Callable[..., Statement]:
    BUILDERS[fn.__name__] = fn
    return fn


@functools.cache
def statement(name: str, flags: tuple[tuple[str, Any], ...] = ()) -> Statement:
    """The built statement ``name`` for these flags (built once per process)."""
    return BUILDERS[name](**dict(flags))


def visible(table: Any, known: bool) -> Any:
    """A time-aware fact table's rows in force now (``known`` False) or at the bound ``known_at``: first
    seen by then (NULL: stored before times were kept) and not withdrawn by then."""
    c = table.c
    if not known:
        return c.retracted_at.is_(None)
    at: Any = bindparam("known_at")
    return and_(or_(c.first_seen.is_(None), c.first_seen <= at), or_(c.retracted_at.is_(None), c.retracted_at > at))


# -- opening ------------------------------------------------------------------------------------------
@_builder
def dataset_digest() -> Statement:
    return select(t.dataset_versions.c.digest).order_by(t.dataset_versions.c.id.desc()).limit(1)


@_builder
def ingested_sources() -> Statement:
    return select(t.source_versions.c.source).distinct()


@_builder
def data_version() -> Statement:
    """The data version row, which every write of the data bumps (:meth:`Reader.data_version`)."""
    return select(t.data_version.c.serial, t.data_version.c.token).where(t.data_version.c.id == 1)


@_builder
def first_facts() -> Statement:
    return select(func.min(t.names.c.first_seen))


@_builder
def facts_version(known: bool) -> Statement:
    cols = []
    for tbl in (t.names, t.identifiers):  # how many in force, and the sum of their ids
        cols += [select(func.count()).select_from(tbl).where(visible(tbl, known)).scalar_subquery(),
                 select(func.coalesce(func.sum(tbl.c.id), 0)).where(visible(tbl, known)).scalar_subquery()]
    return select(*cols, select(func.count()).select_from(t.entities).scalar_subquery())


# -- entities and names -------------------------------------------------------------------------------
def _among(column: Any, every: bool) -> Any:
    """``column`` among the bound ``ids`` (``every``: no condition, every row)."""
    return true() if every else column.in_(bindparam("ids", expanding=True))


@_builder
def entities_by_id(every: bool) -> Statement:
    return select(t.entities).where(_among(t.entities.c.id, every))


@_builder
def names_of(known: bool, every: bool) -> Statement:
    n = t.names.c  # only the columns an Entity holds (a row's times cost more to read than the rest)
    return (select(n.entity_id, n.name, n.sources, n.confidence, n.script, n.note,
                   visible(t.names, known).label("shown")).where(_among(n.entity_id, every)).order_by(n.id))


@_builder
def identifiers_of(known: bool, every: bool) -> Statement:
    return (select(t.identifiers).where(_among(t.identifiers.c.entity_id, every))
            .where(visible(t.identifiers, known)).order_by(t.identifiers.c.id))


@_builder
def entity_by_id() -> Statement:
    return select(t.entities.c.id).where(func.lower(t.entities.c.id) == bindparam("id"))


@_builder
def entities_by_identifier(known: bool, exchange: bool) -> Statement:
    q = (select(t.identifiers.c.entity_id).where(func.upper(t.identifiers.c.value) == bindparam("value"))
         .where(visible(t.identifiers, known)))
    return q.where(func.upper(t.identifiers.c.exchange) == bindparam("exchange")) if exchange else q


@_builder
def entities_by_name(known: bool) -> Statement:
    return select(t.names.c.entity_id).where(t.names.c.norm == bindparam("norm")).where(visible(t.names, known))


@_builder
def entity_ids(known: bool) -> Statement:
    n = t.names.c
    shown = select(n.entity_id).where(visible(t.names, known))
    return (select(t.entities.c.id).where(t.entities.c.id.in_(shown) | t.entities.c.id.not_in(select(n.entity_id)))
            .order_by(t.entities.c.id))


@_builder
def all_names(ever: bool) -> Statement:
    q = select(t.names.c.name, t.names.c.entity_id)
    return q if ever else q.where(visible(t.names, False))


# -- events, sources, lists ---------------------------------------------------------------------------
@_builder
def events(entity: str, list_wide: bool, by_list: bool, known: bool) -> Statement:
    """``entity``: "" (any), "one" (``entity_id``) or "many" (``entity_ids``)."""
    q = select(t.events)
    if entity:
        c = t.events.c.entity_id
        cond = c == bindparam("entity_id") if entity == "one" else c.in_(bindparam("entity_ids", expanding=True))
        q = q.where(cond | c.is_(None) if list_wide else cond)
    if by_list:
        q = q.where(t.events.c.list_id == bindparam("list_id"))
    if known:
        q = q.where(t.events.c.recorded_at <= bindparam("known_at"))
    return q.order_by(t.events.c.effective, t.events.c.id)


@_builder
def retracted_keys(known: bool) -> Statement:
    q = select(t.retractions.c.event_key)
    return q.where(t.retractions.c.recorded_at <= bindparam("known_at")) if known else q


@_builder
def sources_by_id() -> Statement:
    return select(t.sources).where(t.sources.c.id.in_(bindparam("ids", expanding=True)))


@_builder
def lists() -> Statement:
    return select(t.lists).order_by(t.lists.c.id)


@_builder
def entity_ids_on() -> Statement:
    return (select(t.events.c.entity_id).where(t.events.c.list_id == bindparam("list_id"))
            .where(t.events.c.entity_id.is_not(None)).distinct())


# -- versions and freshness ---------------------------------------------------------------------------
@_builder
def source_versions(known: bool) -> Statement:
    q = select(t.source_versions).order_by(t.source_versions.c.id)
    return q.where(t.source_versions.c.recorded_at <= bindparam("known_at")) if known else q


@_builder
def dataset_versions() -> Statement:
    return select(t.dataset_versions).order_by(t.dataset_versions.c.id)


@_builder
def first_bundled_event() -> Statement:
    return select(func.min(t.events.c.recorded_at)).where(t.events.c.origin == BUNDLED)


@_builder
def last_recorded(known: bool) -> Statement:
    """The newest record time of an event and of a retraction (at or before ``known_at``)."""
    def newest(col: Any) -> Any:
        q = select(func.max(col))
        return (q.where(col <= bindparam("known_at")) if known else q).scalar_subquery()

    return select(newest(t.events.c.recorded_at), newest(t.retractions.c.recorded_at))


@_builder
def list_feeds(known: bool) -> Statement:
    """Per list and origin, the newest record time of its events (:mod:`listwatch.freshness`).

    Found by seeks in the index on events (list_id, origin, recorded_at), not by a scan of the event log
    (a GROUP BY reads all of it: ~10 ms of every ``status`` with the real lists ingested): a recursive
    query takes each list's origins one after the other (the least origin greater than the last), then
    the newest record time of each pair - a few dozen seeks however long the log grows.
    """
    e = t.events.alias("e")

    def next_origin(list_id: Any, after: Any = None) -> Any:
        q = select(func.min(e.c.origin)).where(e.c.list_id == list_id)
        return (q if after is None else q.where(e.c.origin > after)).scalar_subquery()

    pairs = select(t.lists.c.id.label("list_id"), next_origin(t.lists.c.id).label("origin")).cte(
        "pairs", recursive=True)
    pairs = pairs.union_all(select(pairs.c.list_id, next_origin(pairs.c.list_id, pairs.c.origin))
                            .where(pairs.c.origin.is_not(None)))
    newest = select(func.max(e.c.recorded_at)).where(e.c.list_id == pairs.c.list_id, e.c.origin == pairs.c.origin)
    if known:
        newest = newest.where(e.c.recorded_at <= bindparam("known_at"))
    latest = newest.scalar_subquery()
    return select(pairs.c.list_id, pairs.c.origin, latest.label("newest")).where(
        pairs.c.origin.is_not(None), latest.is_not(None))


# -- compiling for sqlite3 ----------------------------------------------------------------------------
def _kind(type_: TypeEngine[Any]) -> str:
    """How a value of this type crosses between Python and SQLite (see ``listwatch.store.fastread``)."""
    if isinstance(type_, t.UTCDateTime):
        return "utc"
    if isinstance(type_, DateTime):
        raise TypeError(f"{type_!r}: only UTC timestamps (UTCDateTime) are read without SQLAlchemy")
    if isinstance(type_, Date):
        return "date"
    if isinstance(type_, JSON):
        return "json"
    if isinstance(type_, Boolean):
        return "bool"
    if type_._type_affinity is not None and type_._type_affinity.__name__ in ("LargeBinary", "Interval", "Numeric"):
        raise TypeError(f"{type_!r} is not read without SQLAlchemy")
    return "plain"


def compile_sqlite(name: str, flags: tuple[tuple[str, Any], ...] = ()) -> dict[str, Any]:
    """Statement ``name`` (for ``flags``) as SQLite SQL with named parameters, and how to convert each
    parameter and result column: what :class:`~listwatch.store.fastread.SqliteReader` runs."""
    compiled = statement(name, flags).compile(dialect=sqlite.dialect(paramstyle="named"))
    params = {}
    for key, bind in compiled.binds.items():
        if bind.callable is not None or not (bind.required or isinstance(bind.value, (str, int, float))):
            raise TypeError(f"{name}: parameter {key} is neither given at run time nor a constant")
        params[key] = {"kind": _kind(bind.type), "expanding": bool(bind.expanding), "given": bool(bind.required),
                       "value": None if bind.required else bind.value}
    columns = [[c.keyname, _kind(c.type)] for c in compiled._result_columns]
    return {"sql": compiled.string, "params": params, "columns": columns}
