"""Webhooks: after a change to a list, POST the change to every subscriber of that list - from an outbox.

A change (an ingest, an update, a rollback, a re-seed) queues one delivery per subscriber in the
store, in its own transaction (:mod:`listwatch.store.outbox`): nothing is sent on the request or
command path. :func:`deliver_due` sends what is due - from the worker thread of ``listwatch serve``
or from ``listwatch webhooks deliver`` (e.g. cron). The body is the ``changes`` JSON (as
``listwatch changes --json``) of the events the change recorded, with the events it withdrew under
``retracted``. It is signed: ``X-Listwatch-Signature: sha256=<hex HMAC-SHA256 of the body with the
webhook's secret>``; each delivery also carries ``X-Listwatch-Delivery`` (its id, the same on every
attempt, for receivers to de-duplicate), ``X-Listwatch-Timestamp`` and ``X-Listwatch-Signature-V2``,
which signs both with the body (:func:`sign_v2`). A failed attempt (no answer, or a non-2xx status)
is tried again after an exponential backoff (``LISTWATCH_WEBHOOKS_BACKOFF`` seconds, doubling, at
most an hour) until ``LISTWATCH_WEBHOOKS_MAX_ATTEMPTS``; then the delivery stays in the outbox as
failed, to be sent again with :func:`redeliver`. Every attempt is logged in ``webhook_deliveries``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import socket
from dataclasses import dataclass
from urllib.parse import urlparse

from sqlalchemy import insert, select, update

from listwatch.report import changes_json
from listwatch.store import outbox
from listwatch.store import schema as t
from listwatch.store.db import Store

__all__ = ["Delivery", "Outcome", "Webhook", "add", "check_url", "deliver_due", "log", "policy", "redeliver",
           "remove", "sign", "sign_v2", "status", "subscriptions", "undelivered"]

MAX_DELAY = 3600.0


@dataclass(frozen=True)
class Webhook:
    id: int
    url: str
    list_id: str | None
    secret: str


@dataclass(frozen=True)
class Delivery:
    """One attempt, as logged."""

    webhook_id: int
    attempt: int
    at: dt.datetime
    events: int
    status: int | None
    error: str | None
    delivery_id: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What one attempt of :func:`deliver_due` did to an outbox entry."""

    entry: int
    delivery_id: str
    webhook_id: int
    attempt: int
    state: str  # delivered, pending (tried again at next_attempt_at) or failed (no attempts left)
    status: int | None
    error: str | None
    next_attempt_at: dt.datetime | None


def policy() -> tuple[float, int]:
    """(first backoff in seconds, attempts before a delivery is left as failed), from the environment."""
    backoff = float(os.environ.get("LISTWATCH_WEBHOOKS_BACKOFF", "30"))
    attempts = int(os.environ.get("LISTWATCH_WEBHOOKS_MAX_ATTEMPTS", "8"))
    if backoff < 0 or attempts < 1:
        raise ValueError("LISTWATCH_WEBHOOKS_BACKOFF must be >= 0 and LISTWATCH_WEBHOOKS_MAX_ATTEMPTS >= 1")
    return backoff, attempts


def _timeout() -> float:
    """Seconds one attempt may take (``LISTWATCH_WEBHOOKS_TIMEOUT``, default 5)."""
    return float(os.environ.get("LISTWATCH_WEBHOOKS_TIMEOUT", "5"))


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sign_v2(secret: str, delivery: str, stamp: str, body: bytes) -> str:
    """``t=<unix time>,id=<delivery id>,sha256=<HMAC of "<t>.<id>." + body>``: a receiver can refuse
    replays (an old ``t``) and duplicates (a seen ``id``), both covered by the signature."""
    mac = hmac.new(secret.encode(), f"{stamp}.{delivery}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},id={delivery},sha256={mac}"


METADATA_HOSTS = ("metadata.google.internal", "metadata", "metadata.azure.internal", "instance-data")
ALLOW_PRIVATE_ENV = "LISTWATCH_WEBHOOKS_ALLOW_PRIVATE"


def check_url(url: str) -> None:
    """Refuse (ValueError) a webhook URL that is not plain http(s) or that points inside the network.

    No credentials in the URL; and unless ``LISTWATCH_WEBHOOKS_ALLOW_PRIVATE=1``, every address the
    host resolves to must be public: loopback, link-local (169.254.169.254, the cloud metadata
    service), private, shared, reserved, multicast and unspecified addresses are refused, and so
    are the metadata host names. Checked when a webhook is added and again before every delivery,
    so a name that later resolves inside (DNS rebinding) is not posted to.
    """
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError(f"webhook URL {url!r} must be an absolute http(s) URL")
    if parsed.username is not None or parsed.password is not None:
        raise ValueError("a webhook URL must not carry credentials (user:password@)")
    if os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "true", "yes"):
        return
    host = parsed.hostname.rstrip(".").lower()
    if host in METADATA_HOSTS:
        raise ValueError(f"webhook host {host!r} is a cloud metadata service: refused")
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as exc:
        raise ValueError(f"webhook host {host!r} does not resolve ({exc})") from None
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not addr.is_global or addr.is_multicast:
            raise ValueError(f"webhook host {host!r} resolves to {addr}, which is not a public address: refused "
                             f"(set {ALLOW_PRIVATE_ENV}=1 to allow internal receivers)")


def add(store: Store, url: str, list_id: str | None = None) -> Webhook:
    check_url(url)
    if list_id is not None and store.list_def(list_id) is None:
        raise ValueError(f"unknown list {list_id!r}")
    secret = secrets.token_hex(24)
    with store.engine.begin() as conn:
        inserted = conn.execute(insert(t.webhooks).values(url=url, list_id=list_id, secret=secret,
                                                          created_at=dt.datetime.now(dt.UTC),
                                                          active=True)).inserted_primary_key
    assert inserted is not None
    return Webhook(int(inserted[0]), url, list_id, secret)


def remove(store: Store, webhook_id: int) -> bool:
    with store.engine.begin() as conn:
        done = conn.execute(update(t.webhooks).where(t.webhooks.c.id == webhook_id).values(active=False))
    return bool(done.rowcount)


def subscriptions(store: Store) -> list[Webhook]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.webhooks).where(t.webhooks.c.active.is_(True)).order_by(t.webhooks.c.id))
        return [Webhook(r.id, r.url, r.list_id, r.secret) for r in rows]


def log(store: Store, webhook_id: int | None = None, limit: int = 100) -> list[Delivery]:
    q = select(t.deliveries).order_by(t.deliveries.c.id.desc()).limit(limit)
    if webhook_id is not None:
        q = q.where(t.deliveries.c.webhook_id == webhook_id)
    with store.engine.connect() as conn:
        return [Delivery(r.webhook_id, r.attempt, r.at, r.events, r.status, r.error, r.delivery_id)
                for r in conn.execute(q)]


def _body(store: Store, entry: outbox.Entry) -> str:
    if entry.body is None:  # built once, on the first attempt; every later attempt sends the same bytes
        events, gone = store.events_by_key(entry.events, entry.retracted)
        body = json.dumps(changes_json(store, events, gone), ensure_ascii=False, sort_keys=True)
        outbox.save_body(store.engine, entry.id, body)
        return body
    return entry.body


def _attempt(store: Store, hook: Webhook | None, entry: outbox.Entry) -> tuple[int | None, str | None, bytes]:
    import httpx  # noqa: PLC0415 - only a delivery needs it (it is slow to import)

    if hook is None:
        return None, "the webhook was removed", b""
    body = _body(store, entry).encode()
    stamp = str(int(dt.datetime.now(dt.UTC).timestamp()))
    headers = {"content-type": "application/json", "x-listwatch-signature": sign(hook.secret, body),
               "x-listwatch-delivery": entry.delivery_id, "x-listwatch-timestamp": stamp,
               "x-listwatch-signature-v2": sign_v2(hook.secret, entry.delivery_id, stamp, body),
               "user-agent": "listwatch-webhooks/1"}
    try:
        check_url(hook.url)
        status = httpx.post(hook.url, content=body, headers=headers, timeout=_timeout()).status_code
    except ValueError as exc:
        return None, f"refused: {exc}", body
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}", body
    return status, None if 200 <= status < 300 else f"HTTP {status}", body


def deliver_due(store: Store, now: dt.datetime | None = None, limit: int = 100) -> list[Outcome]:
    """One attempt at each delivery due at ``now`` (default: the time now), oldest first.

    A failed attempt schedules the next one ``backoff * 2**(attempts - 1)`` seconds after ``now``
    (at most an hour), or, at the cap on attempts, leaves the delivery failed (see :func:`policy`).
    """
    now = now or dt.datetime.now(dt.UTC)
    entries = outbox.due(store.engine, now, limit)
    if not entries:
        return []
    backoff, max_attempts = policy()
    hooks = {h.id: h for h in subscriptions(store)}
    out = []
    for entry in entries:
        # held for longer than an attempt can take; if this sender dies, another may take it after that
        if not outbox.claim(store.engine, entry, now + dt.timedelta(seconds=_timeout() + 60)):
            continue  # another sender took it
        hook = hooks.get(entry.webhook_id)
        status, error, body = _attempt(store, hook, entry)
        n = entry.attempts + 1
        state = "delivered" if error is None else "failed" if hook is None or n >= max_attempts else "pending"
        next_at = now + dt.timedelta(seconds=min(backoff * 2 ** (n - 1), MAX_DELAY)) if state == "pending" else None
        outbox.settle(store.engine, entry, {
            "at": dt.datetime.now(dt.UTC), "events": len(entry.events) + len(entry.retracted), "status": status,
            "error": error, "body_sha256": hashlib.sha256(body).hexdigest()}, state, next_at)
        out.append(Outcome(entry.id, entry.delivery_id, entry.webhook_id, n, state, status, error, next_at))
    return out


def redeliver(store: Store, entry_id: int | None = None, failed: bool = False,
              now: dt.datetime | None = None) -> list[Outcome]:
    """Queue a delivery again (``entry_id``, whatever its state) or every failed one, with a fresh count of
    attempts and the same delivery id, then try what is due once. ValueError if there is nothing to queue."""
    now = now or dt.datetime.now(dt.UTC)
    ids = outbox.requeue(store.engine, now, entry_id, failed)
    if entry_id is not None and not ids:
        raise ValueError(f"no webhook delivery {entry_id}")
    return deliver_due(store, now)


def status(store: Store) -> dict[int, dict[str, int]]:
    """Webhook id -> {pending, delivered, failed: number of deliveries}."""
    counts = outbox.counts(store.engine)
    return {h: {s: counts.get(h, {}).get(s, 0) for s in ("pending", "delivered", "failed")}
            for h in sorted({*counts, *(w.id for w in subscriptions(store))})}


def undelivered(store: Store, limit: int = 100) -> list[outbox.Entry]:
    """The outbox entries still pending or left failed, newest first."""
    return sorted(outbox.entries(store.engine, "pending", limit) + outbox.entries(store.engine, "failed", limit),
                  key=lambda e: -e.id)[:limit]
