"""Webhooks against a real local HTTP receiver: a change queues deliveries in its own transaction (the
outbox); the sender posts them signed, backs off, stops at the cap, and sends failed ones again."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from listwatch import webhooks
from listwatch.dataset import Dataset
from listwatch.ingest import ShrinkRefused, ingest
from listwatch.store import outbox
from listwatch.store.db import Store
from tests.conftest import Cli, Templates


class Receiver:
    """A loopback HTTP server that records each POST and answers with queued status codes."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                outer.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.statuses.pop(0) if outer.statuses else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(autouse=True)
def loopback_receivers_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The receivers here listen on 127.0.0.1, which webhooks refuse unless this setting allows it."""
    monkeypatch.setenv("LISTWATCH_WEBHOOKS_ALLOW_PRIVATE", "1")


@pytest.mark.parametrize(("url", "message"), [
    ("http://127.0.0.1:22/", "127.0.0.1, which is not a public address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254, which is not a public address"),
    ("http://10.0.0.1/hook", "10.0.0.1, which is not a public address"),
    ("http://[::1]:8080/", "::1, which is not a public address"),
    ("http://localhost/hook", "which is not a public address"),
    ("http://metadata.google.internal/computeMetadata/v1/", "cloud metadata service"),
    ("https://user:pass@127.0.0.1/hook", "must not carry credentials"),
    ("ftp://127.0.0.1/x", "absolute http"),
])
def test_internal_and_unsafe_webhook_urls_are_refused(monkeypatch: pytest.MonkeyPatch, url: str, message: str) -> None:
    """(``webhooks.add`` checks the URL before anything else, and each delivery checks it again.)"""
    monkeypatch.delenv("LISTWATCH_WEBHOOKS_ALLOW_PRIVATE")
    with pytest.raises(ValueError, match=message):
        webhooks.check_url(url)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def _ftm(tmp_path: Path, *names: str, file: str = "t.ftm.json") -> Path:
    f = tmp_path / file
    f.write_text("".join(json.dumps({"id": n.split()[0].lower(), "schema": "Company",
                                     "properties": {"name": [n], "topics": ["sanction"]},
                                     "datasets": ["us_ofac_sdn"]}) + "\n" for n in names), encoding="utf-8")
    return f


def _pending(store: Store) -> list[outbox.Entry]:
    return outbox.entries(store.engine, "pending")


def test_a_change_queues_its_deliveries_in_its_own_transaction(fresh_store: Store, tmp_path: Path) -> None:
    sdn = webhooks.add(fresh_store, "http://127.0.0.1:9/sdn", "us-ofac-sdn")
    webhooks.add(fresh_store, "http://127.0.0.1:9/el", "us-bis-entity-list")  # a list this change does not touch
    ingest(fresh_store, "ftm", [_ftm(tmp_path, "Acme Drones Ltd")])
    [entry] = _pending(fresh_store)
    assert fresh_store.queued_deliveries() == {sdn.id: entry.delivery_id}
    assert entry.webhook_id == sdn.id and len(entry.events) == 1 and entry.attempts == 0
    # a failed ingest queues nothing: the first file's version and its delivery go with the refused second
    with pytest.raises(ShrinkRefused):
        ingest(fresh_store, "ftm", [_ftm(tmp_path, "Beta Optics Ltd", file="b.ftm.json"),
                                    _ftm(tmp_path, "Gamma Tools Ltd")])
    assert _pending(fresh_store) == [entry]
    assert fresh_store.events(entity_id="ftm-beta") == []
    ingest(fresh_store, "ftm", [_ftm(tmp_path, "Acme Drones Ltd")])  # the same content: no change, no delivery
    assert _pending(fresh_store) == [entry]
    # nothing listens there: the attempt fails at once and is left for later, logged with its delivery id
    [o] = webhooks.deliver_due(fresh_store)
    assert (o.state, o.status, o.attempt) == ("pending", None, 1) and o.error and o.next_attempt_at
    assert [d.delivery_id for d in webhooks.log(fresh_store, sdn.id)] == [entry.delivery_id]


def test_the_sender_posts_signed_changes_and_retractions_once_with_the_delivery_id(fresh_store: Store, receiver: Receiver,
                                                                    tmp_path: Path) -> None:
    hook = webhooks.add(fresh_store, receiver.url)
    ingest(fresh_store, "ftm", [_ftm(tmp_path, "Acme Drones Ltd")])
    [entry] = _pending(fresh_store)
    assert receiver.received == []  # the ingest sent nothing itself
    [done] = webhooks.deliver_due(fresh_store)
    assert (done.state, done.status, done.attempt) == ("delivered", 200, 1)
    [(headers, body)] = receiver.received
    assert headers["x-listwatch-signature"] == "sha256=" + hmac.new(hook.secret.encode(), body,
                                                                   hashlib.sha256).hexdigest()
    assert headers["x-listwatch-delivery"] == entry.delivery_id
    assert headers["x-listwatch-signature-v2"] == webhooks.sign_v2(hook.secret, entry.delivery_id,
                                                                   headers["x-listwatch-timestamp"], body)
    doc = json.loads(body)
    assert [(c["entity"]["id"], c["list"], c["type"]) for c in doc["changes"]] == [("ftm-acme", "us-ofac-sdn", "listed")]
    assert doc["retracted"] == []
    # sent once: nothing is due any more, and a sender holding the old state of the entry cannot claim it
    assert webhooks.deliver_due(fresh_store, dt.datetime.now(dt.UTC) + dt.timedelta(days=1)) == []
    assert not outbox.claim(fresh_store.engine, entry, entry.next_attempt_at + dt.timedelta(minutes=1))
    assert len(receiver.received) == 1
    # the next change is another delivery, with its own id
    ingest(fresh_store, "ftm", [_ftm(tmp_path, "Acme Drones Ltd", "Delta Marine Ltd")])
    webhooks.deliver_due(fresh_store)
    assert len({h["x-listwatch-delivery"] for h, _ in receiver.received}) == 2
    # a change that withdraws an event (a re-seed without it) sends it under "retracted"
    held = [e for e in fresh_store.events() if not (e.entity_id or "").startswith("ftm-")]  # the bundled ones
    gone = next(e for e in held if e.entity_id == "xiaomi")
    fresh_store.seed(Dataset({}, {}, {}, [e for e in held if e.key != gone.key], "without-one-event"))
    assert [o.state for o in webhooks.deliver_due(fresh_store)] == ["delivered"]
    doc = json.loads(receiver.received[-1][1])
    assert doc["changes"] == []
    assert [(r["entity"]["id"], r["list"], r["type"], r["effective"]) for r in doc["retracted"]] == [
        ("xiaomi", gone.list_id, gone.type.value, gone.effective.isoformat())]
    assert "no longer in bundled dataset" in doc["retracted"][0]["reason"]


def test_failures_back_off_stop_at_the_cap_and_redeliver_sends_the_same_delivery(
        fresh_store: Store, receiver: Receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LISTWATCH_WEBHOOKS_BACKOFF", "60")
    monkeypatch.setenv("LISTWATCH_WEBHOOKS_MAX_ATTEMPTS", "3")
    hook = webhooks.add(fresh_store, receiver.url)
    ingest(fresh_store, "ftm", [_ftm(tmp_path, "Acme Drones Ltd")])
    receiver.statuses = [500, 503, 502]
    t0 = _pending(fresh_store)[0].next_attempt_at
    s = dt.timedelta(seconds=1)
    [first] = webhooks.deliver_due(fresh_store, t0)
    assert (first.state, first.status, first.next_attempt_at) == ("pending", 500, t0 + 60 * s)
    assert webhooks.deliver_due(fresh_store, t0 + 59 * s) == []  # not yet due
    [second] = webhooks.deliver_due(fresh_store, t0 + 60 * s)
    assert (second.attempt, second.next_attempt_at) == (2, t0 + 180 * s)  # the backoff doubles
    [third] = webhooks.deliver_due(fresh_store, t0 + 180 * s)
    assert (third.attempt, third.state, third.next_attempt_at) == (3, "failed", None)  # the cap
    assert webhooks.deliver_due(fresh_store, t0 + dt.timedelta(days=30)) == []  # failed stays failed
    assert webhooks.status(fresh_store)[hook.id] == {"pending": 0, "delivered": 0, "failed": 1}
    assert [(d.attempt, d.status) for d in reversed(webhooks.log(fresh_store, hook.id))] == [(1, 500), (2, 503),
                                                                                              (3, 502)]
    [again] = webhooks.redeliver(fresh_store, failed=True)
    assert (again.attempt, again.state) == (1, "delivered")
    assert len(receiver.received) == 4
    assert len({b for _, b in receiver.received}) == 1  # the same body every time
    assert len({h["x-listwatch-delivery"] for h, _ in receiver.received}) == 1  # one id: receivers de-duplicate
    with pytest.raises(ValueError, match="no webhook delivery 999"):
        webhooks.redeliver(fresh_store, 999)


def test_bad_webhook_urls_are_refused(store: Store) -> None:
    for url in ("ftp://example.org/x", "not a url", "/relative"):
        with pytest.raises(ValueError, match="absolute http"):
            webhooks.add(store, url)
    with pytest.raises(ValueError, match="unknown list"):
        webhooks.add(store, "http://127.0.0.1/x", "us-nope")


def test_webhooks_cli_queues_on_ingest_then_delivers_and_redelivers(tmp_path: Path, receiver: Receiver,
                                                                    templates: Templates) -> None:
    cli = Cli(templates.home(tmp_path))  # a store of its own: the session store stays as seeded for other tests
    r = cli("webhooks", "add", receiver.url, "--list", "us-ofac-sdn")
    assert r.exit_code == 0 and "secret" in r.stdout
    assert cli("webhooks", "add", "ftp://x").exit_code == 2
    r = cli("ingest", "ftm", str(_ftm(tmp_path, "Acme Drones Ltd")))
    assert r.exit_code == 0 and "webhook 1: delivery" in r.stdout and "queued" in r.stdout
    assert receiver.received == []  # the ingest did not wait for the receiver
    assert "1 pending\t0 delivered\t0 failed" in cli("webhooks", "list").stdout
    [pending] = cli.json("webhooks", "status")["deliveries"]
    [sent] = cli.json("webhooks", "deliver")["attempts"]
    assert (sent["id"], sent["state"]) == (pending["id"], "delivered") and len(receiver.received) == 1
    assert "nothing due" in cli("webhooks", "deliver").stdout
    [again] = cli.json("webhooks", "redeliver", "--id", str(pending["id"]))["attempts"]
    assert again["delivery"] == pending["delivery"] and len(receiver.received) == 2
    assert cli("webhooks", "redeliver").exit_code == 2
    assert cli("webhooks", "redeliver", "--id", "99").exit_code == 2
    assert [d["delivery"] for d in cli.json("webhooks", "log")["deliveries"]] == [pending["delivery"]] * 2
