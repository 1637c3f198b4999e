"""Byte-identical replay: an answer asked with ``known_at`` T equals the answer given at T, whatever was
learned or withdrawn since (a merged alias, a new entity matching the query, an alias an ingest or the
curated data dropped); and same-day list versions resolve in the order listwatch recorded them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from listwatch import report
from listwatch.datadigest import content_hash
from listwatch.dataset import bundled_dir
from listwatch.evidence import with_evidence
from listwatch.ingest import ingest
from listwatch.ingest.apply import apply_version
from listwatch.ingest.records import SourceRecord
from listwatch.resolve import NotFound, resolve
from listwatch.screen import screen
from listwatch.status import status, timeline
from listwatch.store.db import Store, open_store
from tests.conftest import BACKENDS, Templates, edit_yaml

DAY = dt.date(2021, 2, 1)
ISIN = "KYG9830T1067"  # Xiaomi's: an ingested record carrying it joins the curated entity


@pytest.fixture(scope="module", params=BACKENDS)
def replay_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                 templates: Templates) -> tuple[Store, Path]:
    """A store of its own per backend, seeded from a copy of the bundled data the tests may edit (a copy of the
    session's seeded template: the same data, so opening it with the copy does not seed again)."""
    tmp = tmp_path_factory.mktemp(f"replay-{request.param}")
    data = tmp / "data"
    shutil.copytree(bundled_dir(), data)
    st = open_store(templates.copy(request.param, tmp, "replay"), data_dir=data)
    assert st.dataset_digest() == content_hash(data)  # seeded from these very files
    return st, data


def _ftm(path: Path, *docs: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return path


def _party(pid: str, names: list[str], **props: list[str]) -> dict[str, Any]:
    return {"id": pid, "schema": "Company", "properties": {"name": names, **props}}


def _answers(st: Store, known: dt.datetime | None) -> dict[str, str]:
    """The JSON answers (as the CLI and the API give them, evidence included) of a few questions."""
    def dump(doc: Any) -> str:
        return json.dumps(doc, ensure_ascii=False, indent=2)

    def status_of(query: str) -> str:
        try:
            e = resolve(st, query, known)
        except NotFound as exc:
            return f"not found: {exc}"
        return dump(with_evidence(report.status_json(st, status(st, e, DAY, known, query=query)), st, DAY, known))

    def screened(query: str) -> str:
        hits = screen(query, DAY, store=st, known_at=known)
        return dump(with_evidence({"query": query, "as_of": DAY.isoformat(),
                                   "results": [h.as_json() for h in hits]}, st, DAY, known))

    def timeline_of(query: str) -> str:
        e = resolve(st, query, known)
        return dump(with_evidence(report.timeline_json(st, timeline(st, e, known)), st, None, known))

    asked: dict[str, Callable[[str], str]] = {"status": status_of, "screen": screened, "timeline": timeline_of}
    questions = [("status", "Xiaomi Corporation"), ("status", "Qihoo 360"), ("timeline", "Xiaomi Corporation"),
                 ("screen", "Xiaomi"), ("screen", "XIAOMI SECOND TEST ALIAS"), ("screen", "Qihoo 360")]
    return {f"{kind} {q}": asked[kind](q) for kind, q in questions}


def test_a_replay_is_byte_identical_to_the_answer_given_then(replay_store: tuple[Store, Path], tmp_path: Path) -> None:
    st, data = replay_store
    feed = tmp_path / "replay.ftm.json"  # one FtM source, two versions
    ingest(st, "ftm", [_ftm(feed, _party("alias", ["XIAOMI TEST ALIAS HOLDINGS", "XIAOMI SECOND TEST ALIAS"],
                                         isinCode=[ISIN]))])
    t = dt.datetime.now(dt.UTC)
    then = _answers(st, t)
    given = _answers(st, None)  # asked at T without known_at: the same, but for the known_at it states
    assert {k: v.replace(json.dumps(t.isoformat().replace("+00:00", "Z")), "null") for k, v in then.items()} == given
    assert "XIAOMI SECOND TEST ALIAS" in then["status Xiaomi Corporation"]
    # learned since: the ingest drops an alias and brings a new entity that matches "Xiaomi", on a list;
    # the curated data drops an alias (seeding withdraws it)
    ingest(st, "ftm", [_ftm(feed, _party("alias", ["XIAOMI TEST ALIAS HOLDINGS"], isinCode=[ISIN]),
                            {**_party("newco", ["XIAOMI LIMITED"], country=["us"], topics=["sanction"]),
                             "datasets": ["us-dod-1237"]})])

    def drop_alias(doc: dict[str, Any]) -> None:
        qihoo = next(e for e in doc["entities"] if e["id"] == "360-security-technology-inc")
        qihoo["names"] = [n for n in qihoo["names"] if n["name"] != "Qihoo 360"]

    edit_yaml(data / "entities.yaml", drop_alias)
    assert open_store(str(st.engine.url.render_as_string(hide_password=False)), data_dir=data) is not None
    st.forget()
    now = _answers(st, None)
    assert "XIAOMI SECOND TEST ALIAS" not in now["status Xiaomi Corporation"]  # withdrawn by the ingest
    assert "XIAOMI LIMITED" in now["screen Xiaomi"] and "XIAOMI LIMITED" not in then["screen Xiaomi"]
    def aliases(answer: str) -> list[str]:
        return list(json.loads(answer)["entity"]["aliases"])

    assert "Qihoo 360" in aliases(then["status Qihoo 360"]) and "Qihoo 360" not in aliases(now["status Qihoo 360"])
    replayed = _answers(st, t)
    for question, answer in then.items():
        assert replayed[question] == answer, question
    # printed again: the withdrawn alias is in force again, and the replay still gives the same answer
    ingest(st, "ftm", [_ftm(feed, _party("alias", ["XIAOMI TEST ALIAS HOLDINGS", "XIAOMI SECOND TEST ALIAS"],
                                         isinCode=[ISIN]))], allow_shrink=True)
    assert "XIAOMI SECOND TEST ALIAS" in aliases(_answers(st, None)["status Xiaomi Corporation"])
    assert _answers(st, t) == then


def _record(sid: str, name: str) -> SourceRecord:
    return SourceRecord(sid, ("test-same-day",), name, "Organization")


def test_a_listing_and_a_removal_of_one_day_apply_in_the_order_they_were_recorded(
        replay_store: tuple[Store, Path]) -> None:
    st, _ = replay_store
    day, t0 = dt.date(2026, 1, 5), dt.datetime(2026, 1, 5, 14, tzinfo=dt.UTC)
    a = [_record("same-day:1", "SAME DAY LEAVER LTD"), _record("same-day:2", "SAME DAY STAYER LTD")]
    apply_version(st, "same-day", a, [{"name": "a.csv"}], "digest-a", day, t0)
    apply_version(st, "same-day", a[1:], [{"name": "b.csv"}], "digest-b", day, t0 + dt.timedelta(hours=1),
                  allow_shrink=True)  # version B of the same day: the leaver is gone
    leaver = resolve(st, "SAME DAY LEAVER LTD")
    # the removal counts on its day (reference README): off the list from that day on, not listed forever
    assert status(st, leaver, day).restricted is False and status(st, leaver, day + dt.timedelta(days=1)).listings == []
    assert status(st, leaver, day - dt.timedelta(days=1)).restricted is None  # listed on or before: unknown
    # as known between A and B: listed on that day
    between = status(st, leaver, day, t0 + dt.timedelta(minutes=30))
    assert [x.list_id for x in between.listings] == ["test-same-day"]
    assert status(st, resolve(st, "SAME DAY STAYER LTD"), day).listings[0].list_id == "test-same-day"
