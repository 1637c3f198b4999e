"""A server that stays up: an ingest under concurrent screening load, load shedding, cost limits."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest.mock import ANY

import httpx
import pytest
from fastapi.testclient import TestClient

from listwatch import webhooks
from listwatch.api.app import create_app
from listwatch.api.limits import Shed
from listwatch.store import outbox
from listwatch.store.db import open_store
from tests.conftest import Cli
from tests.test_api import ADMIN, DATABASES
from tests.test_api import server as server  # noqa: PLC0414 - the real server process, on each backend

QUERIES = ["Xiaomi", "Huawei Technologies", "SMIC", "Hikvision", "China Mobile", "Luokung", "DJI", "Acme Widgets"]


def test_an_ingest_under_screening_load_loses_no_request(server: str, shared: Path) -> None:
    """4 clients x 40 screens (bounded) while an ingest lands: every answer 200, /readyz ready throughout."""
    assert httpx.get(f"{server}/readyz", timeout=30).status_code in (200, 503)
    deadline = time.monotonic() + 60
    while httpx.get(f"{server}/readyz", timeout=30).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    statuses: Counter[int | str] = Counter()
    ready: Counter[int] = Counter()
    done = threading.Event()

    def client(k: int) -> None:
        with httpx.Client(timeout=60) as c:
            for i in range(40):
                try:
                    statuses[c.get(f"{server}/v1/screen", params={"q": QUERIES[(i + k) % len(QUERIES)]}).status_code] += 1
                except httpx.HTTPError as exc:
                    statuses[type(exc).__name__] += 1

    def probe() -> None:
        while not done.is_set():
            ready[httpx.get(f"{server}/readyz", timeout=60).status_code] += 1
            time.sleep(0.05)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)] + [threading.Thread(target=probe)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    xml = (shared / "data/real/ofac-cons-xml/2025-01-10/CONS_ENHANCED.ZIP").read_bytes()
    r = httpx.post(f"{server}/v1/ingest", params={"format": "ofac-xml", "filename": "CONS_ENHANCED.ZIP"},
                   content=xml, headers={"X-API-Key": ADMIN}, timeout=300)
    for t in threads[:4]:
        t.join(timeout=300)
    done.set()
    threads[4].join(timeout=60)
    assert r.status_code == 200, r.text
    assert statuses == Counter({200: 160}), statuses
    assert set(ready) == {200}, ready
    # the new index is swapped in soon after, built once off the request path
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        hits = httpx.get(f"{server}/v1/screen", params={"q": "HUAWEI TECHNOLOGIES CO., LTD."}, timeout=60).json()
        if any(s.startswith("ofac-cons:") for h in hits["results"] for s in h["source_ids"]):
            break
        time.sleep(0.5)
    else:
        pytest.fail("the index with the ingested records was never swapped in")


class HeldReceiver:
    """A loopback webhook receiver that keeps every request open until ``release`` is set."""

    def __init__(self) -> None:
        self.arrived, self.release = threading.Event(), threading.Event()
        self.answered: list[str] = []  # delivery ids, as each request is answered
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["content-length"]))
                outer.arrived.set()
                outer.release.wait(60)
                outer.answered.append(self.headers["x-listwatch-delivery"])
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def test_a_slow_webhook_receiver_delays_neither_healthz_nor_an_ingest(server: str, monkeypatch: pytest.MonkeyPatch
                                                                       ) -> None:
    monkeypatch.setenv("LISTWATCH_WEBHOOKS_ALLOW_PRIVATE", "1")
    st = open_store(DATABASES[server])
    receiver = HeldReceiver()
    hook = webhooks.add(st, receiver.url)

    def post(*names: str) -> httpx.Response:
        body = "".join(json.dumps({"id": n.split()[0].lower(), "schema": "Company", "datasets": ["us_ofac_sdn"],
                                   "properties": {"name": [n], "topics": ["sanction"]}}) + "\n" for n in names)
        return httpx.post(f"{server}/v1/ingest", params={"format": "ftm", "filename": "slowhook.ftm.json"},
                          content=body.encode(), headers={"X-API-Key": ADMIN}, timeout=120)

    try:
        first = post("Slowhook Alpha Ltd")
        assert first.status_code == 200, first.text
        assert first.json()["webhooks"] == {str(hook.id): ANY}  # queued, not sent during the request
        assert receiver.arrived.wait(60), "the server's worker never delivered"
        # the worker is now inside the receiver, which holds the delivery open
        assert httpx.get(f"{server}/healthz", timeout=30).json() == {"status": "ok"}
        second = post("Slowhook Alpha Ltd", "Slowhook Beta Ltd")
        assert second.status_code == 200, second.text
        # both answered while the receiver still holds the first delivery: no attempt has ended yet
        assert receiver.answered == [] and webhooks.log(st, hook.id) == []
    finally:
        receiver.release.set()
    queued = {first.json()["webhooks"][str(hook.id)], second.json()["webhooks"][str(hook.id)]}
    deadline = time.monotonic() + 90
    while not queued <= {e.delivery_id for e in outbox.entries(st.engine, "delivered")}:
        assert time.monotonic() < deadline, outbox.entries(st.engine)
        time.sleep(0.2)
    webhooks.remove(st, hook.id)
    receiver.httpd.shutdown()


def test_shedding_answers_503_with_retry_after_beyond_the_queue_depth() -> None:
    release = asyncio.Event()

    async def slow_app(scope: object, receive: object, send: object) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[operator]

    async def run() -> list[tuple[int, dict[bytes, bytes]]]:
        shed = Shed(slow_app, depth=2, rate=0)
        answers: list[tuple[int, dict[bytes, bytes]]] = []

        async def one(path: str) -> None:
            msgs: list[dict[str, object]] = []

            async def send(m: dict[str, object]) -> None:
                msgs.append(m)

            async def receive() -> dict[str, object]:
                return {"type": "http.request", "body": b""}

            await shed({"type": "http", "path": path, "headers": [], "client": ("127.0.0.1", 1)}, receive, send)
            start = msgs[0]
            answers.append((int(start["status"]), dict(start["headers"])))  # type: ignore[call-overload, arg-type]

        tasks = [asyncio.create_task(one("/v1/screen")) for _ in range(2)]
        await asyncio.sleep(0.01)
        await one("/v1/screen")  # the third, beyond the depth of 2: shed at once
        release.set()
        await asyncio.gather(*tasks)
        return answers

    answers = asyncio.run(run())
    assert [a[0] for a in answers] == [503, 200, 200]
    assert answers[0][1][b"retry-after"] == b"1"


def test_rate_limit_per_key_answers_429() -> None:
    async def ok_app(scope: object, receive: object, send: object) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b""})  # type: ignore[operator]

    async def run() -> list[int]:
        shed = Shed(ok_app, depth=100, rate=1)  # bursts of 2
        out = []
        for key in (b"a", b"a", b"a", b"b"):
            msgs: list[dict[str, object]] = []

            async def send(m: dict[str, object]) -> None:
                msgs.append(m)

            await shed({"type": "http", "path": "/v1/screen", "headers": [(b"x-api-key", key)],
                        "client": ("127.0.0.1", 1)}, None, send)  # type: ignore[arg-type]
            out.append(int(msgs[0]["status"]))  # type: ignore[call-overload]
        return out

    assert asyncio.run(run()) == [200, 200, 429, 200]  # the third of key a waits; key b has its own bucket


@pytest.fixture
def open_client(cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.delenv("LISTWATCH_READ_KEYS", raising=False)
    monkeypatch.setenv("LISTWATCH_MAX_COST", "100")
    with TestClient(create_app(f"sqlite:///{home / 'listwatch.db'}")) as c:
        yield c


def test_match_and_batch_refuse_requests_that_screen_too_many_names(open_client: TestClient) -> None:
    names = [f"Name {i}" for i in range(20)]
    big = {"queries": {f"q{i}": {"schema": "Company", "properties": {"name": names}} for i in range(6)}}
    r = open_client.post("/match/default", json=big)
    assert r.status_code == 413 and "120 names to screen is over the 100-name limit" in r.json()["detail"]
    small = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Xiaomi Corp"]}}}}
    assert open_client.post("/match/default", json=small).status_code == 200
    r = open_client.post("/v1/screen/batch", json={"queries": ["Xiaomi"] * 101})
    assert r.status_code == 413 and "batch: 101 names" in r.json()["detail"]
