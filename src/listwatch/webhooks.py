"""Webhooks: after an ingest changes a list, POST the changes to every subscriber of that list.

The body is the ``changes`` JSON (as ``listwatch changes --json``) of the events that ingest
recorded. It is signed: ``X-Listwatch-Signature: sha256=<hex HMAC-SHA256 of the body with the
webhook's secret>``; each delivery also carries ``X-Listwatch-Delivery`` (an id, the same on every
retry), ``X-Listwatch-Timestamp`` and ``X-Listwatch-Signature-V2``, which signs both with the body
(:func:`sign_v2`). A delivery that fails (no answer, or a non-2xx status) is retried with
exponential backoff (``RETRIES`` attempts, ``BACKOFF`` seconds doubling); every attempt is logged
in ``webhook_deliveries``.
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
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import insert, select, update

from listwatch.ingest import IngestResult
from listwatch.model import Event
from listwatch.report import changes_json
from listwatch.store import schema as t
from listwatch.store.db import Store

__all__ = ["Delivery", "Webhook", "add", "check_url", "deliver", "log", "notify", "remove", "sign", "sign_v2",
           "subscriptions"]

RETRIES = 4
BACKOFF = 0.5
TIMEOUT = 5.0


@dataclass(frozen=True)
class Webhook:
    id: int
    url: str
    list_id: str | None
    secret: str


@dataclass(frozen=True)
class Delivery:
    webhook_id: int
    attempt: int
    at: dt.datetime
    events: int
    status: int | None
    error: str | None


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
        return [Delivery(r.webhook_id, r.attempt, r.at, r.events, r.status, r.error) for r in conn.execute(q)]


def _post(hook: Webhook, body: bytes, n_events: int, store: Store, sleep: float) -> bool:
    import httpx  # noqa: PLC0415 - only a delivery needs it (it is slow to import)

    delivery = uuid.uuid4().hex  # one id for every attempt of this delivery: receivers de-duplicate on it
    for attempt in range(1, RETRIES + 1):
        status: int | None = None
        error: str | None = None
        stamp = str(int(time.time()))
        headers = {"content-type": "application/json", "x-listwatch-signature": sign(hook.secret, body),
                   "x-listwatch-delivery": delivery, "x-listwatch-timestamp": stamp,
                   "x-listwatch-signature-v2": sign_v2(hook.secret, delivery, stamp, body),
                   "user-agent": "listwatch-webhooks/1"}
        try:
            check_url(hook.url)
            r = httpx.post(hook.url, content=body, headers=headers, timeout=TIMEOUT)
            status = r.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except ValueError as exc:
            error = f"refused: {exc}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        with store.engine.begin() as conn:
            conn.execute(insert(t.deliveries).values(
                webhook_id=hook.id, attempt=attempt, at=dt.datetime.now(dt.UTC), events=n_events, status=status,
                error=error, body_sha256=hashlib.sha256(body).hexdigest()))
        if error is None:
            return True
        if attempt < RETRIES:
            time.sleep(sleep * 2 ** (attempt - 1))
    return False


def notify(store: Store, results: list[IngestResult], backoff: float = BACKOFF) -> dict[int, bool]:
    """Deliver what an ingest changed (the versions that changed something) to the subscribers."""
    batches = dict.fromkeys((r.source, r.recorded_at) for r in results
                            if r.version is not None and r.recorded_at is not None)  # a replay: many, one time
    events = [e for source, at in batches if at is not None
              for e in store.events_recorded(f"ingest:{source}", at)]
    return deliver(store, events, backoff) if events else {}


def deliver(store: Store, events: list[Event], backoff: float = BACKOFF) -> dict[int, bool]:
    """POST the events to each subscriber whose list they touch; webhook id -> delivered?"""
    out: dict[int, bool] = {}
    for hook in subscriptions(store):
        mine = [e for e in events if hook.list_id in (None, e.list_id)]
        if not mine:
            continue
        doc: dict[str, Any] = changes_json(store, mine)
        body = json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()
        out[hook.id] = _post(hook, body, len(mine), store, backoff)
    return out
