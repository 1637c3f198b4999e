"""The HTTP API through a real server process (uvicorn on a free loopback port), on each backend."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from http.client import HTTPConnection
from pathlib import Path

import httpx
import jsonschema_rs  # schemathesis' validator (a dev dependency's)
import pytest

from listwatch.api.limits import MAX_TARGET
from tests.conftest import BACKENDS, Templates

ADMIN = "test-admin-key"

# One client for the module, with a timeout for a loaded CI machine (two test workers and the server on
# two cores): httpx's default of 5 s failed a request that takes well under a second on a quiet one.
http = httpx.Client(timeout=60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


DATABASES: dict[str, str] = {}  # server base URL -> its store's URL


@pytest.fixture(scope="module", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           templates: Templates) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("api")
    port = _free_port()
    db = templates.copy(request.param, tmp, "api")  # seeded already: the server starts without seeding
    env = {**os.environ, "LISTWATCH_DATABASE_URL": db,
           "LISTWATCH_ADMIN_KEYS": f"sha256:{__import__('hashlib').sha256(ADMIN.encode()).hexdigest()}",
           "LISTWATCH_MAX_BODY": str(2 * 1024 * 1024),
           # loopback test receivers, which may keep a delivery open for a while
           "LISTWATCH_WEBHOOKS_ALLOW_PRIVATE": "1", "LISTWATCH_WEBHOOKS_BACKOFF": "1", "LISTWATCH_WEBHOOKS_TIMEOUT": "90"}
    env.pop("LISTWATCH_READ_KEYS", None)
    proc = subprocess.Popen([sys.executable, "-m", "listwatch", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=(tmp / "server.log").open("w"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # generous: CI runs two test workers beside the server on two cores
    while time.monotonic() < deadline:
        try:
            if http.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError(f"server did not start: {(tmp / 'server.log').read_text()}")
    while time.monotonic() < deadline + 60:  # every test may screen (the portfolio does): wait for the index
        if http.get(f"{base}/readyz", timeout=30).status_code != 503:
            break
        time.sleep(0.2)
    DATABASES[base] = db
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def _problem(r: httpx.Response, status: int, detail: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and detail in body["detail"]
    assert "Traceback" not in r.text


def test_health_and_readiness(server: str) -> None:
    assert http.get(f"{server}/healthz").json() == {"status": "ok"}
    deadline = time.monotonic() + 60  # "not ready" (503) only until the first screening index is built
    while (r := http.get(f"{server}/readyz", timeout=30)).status_code == 503 and time.monotonic() < deadline:
        assert r.json()["status"] == "not ready" and r.headers["retry-after"]
        time.sleep(0.2)
    assert r.json()["status"] == "ready"
    assert http.get(f"{server}/docs").status_code == 200
    assert "/match/{dataset}" in http.get(f"{server}/openapi.json").json()["paths"]


def test_status_is_the_cli_json(server: str) -> None:
    data = http.get(f"{server}/v1/status", params={"q": "xiaomi", "as_of": "2021-01-14"}).json()
    assert data["restricted"] is True and data["entity"]["id"] == "xiaomi"
    assert data["deadlines"][0]["date"] == "2021-03-15"
    enjoined = http.get(f"{server}/v1/status", params={"q": "xiaomi", "as_of": "2021-03-12"}).json()
    assert enjoined["restricted"] is False


def test_status_errors_are_problems(server: str) -> None:
    _problem(http.get(f"{server}/v1/status", params={"q": "No Such Co"}), 404, "no entity named")
    _problem(http.get(f"{server}/v1/status", params={"q": "xiaomi", "as_of": "2021-13-01"}), 422, "not a date")
    _problem(http.get(f"{server}/v1/status", params={"q": "xiaomi", "known_at": "nope"}), 422, "is not a timestamp")
    _problem(http.get(f"{server}/v1/status", params={"q": "Yitu"}), 409, "names 2 entities")
    _problem(http.get(f"{server}/v1/status", params={"q": "x" * 600}), 422, "q")
    _problem(http.get(f"{server}/v1/status"), 422, "q")


def test_screen_and_batch(server: str) -> None:
    data = http.get(f"{server}/v1/screen", params={"q": "XIAOMI CORP-CLASS B", "as_of": "2021-02-01"}).json()
    assert data["results"][0]["entity"]["id"] == "xiaomi" and data["results"][0]["restricted"] is True
    r = http.post(f"{server}/v1/screen/batch", json={"queries": ["SZ DJI Technology Co Ltd", "", "Acme"]})
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert [x["row"] for x in lines] == [1, 2, 3]
    assert lines[0]["results"][0]["entity"]["id"] == "dji" and lines[1]["error"] == "empty query"
    r = http.post(f"{server}/v1/screen/batch", content=b"name\nXiaomi Corporation\n",
                   headers={"content-type": "text/csv"})
    assert '"xiaomi"' in r.text
    _problem(http.post(f"{server}/v1/screen/batch", json={"queries": "x"}), 422, "expected")


def test_yente_match_round_trip(server: str) -> None:
    body = {"queries": {"a": {"schema": "Company", "properties": {"name": ["Xiaomi Corp"]}},
                        "b": {"schema": "Company", "properties": {"isinCode": ["KYG9830T1067"]}},
                        "c": {"schema": "Company", "properties": {"name": ["Acme Widgets"]}}}}
    data = http.post(f"{server}/match/default", json=body).json()
    a, b, c = (data["responses"][k] for k in "abc")
    assert a["status"] == 200 and a["results"][0]["id"] == "xiaomi" and a["results"][0]["match"] is True
    assert set(a["results"][0]) >= {"id", "caption", "schema", "properties", "score", "match", "features"}
    assert b["results"][0]["features"] == {"identifier_match": 1.0}
    assert all(not r["match"] for r in c["results"])
    empty = {"queries": {"d": {"schema": "Company", "properties": {}}}}
    _problem(http.post(f"{server}/match/default", json=empty), 422, "no name or identifier")
    _problem(http.post(f"{server}/match/default", json={"queries": "nope"}), 422, "queries")


def test_entities_timeline_lists_members_diff(server: str) -> None:
    e = http.get(f"{server}/v1/entities/huawei").json()
    assert e["name"] == "Huawei Technologies Co., Ltd." and "huawei-device-co-ltd" in e["children"]
    tl = http.get(f"{server}/v1/entities/xiaomi/timeline").json()
    assert ("2021-03-12", "enjoined") in [(x["date"], x["type"]) for x in tl["events"]]
    _problem(http.get(f"{server}/v1/entities/nope"), 404, "no entity with id 'nope'")
    assert len(http.get(f"{server}/v1/lists").json()["lists"]) >= 5
    page = http.get(f"{server}/v1/lists/us-ofac-ns-cmic/members", params={"as_of": "2021-06-03", "limit": 50}).json()
    assert page["count"] == 59 and len(page["members"]) == 50 and page["next_offset"] == 50
    rest = http.get(f"{server}/v1/lists/us-ofac-ns-cmic/members",
                     params={"as_of": "2021-06-03", "limit": 50, "offset": 50}).json()
    assert len(rest["members"]) == 9 and rest["next_offset"] is None
    diff = http.get(f"{server}/v1/lists/us-dod-1237/diff", params={"from": "2021-01-13", "to": "2021-01-14"}).json()
    assert len(diff["added"]) == 9
    _problem(http.get(f"{server}/v1/lists/nope/members"), 404, "no list")
    _problem(http.get(f"{server}/v1/lists/us-dod-1237/diff", params={"from": "2021-02-01", "to": "2021-01-01"}),
             422, "before")


def test_portfolio_upload(server: str) -> None:
    csv_text = "name,quantity\nXiaomi Corp,10\nAcme,1\n"
    r = http.post(f"{server}/v1/portfolio", params={"as_of": "2021-01-14"}, files={"file": ("h.csv", csv_text)})
    rows = r.json()["rows"]
    assert rows[0]["entity"]["id"] == "xiaomi" and "must divest by 2022-01-14" in rows[0]["action"]
    assert rows[1]["action"] == "no listing found" and rows[1]["match"] == "no_hit"
    _problem(http.post(f"{server}/v1/portfolio", content=b"company\nX\n", headers={"content-type": "text/csv"}),
             422, "missing columns")


def test_body_limit(server: str) -> None:
    big = b"name\n" + b"x" * (3 * 1024 * 1024)
    _problem(http.post(f"{server}/v1/portfolio", content=big, headers={"content-type": "text/csv"}), 413,
             "over the 2,097,152-byte limit")


def test_ingest_requires_an_admin_key_and_then_records_changes(server: str) -> None:
    ftm_line = (b'{"id": "acme", "schema": "Company", "properties": {"name": ["Acme Drones Ltd"], "topics": ["sanction"]}, '
                b'"datasets": ["t"]}\n')
    _problem(http.post(f"{server}/v1/ingest", params={"format": "ftm"}, content=ftm_line), 401, "admin X-API-Key")
    _problem(http.post(f"{server}/v1/ingest", params={"format": "ftm"}, content=ftm_line,
                        headers={"X-API-Key": "wrong"}), 401, "admin X-API-Key")
    before = http.get(f"{server}/v1/changes", params={"limit": 1000}).json()
    r = http.post(f"{server}/v1/ingest", params={"format": "ftm", "filename": "t.ftm.json"}, content=ftm_line,
                   headers={"X-API-Key": ADMIN})
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["added"] == 1
    deadline = time.monotonic() + 60  # the new index is built in the background, then swapped in
    while not (hits := http.get(f"{server}/v1/screen", params={"q": "Acme Drones"}).json()["results"]) \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    assert hits and hits[0]["source_ids"] == ["listwatch:ftm-acme", "ftm:acme"]
    cursor, seen = 0, []
    while cursor is not None:
        page = http.get(f"{server}/v1/changes", params={"cursor": cursor, "limit": 200}).json()
        seen += page["changes"]
        cursor = page["next_cursor"]
    assert len(seen) == len(before["changes"]) + 1 or len(seen) > 1000
    assert any(c["entity"] and c["entity"]["id"] == "ftm-acme" for c in seen)
    _problem(http.post(f"{server}/v1/ingest", params={"format": "ftm"}, content=b"{broken",
                        headers={"X-API-Key": ADMIN}), 422, "line 1")


def test_ingest_that_empties_a_source_is_refused_409_unless_allow_shrink(server: str) -> None:
    def post(entity: str, **params: str) -> httpx.Response:
        line = b'{"id": "%s", "schema": "Company", "properties": {"name": ["%s Ltd"]}, "datasets": ["guard"]}\n' % (
            entity.encode(), entity.encode())
        return http.post(f"{server}/v1/ingest", params={"format": "ftm", "filename": "g.ftm.json", **params},
                          content=line, headers={"X-API-Key": ADMIN})

    assert post("first").status_code == 200
    _problem(post("second"), 409, "g.ftm.json would remove 1 of the 1 ftm:")
    r = post("second", allow_shrink="true")
    assert r.status_code == 200 and r.json()["results"][0]["removed"] == 1


def test_an_over_long_url_gets_an_answer_the_spec_documents(server: str) -> None:
    """A request target of MAX_TARGET bytes is answered; one byte more is a 414 problem; a URL over the HTTP
    parser's own limit (64 KiB) gets the server's text/plain 400. The spec documents each for the operation."""
    spec = http.get(f"{server}/openapi.json").json()["paths"]["/match/{dataset}"]["post"]["responses"]
    body = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Acme Widgets"]}}}}
    target = "/match/default?exclude_entity_ids="

    def post(size: int) -> tuple[int, str, bytes]:
        """http.client, as httpx refuses to send a URL over 64 KiB; a new connection each time, as the server
        closes it after a 400."""
        conn = HTTPConnection(*server.removeprefix("http://").split(":"), timeout=60)
        try:
            conn.request("POST", target + "x" * (size - len(target)), body=json.dumps(body),
                         headers={"content-type": "application/json"})
            r = conn.getresponse()
            return r.status, r.getheader("content-type", "").split(";")[0], r.read()
        finally:
            conn.close()

    assert post(MAX_TARGET)[0] == 200
    for size, status in ((MAX_TARGET + 1, 414), (70_000, 400)):
        got, kind, text = post(size)
        assert got == status, text[:200]
        documented = spec[str(status)]["content"]
        assert kind in documented, (status, kind, documented)
        if kind.endswith("json"):
            jsonschema_rs.validate(documented[kind]["schema"], json.loads(text))
            assert f"{size:,} bytes" in json.loads(text)["detail"]


def test_no_5xx_and_every_answer_as_documented_on_generated_input(server: str, tmp_path: Path) -> None:
    """Property-based: schemathesis generates requests from the OpenAPI spec; none may get a 5xx, and
    every answer's status, content type and body must be the ones the spec declares for it.
    A few examples per route here; ``LISTWATCH_LONG_FUZZ=N`` (opt-in) runs N per route, with a
    fresh seed unless ``LISTWATCH_FUZZ_SEED`` is given. It runs in a temporary directory: its crash
    cache (.schemathesis/) must not land in the work tree."""
    st = Path(sys.executable).parent / "st"
    long = os.environ.get("LISTWATCH_LONG_FUZZ")
    seed = ["--seed", os.environ.get("LISTWATCH_FUZZ_SEED", "20261123")] if not long or "LISTWATCH_FUZZ_SEED" in \
        os.environ else []
    r = subprocess.run([str(st), "run", f"{server}/openapi.json", "--checks", "not_a_server_error,"
                        "status_code_conformance,content_type_conformance,response_schema_conformance",
                        "--max-examples", long or "10", "--no-color", *seed, "--request-timeout", "20"],
                       capture_output=True, text=True, timeout=None if long else 600, check=False, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_known_at_is_honoured_and_every_answer_carries_evidence(server: str) -> None:
    """Before the bundled data was recorded (2026-11-23) nothing was known; after, Xiaomi was listed."""
    def ask(known_at: str) -> dict[str, bool | None]:
        p = {"as_of": "2021-02-01", "known_at": known_at}
        screen = http.get(f"{server}/v1/screen", params={**p, "q": "XIAOMI CORP-CLASS B"}).json()
        batch = http.post(f"{server}/v1/screen/batch", params=p, json={"queries": ["XIAOMI CORP-CLASS B"]})
        [line] = [json.loads(x) for x in batch.text.splitlines()]
        folio = http.post(f"{server}/v1/portfolio", params=p, content=b"name\nXIAOMI CORP-CLASS B\n",
                           headers={"content-type": "text/csv"}).json()
        match = http.post(f"{server}/match/default", params=p, json={"queries": {"q": {
            "schema": "Company", "properties": {"name": ["XIAOMI CORP-CLASS B"]}}}}).json()
        status = http.get(f"{server}/v1/status", params={**p, "q": "xiaomi"}).json()
        for answer in (screen, line, folio, match, status):
            assert answer["evidence"]["as_of"] == "2021-02-01" and answer["evidence"]["known_at"].startswith(known_at)
        return {"screen": screen["results"][0]["restricted"], "batch": line["results"][0]["restricted"],
                "portfolio": folio["rows"][0]["restricted"], "match": match["responses"]["q"]["results"][0]["target"],
                "status": status["restricted"]}

    assert all(v is not True for v in ask("2026-11-22").values())
    assert all(v is True for v in ask("2026-11-24").values())
    for path in ("/v1/lists", "/v1/changes", "/v1/entities/xiaomi", "/v1/entities/xiaomi/timeline",
                 "/v1/lists/us-dod-1237/members", "/v1/lists/us-dod-1237/diff?from=2021-01-13&to=2021-01-14"):
        assert http.get(f"{server}{path}").json()["evidence"]["sources"], path
