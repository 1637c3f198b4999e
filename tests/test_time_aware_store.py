"""The store as a time-aware record: retractions reach the feed, caches follow the data version."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from listwatch.datadigest import content_hash
from listwatch.report import changes_json
from listwatch.status import changes
from listwatch.store.db import open_store
from tests.conftest import Templates, edit_yaml


def test_after_a_note_edit_the_feed_shows_xiaomis_vacatur_once_and_the_withdrawn_one_as_retracted(
        tmp_path: Path, data_copy: Path, templates: Templates) -> None:
    url = templates.copy("sqlite", tmp_path, "feed")  # seeded from the bundled files, which data_copy still equals
    assert open_store(url, data_dir=data_copy).dataset_digest() == content_hash(data_copy)

    def edit(doc: dict[str, Any]) -> None:
        vacatur = next(e for e in doc["events"] if e.get("entity") == "xiaomi" and e["type"] == "vacated")
        vacatur["note"] = vacatur["note"] + " (note edited by a curator)"

    edit_yaml(data_copy / "events-us-dod-1237.yaml", edit)
    edited = open_store(url, data_dir=data_copy)
    feed = changes(edited, list_id="us-dod-1237")
    vacaturs = [e for e in feed if e.entity_id == "xiaomi" and e.type.value == "vacated"]
    assert len(vacaturs) == 1 and vacaturs[0].note and vacaturs[0].note.endswith("(note edited by a curator)")
    doc_json = changes_json(edited, feed, edited.retractions_since(None, "us-dod-1237"))
    [withdrawn] = doc_json["retracted"]
    assert withdrawn["entity"]["id"] == "xiaomi" and withdrawn["type"] == "vacated"
    assert "no longer in bundled dataset" in withdrawn["reason"] and withdrawn["effective"] == "2021-05-25"


def test_an_alias_merged_by_one_process_is_visible_to_another(tmp_path: Path, templates: Templates) -> None:
    url = templates.copy("sqlite", tmp_path, "two")
    reader = open_store(url)
    reader.max_age = 0.0  # read the data version on every call, as a long-running server does each second
    assert reader.entity("xiaomi") is not None
    assert "XIAOMI TEST ALIAS HOLDINGS" not in reader.entity("xiaomi").aliases  # type: ignore[union-attr]
    f = tmp_path / "alias.ftm.json"
    f.write_text(json.dumps({"id": "alias-1", "schema": "Company", "datasets": ["us_dod_1237"], "properties": {
        "name": ["XIAOMI TEST ALIAS HOLDINGS"], "isinCode": ["KYG9830T1067"]}}) + "\n", encoding="utf-8")
    env = {**os.environ, "LISTWATCH_DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-m", "listwatch", "ingest", "ftm", str(f)], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    xiaomi = reader.entity("xiaomi")  # the same process and Store object as before the other's write
    assert xiaomi is not None and "XIAOMI TEST ALIAS HOLDINGS" in xiaomi.aliases
