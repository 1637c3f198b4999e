"""The webhook outbox's SQL: deliveries are queued in the transaction of the change that causes them.

:func:`enqueue` runs inside the writer's (or the seed's) transaction, so a change that is rolled
back queues nothing and a committed one cannot lose its deliveries. Sending is
:mod:`listwatch.webhooks`' job; a sender takes an entry with :func:`claim` (a conditional update,
so two workers - ``listwatch serve`` and a cron ``listwatch webhooks deliver`` - never send the
same attempt twice) and records the outcome with :func:`settle`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from listwatch.store import schema as t

__all__ = ["Entry", "claim", "counts", "due", "enqueue", "entries", "requeue", "save_body", "settle"]

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass(frozen=True)
class Entry:
    id: int
    delivery_id: str
    webhook_id: int
    created_at: dt.datetime
    events: list[str]
    retracted: list[str]
    body: str | None
    state: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    delivered_at: dt.datetime | None


def _entry(r: Any) -> Entry:
    return Entry(r.id, r.delivery_id, r.webhook_id, r.created_at, list(r.events), list(r.retracted), r.body,
                 r.state, r.attempts, r.next_attempt_at, r.last_error, r.delivered_at)


def enqueue(conn: Connection, events: Sequence[tuple[str, str]], retracted: Sequence[tuple[str, str]],
            now: dt.datetime) -> dict[int, str]:
    """Queue one delivery per active webhook whose list the change touches; webhook id -> delivery id.

    ``events`` and ``retracted``: (event key, list id) of what the change recorded and withdrew.
    """
    if not events and not retracted:
        return {}
    queued: dict[int, str] = {}
    rows = []
    for hook_id, list_id in conn.execute(select(t.webhooks.c.id, t.webhooks.c.list_id)
                                         .where(t.webhooks.c.active.is_(True)).order_by(t.webhooks.c.id)):
        mine = [k for k, lid in events if list_id in (None, lid)]
        gone = [k for k, lid in retracted if list_id in (None, lid)]
        if mine or gone:
            queued[hook_id] = uuid.uuid4().hex
            rows.append({"delivery_id": queued[hook_id], "webhook_id": hook_id, "created_at": now, "events": mine,
                         "retracted": gone, "state": PENDING, "attempts": 0, "next_attempt_at": now})
    if rows:
        conn.execute(insert(t.outbox), rows)
    return queued


def due(engine: Engine, now: dt.datetime, limit: int) -> list[Entry]:
    with engine.connect() as conn:
        return [_entry(r) for r in conn.execute(
            select(t.outbox).where(t.outbox.c.state == PENDING, t.outbox.c.next_attempt_at <= now)
            .order_by(t.outbox.c.next_attempt_at, t.outbox.c.id).limit(limit))]


def claim(engine: Engine, entry: Entry, lease_until: dt.datetime) -> bool:
    """Take ``entry`` for one attempt: push its next attempt to ``lease_until`` (when a crashed sender's
    claim runs out) unless another sender moved it first."""
    with engine.begin() as conn:
        done = conn.execute(update(t.outbox).where(
            t.outbox.c.id == entry.id, t.outbox.c.state == PENDING,
            t.outbox.c.next_attempt_at == entry.next_attempt_at).values(next_attempt_at=lease_until))
    return done.rowcount == 1


def save_body(engine: Engine, entry_id: int, body: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(t.outbox).where(t.outbox.c.id == entry_id, t.outbox.c.body.is_(None)).values(body=body))


def settle(engine: Engine, entry: Entry, attempt: dict[str, Any], state: str, next_at: dt.datetime | None) -> None:
    """Log one attempt (a ``webhook_deliveries`` row) and move the entry on: delivered, failed for good,
    or pending until ``next_at``."""
    with engine.begin() as conn:
        conn.execute(insert(t.deliveries).values(webhook_id=entry.webhook_id, delivery_id=entry.delivery_id,
                                                 attempt=entry.attempts + 1, **attempt))
        conn.execute(update(t.outbox).where(t.outbox.c.id == entry.id).values(
            state=state, attempts=entry.attempts + 1, last_error=attempt["error"],
            next_attempt_at=next_at or attempt["at"], delivered_at=attempt["at"] if state == DELIVERED else None))


def requeue(engine: Engine, now: dt.datetime, entry_id: int | None = None, failed: bool = False) -> list[int]:
    """Make deliveries due again with a fresh count of attempts: one (any state) or every failed one."""
    q = update(t.outbox).values(state=PENDING, attempts=0, next_attempt_at=now)
    if entry_id is not None:
        q = q.where(t.outbox.c.id == entry_id)
    elif failed:
        q = q.where(t.outbox.c.state == FAILED)
    else:
        return []
    with engine.begin() as conn:
        return [int(i) for i in conn.execute(q.returning(t.outbox.c.id)).scalars()]


def entries(engine: Engine, state: str | None = None, limit: int = 100) -> list[Entry]:
    q = select(t.outbox).order_by(t.outbox.c.id.desc()).limit(limit)
    if state is not None:
        q = q.where(t.outbox.c.state == state)
    with engine.connect() as conn:
        return [_entry(r) for r in conn.execute(q)]


def counts(engine: Engine) -> dict[int, dict[str, int]]:
    """Webhook id -> {state: number of deliveries}."""
    out: dict[int, dict[str, int]] = {}
    with engine.connect() as conn:
        for hook, state, n in conn.execute(select(t.outbox.c.webhook_id, t.outbox.c.state, func.count())
                                           .group_by(t.outbox.c.webhook_id, t.outbox.c.state)):
            out.setdefault(hook, {})[state] = n
    return out
