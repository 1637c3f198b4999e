"""SQLAlchemy Core schema of the store. Alembic migrations in ``migrations/`` create it.

The event log (``events``) is append-only: a fact is never updated or deleted; a withdrawn
fact gets a row in ``retractions`` with the time listwatch learned of the withdrawal, so any
past state of knowledge can be replayed (``known_at``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.types import TypeDecorator

__all__ = ["UTCDateTime", "metadata"]


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is required")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


metadata = MetaData()


def _seen() -> list[Column[Any]]:
    """When listwatch first and last saw a fact, and when it withdrew it (the statement model of
    FollowTheMoney: a fact is kept, never rewritten). NULL first_seen: recorded before times were kept."""
    return [Column("first_seen", UTCDateTime), Column("last_seen", UTCDateTime), Column("retracted_at", UTCDateTime)]


sources = Table(
    "sources", metadata,
    Column("id", String(200), primary_key=True),
    Column("citation", Text, nullable=False),
    *_seen(),
)

lists = Table(
    "lists", metadata,
    Column("id", String(100), primary_key=True),
    Column("name", Text, nullable=False),
    Column("authority", Text, nullable=False),
    Column("maintainer", Text, nullable=False),
    Column("established", Date),  # unknown for lists first met in an ingested file
    Column("note", Text),
    Column("sources", JSON, nullable=False),
    *_seen(),
)

entities = Table(
    "entities", metadata,
    Column("id", String(200), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("country", String(10)),
    Column("parent_id", String(200), ForeignKey("entities.id", use_alter=True, name="fk_entities_parent")),
    Column("parent_sources", JSON, nullable=False),
    Column("note", Text),
)
Index("ix_entities_lower_id", func.lower(entities.c.id))  # an id given in any case (statements.entity_by_id)

names = Table(
    "names", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_id", String(200), ForeignKey("entities.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("norm", Text, nullable=False),
    Column("script", String(20)),
    Column("confidence", String(20), nullable=False),
    Column("sources", JSON, nullable=False),
    Column("note", Text),
    *_seen(),
    UniqueConstraint("entity_id", "name", name="uq_names_entity_name"),
)
Index("ix_names_norm", names.c.norm)

identifiers = Table(
    "identifiers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_id", String(200), ForeignKey("entities.id"), nullable=False),
    Column("scheme", String(40), nullable=False),
    Column("value", String(200), nullable=False),
    Column("exchange", String(40), nullable=False, default=""),
    Column("confidence", String(20), nullable=False),
    Column("sources", JSON, nullable=False),
    *_seen(),
    UniqueConstraint("entity_id", "scheme", "value", "exchange", name="uq_identifiers"),
)
Index("ix_identifiers_value", identifiers.c.value)

events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("origin", String(100), nullable=False),
    Column("entity_id", String(200), ForeignKey("entities.id")),
    Column("list_id", String(100), ForeignKey("lists.id"), nullable=False),
    Column("type", String(40), nullable=False),
    Column("effective", Date, nullable=False),
    # the change happened on some day in [window_start, effective]: days before ``effective`` from
    # ``window_start`` on are unknown (a file that prints no date; the day before a snapshot showed it)
    Column("window_start", Date),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("confidence", String(20), nullable=False),
    Column("sources", JSON, nullable=False),
    Column("listed_as", Text),
    Column("by", String(100)),
    Column("note", Text),
)
Index("ix_events_entity", events.c.entity_id)
Index("ix_events_list", events.c.list_id, events.c.effective)
Index("ix_events_list_origin_recorded", events.c.list_id, events.c.origin, events.c.recorded_at)  # freshness.py

retractions = Table(
    "retractions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_key", String(64), ForeignKey("events.key"), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
)

dataset_versions = Table(
    "dataset_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False),
    Column("seeded_at", UTCDateTime, nullable=False),
    Column("events_added", Integer, nullable=False),
    Column("events_retracted", Integer, nullable=False),
)

source_versions = Table(
    "source_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),  # ofac-sdn, ofac-cons, csl, ftm:<dataset>
    Column("content_hash", String(64), nullable=False),
    Column("files", JSON, nullable=False),  # [{"name", "bytes", "mtime"}]
    Column("as_of", Date),  # the list's own date for this version, when known
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("records", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("amended", Integer, nullable=False),
    Column("override", Text),  # why the shrink guard was overridden (--allow-shrink), else None
)
Index("ix_source_versions_source", source_versions.c.source, source_versions.c.id)

source_snapshots = Table(
    "source_snapshots", metadata,  # the records of each version, so it can be re-applied (rollback)
    Column("version_id", Integer, ForeignKey("source_versions.id"), primary_key=True),
    Column("records", LargeBinary, nullable=False),  # gzip-compressed JSON list of records
)

source_records = Table(
    "source_records", metadata,
    Column("source_id", String(200), primary_key=True),  # ofac-sdn:36, csl:<_id>
    Column("source", String(100), nullable=False),
    Column("entity_id", String(200), ForeignKey("entities.id"), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("list_ids", JSON, nullable=False),
    Column("present", Boolean, nullable=False),
    Column("last_version", Integer, ForeignKey("source_versions.id"), nullable=False),
    Column("aliases", JSON),  # as last printed; NULL: stored before they were kept
    Column("identifiers", JSON),  # labels, as last printed
    Column("same_as", JSON),  # ids of the same record in another source (a CSL row's OFAC ent_num)
    Column("properties", JSON),  # FollowTheMoney properties as last printed (birthDate, imoNumber...); NULL: none kept
    Column("first_seen", UTCDateTime),
    Column("last_seen", UTCDateTime),
    Column("joined_by", Text),  # why the record was put under an entity that already existed; NULL: it founded its own
)
Index("ix_source_records_source", source_records.c.source)
Index("ix_source_records_entity", source_records.c.entity_id)

entity_links = Table(
    "entity_links", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_a", String(200), ForeignKey("entities.id"), nullable=False),
    Column("entity_b", String(200), ForeignKey("entities.id"), nullable=False),
    Column("kind", String(40), nullable=False),  # possible_same
    Column("reason", Text, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    UniqueConstraint("entity_a", "entity_b", "kind", name="uq_entity_links"),
)

webhooks = Table(
    "webhooks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    Column("list_id", String(100)),  # None: every list
    Column("secret", String(100), nullable=False),  # HMAC key; must be kept in clear to sign
    Column("created_at", UTCDateTime, nullable=False),
    Column("active", Boolean, nullable=False),
)

deliveries = Table(
    "webhook_deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("webhook_id", Integer, ForeignKey("webhooks.id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("events", Integer, nullable=False),
    Column("status", Integer),  # HTTP status, None when the request failed
    Column("error", Text),
    Column("body_sha256", String(64), nullable=False),
    Column("delivery_id", String(32)),  # the outbox entry attempted (None: logged before the outbox)
)

outbox = Table(
    "webhook_outbox", metadata,  # deliveries to send, queued in the transaction of the change (webhooks.py)
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", String(32), nullable=False, unique=True),  # X-Listwatch-Delivery, the same on each try
    Column("webhook_id", Integer, ForeignKey("webhooks.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("events", JSON, nullable=False),  # keys of the events recorded by the change
    Column("retracted", JSON, nullable=False),  # keys of the events it withdrew
    Column("body", Text),  # the signed JSON, built on the first attempt and then sent unchanged
    Column("state", String(10), nullable=False),  # pending, delivered, failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text),
    Column("delivered_at", UTCDateTime),
)
Index("ix_webhook_outbox_due", outbox.c.state, outbox.c.next_attempt_at)

data_version = Table(
    "data_version", metadata,  # one row (id 1): bumped by every write of the data (Store.writer, migrate)
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("serial", BigInteger, nullable=False),  # how many changes so far
    Column("token", String(32), nullable=False),  # random on each change: a version is never reused
)

source_updates = Table(
    "source_updates", metadata,
    Column("source", String(100), primary_key=True),  # ofac-sdn, ofac-cons, csl, bis-dpl
    Column("url", Text),  # the main file's URL last fetched
    Column("etag", Text),  # validators of that response, sent back as If-None-Match / If-Modified-Since
    Column("last_modified", Text),
    Column("content_hash", String(64)),  # SHA-256 of the main file's bytes
    Column("last_attempt", UTCDateTime),
    Column("last_success", UTCDateTime),
    Column("last_change", UTCDateTime),  # the last update that applied a new version
    Column("version", Integer),  # source_versions.id applied by the last change
    Column("error", Text),  # None after a success
)
