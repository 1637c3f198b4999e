"""The FollowTheMoney properties OFAC prints in its remarks and columns are kept, cleaned by the library."""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from followthemoney.settings import MODEL_PATH

from listwatch.ingest.ofac_csv import main_record
from listwatch.ingest.props import clean_properties, ofac_dates
from listwatch.regimes.el_rules import FILE
from listwatch.yamlcache import KeptYaml


def test_ofac_dates_become_iso_prefixes() -> None:
    assert ofac_dates("10 Dec 1948") == ["1948-12-10"]
    assert ofac_dates("circa 1960 to 1962") == ["1960", "1962"]
    assert ofac_dates("Dec 1948") == ["1948-12"]


def test_an_sdn_row_keeps_birth_date_nationality_imo_and_vessel_columns() -> None:
    person = main_record(["36", "EXAMPLE, Ivan", "individual", "[SDGT]", "Director", "", "", "", "", "", "",
                          "DOB 10 Dec 1948; alt. DOB 1946; POB Giza, Egypt; nationality Iran; Gender Male; "
                          "Website www.example.ir."], "sdn.csv: line 1", "ofac-sdn",
                         addresses=["Ibex House, London, United Kingdom"])
    assert person.properties == {
        "address": ("Ibex House, London, United Kingdom",), "birthDate": ("1948-12-10", "1946"),
        "birthPlace": ("Giza, Egypt",), "gender": ("male",), "nationality": ("ir",), "position": ("Director",),
        "website": ("http://www.example.ir/",)}
    vessel = main_record(["7", "SEA EXAMPLE", "vessel", "[IRAN]", "", "9HA1234", "Crude Oil Tanker", "150,000", "",
                          "Panama", "", "Vessel Registration Identification IMO 9176187."], "sdn.csv: line 2",
                         "ofac-sdn")
    assert vessel.properties["imoNumber"] == ("IMO9176187",) and vessel.properties["flag"] == ("pa",)
    assert vessel.properties["callSign"] == ("9HA1234",)


def test_what_the_export_schema_cannot_read_is_left_out() -> None:
    got = clean_properties("Organization", {"birthDate": ["1970"], "country": ["Atlantis"], "website": ["x.example"]})
    assert got == {"website": ("http://x.example/",)}  # a company has no birth date; no country is called Atlantis


def test_followthemoney_model_files_read_the_same_with_libyaml() -> None:
    """import_followthemoney parses the model with libyaml's safe loader: it must give what yaml.safe_load gives."""
    if not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml: import_followthemoney uses yaml.safe_load itself")
    files = [os.path.join(d, f) for d, _, names in os.walk(MODEL_PATH) for f in names]
    assert files
    for path in files:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        assert yaml.load(text, Loader=yaml.CSafeLoader) == yaml.safe_load(text), path


def test_import_followthemoney_leaves_yaml_safe_load_as_it_was(tmp_path: Path) -> None:
    """Twice, with an empty cache directory (the model files parsed, and kept) and with the kept copy: the model is
    the one a plain ``import followthemoney`` (yaml.safe_load itself, as this test process did) builds."""
    from followthemoney import model

    code = ("import hashlib, json, sys, yaml; before = yaml.safe_load\n"
            "from listwatch.ingest.props import import_followthemoney; import_followthemoney()\n"
            "assert 'followthemoney' in sys.modules and yaml.safe_load is before\n"
            "from followthemoney import model; assert model.get('Person') is not None\n"
            "print(hashlib.sha256(json.dumps(model.to_dict(), sort_keys=True).encode()).hexdigest())")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "LISTWATCH_INDEX_DIR": str(tmp_path)}
    want = hashlib.sha256(json.dumps(model.to_dict(), sort_keys=True).encode()).hexdigest()
    for _ in range(2):
        got = subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True, text=True)
        assert got.stdout.strip() == want
    assert [p.name for p in tmp_path.glob("followthemoney-model-*.json")]


def test_every_followthemoney_model_file_is_kept_as_parsed(tmp_path: Path) -> None:
    files = [os.path.join(d, f) for d, _, names in os.walk(MODEL_PATH) for f in names]
    kept = KeptYaml(tmp_path / "model.json", yaml)
    for path in files:
        with open(path, encoding="utf-8") as fh:
            assert kept(fh) == yaml.safe_load(Path(path).read_text(encoding="utf-8")), path
    assert sorted(kept.fresh) == sorted(files)  # JSON gives every model file back equal: all are kept


def test_entity_list_rule_table_reads_the_same_with_libyaml() -> None:
    """load_rules parses the bundled rule table with libyaml's safe loader when PyYAML has it (dates included)."""
    text = (importlib.resources.files("listwatch") / "data" / FILE).read_text(encoding="utf-8")
    assert yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) == yaml.safe_load(text)



BOUNDARY_FIRST = {  # each remark pattern as written with a leading word boundary (before: the reference)
    "birthDate": r"\bDOB ([^;]+)", "birthPlace": r"\bPOB ([^;]+)", "nationality": r"\bnationality ([^;]+)",
    "citizenship": r"\bcitizen ([^;]+)", "gender": r"\bGender ([^;]+)", "imoNumber": r"\bIMO (\d{7})\b",
    "website": r"\bWebsite ([^;\s]+)", "email": r"\bEmail Address ([^;\s]+)",
    "phone": r"\b(?:Telephone|Phone Number):? ([^;]+)"}


@pytest.mark.parametrize("text", ["DOB 1960", "XDOB 1960; _DOB 1", "é DOB 2; DOB 3", "DOBDOB 4", "xTelephone: 1",
                                  "Telephone: 1; Phone Number 2", "(Phone Number) 3", "IMO 1234567; IMO 12345678",
                                  "citizenship x; citizen y", "Email Address a@b.c; Website w.x", ""])
def test_remark_patterns_find_what_a_leading_word_boundary_finds(text: str) -> None:
    from listwatch.ingest.props import _REMARKS  # noqa: PLC0415

    for prop, _, pattern in _REMARKS:
        assert pattern.findall(text) == re.findall(BOUNDARY_FIRST[prop], text), prop
