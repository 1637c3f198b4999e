"""KeptYaml: a YAML file's parsed value comes from the kept copy only while the file is as it was parsed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from listwatch import yamlcache
from listwatch.yamlcache import KeptYaml


def _load(kept: KeptYaml, path: Path) -> object:
    with path.open(encoding="utf-8") as fh:
        return kept(fh)


def test_an_unchanged_file_is_answered_from_the_kept_copy_a_changed_one_is_parsed(tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlcache, "RACY_NS", 0)  # the file was written just now: keep it all the same
    src, cache = tmp_path / "a.yaml", tmp_path / "cache" / "kept.json"
    src.write_text("name: first\nlist: [1, 2.5, true, null]\n", encoding="utf-8")
    first = KeptYaml(cache, yaml)
    assert _load(first, src) == {"name": "first", "list": [1, 2.5, True, None]}
    first.save()
    doc = json.loads(cache.read_text(encoding="utf-8"))
    doc[str(src)]["value"] = "from the kept copy"  # what the file holds is not read again while it is unchanged
    cache.write_text(json.dumps(doc), encoding="utf-8")
    assert _load(KeptYaml(cache, yaml), src) == "from the kept copy"
    src.write_text("name: second\n", encoding="utf-8")  # size, modification and change time move
    again = KeptYaml(cache, yaml)
    assert _load(again, src) == {"name": "second"}
    again.save()
    assert _load(KeptYaml(cache, yaml), src) == {"name": "second"}


def test_texts_dates_and_files_written_just_now_are_parsed_and_not_kept(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "kept.json"
    fresh = tmp_path / "fresh.yaml"
    fresh.write_text("a: 1\n", encoding="utf-8")
    kept = KeptYaml(cache, yaml)
    assert kept("a: 1\n") == {"a": 1}  # a text, not a file
    assert _load(kept, fresh) == {"a": 1}  # younger than two seconds: may change again within the clock's tick
    monkeypatch.setattr(yamlcache, "RACY_NS", 0)
    dated, numbered = tmp_path / "dated.yaml", tmp_path / "numbered.yaml"
    dated.write_text("day: 2021-07-07\n", encoding="utf-8")
    numbered.write_text("1: one\n", encoding="utf-8")
    assert _load(kept, dated) == {"day": __import__("datetime").date(2021, 7, 7)}
    assert _load(kept, numbered) == {1: "one"}  # JSON would give the key back as text
    kept.save()
    assert kept.fresh == {} and not cache.exists()


def test_a_damaged_or_foreign_cache_only_costs_the_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlcache, "RACY_NS", 0)
    src = tmp_path / "a.yaml"
    src.write_text("a: [x, y]\n", encoding="utf-8")
    for text in ("{not json", "[1, 2]", json.dumps({str(src): {"stamp": [0, 0, 0], "value": "stale"}}),
                 json.dumps({str(src): "no entry"})):
        cache = tmp_path / "kept.json"
        cache.write_text(text, encoding="utf-8")
        assert _load(KeptYaml(cache, yaml), src) == {"a": ["x", "y"]}
