"""Webhooks against a real local HTTP receiver: signed POSTs after an ingest, retries, delivery log."""

from __future__ import annotations

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
from listwatch.ingest import ingest
from listwatch.store.db import Store


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
def test_internal_and_unsafe_webhook_urls_are_refused(fresh_store: Store, monkeypatch: pytest.MonkeyPatch,
                                                      url: str, message: str) -> None:
    monkeypatch.delenv("LISTWATCH_WEBHOOKS_ALLOW_PRIVATE")
    with pytest.raises(ValueError, match=message):
        webhooks.add(fresh_store, url)
    assert webhooks.subscriptions(fresh_store) == []


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def _ftm(tmp_path: Path, name: str) -> Path:
    f = tmp_path / "t.ftm.json"
    f.write_text(json.dumps({"id": "acme", "schema": "Company", "properties": {"name": [name], "topics": ["sanction"]},
                             "datasets": ["us_ofac_sdn"]}) + "\n", encoding="utf-8")
    return f


def test_ingest_that_changes_a_list_posts_signed_changes(fresh_store: Store, receiver: Receiver,
                                                          tmp_path: Path) -> None:
    hook = webhooks.add(fresh_store, receiver.url, "us-ofac-sdn")
    other = webhooks.add(fresh_store, receiver.url, "us-bis-entity-list")
    results = ingest(fresh_store, "ftm", [_ftm(tmp_path, "Acme Drones Ltd")])
    assert webhooks.notify(fresh_store, results, backoff=0.01) == {hook.id: True}  # not the Entity List hook
    [(headers, body)] = receiver.received
    expected = "sha256=" + hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-listwatch-signature"] == expected
    doc = json.loads(body)
    assert [(c["entity"]["id"], c["list"], c["type"]) for c in doc["changes"]] == [("ftm-acme", "us-ofac-sdn", "listed")]
    # the same file again changes nothing and posts nothing
    assert webhooks.notify(fresh_store, ingest(fresh_store, "ftm", [_ftm(tmp_path, "Acme Drones Ltd")])) == {}
    assert len(receiver.received) == 1 and other.id not in webhooks.notify(fresh_store, [])


def test_failed_deliveries_are_retried_with_backoff_and_logged(fresh_store: Store, receiver: Receiver,
                                                                tmp_path: Path) -> None:
    hook = webhooks.add(fresh_store, receiver.url)
    receiver.statuses = [500, 503]
    results = ingest(fresh_store, "ftm", [_ftm(tmp_path, "Acme Drones Ltd")])
    assert webhooks.notify(fresh_store, results, backoff=0.01) == {hook.id: True}
    assert len(receiver.received) == 3
    assert len({b for _, b in receiver.received}) == 1  # the same signed body each time
    assert len({h["x-listwatch-delivery"] for h, _ in receiver.received}) == 1  # one delivery id to de-duplicate
    for h, b in receiver.received:
        assert h["x-listwatch-signature-v2"] == webhooks.sign_v2(hook.secret, h["x-listwatch-delivery"],
                                                                 h["x-listwatch-timestamp"], b)
        assert f"t={h['x-listwatch-timestamp']},id={h['x-listwatch-delivery']}," in h["x-listwatch-signature-v2"]
    assert [(d.attempt, d.status) for d in reversed(webhooks.log(fresh_store, hook.id))] == [(1, 500), (2, 503),
                                                                                              (3, 200)]


def test_unreachable_receiver_gives_up_after_the_retries(fresh_store: Store, tmp_path: Path) -> None:
    hook = webhooks.add(fresh_store, "http://127.0.0.1:9/nothing-listens-here")
    results = ingest(fresh_store, "ftm", [_ftm(tmp_path, "Acme Drones Ltd")])
    assert webhooks.notify(fresh_store, results, backoff=0.01) == {hook.id: False}
    entries = webhooks.log(fresh_store, hook.id)
    assert len(entries) == webhooks.RETRIES and all(e.status is None and e.error for e in entries)


def test_bad_webhook_urls_are_refused(fresh_store: Store) -> None:
    for url in ("ftp://example.org/x", "not a url", "/relative"):
        with pytest.raises(ValueError, match="absolute http"):
            webhooks.add(fresh_store, url)
    with pytest.raises(ValueError, match="unknown list"):
        webhooks.add(fresh_store, "http://127.0.0.1/x", "us-nope")


def test_webhooks_cli(cli: Any, receiver: Receiver) -> None:
    r = cli("webhooks", "add", receiver.url, "--list", "us-ofac-sdn")
    assert r.exit_code == 0 and "secret" in r.stdout
    assert receiver.url in cli("webhooks", "list").stdout
    assert cli("webhooks", "add", "ftp://x").exit_code == 2
