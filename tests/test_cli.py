"""The CLI: JSON contracts, human output, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli, Templates

NINE = {"amec", "bzdic", "cnah", "comac", "gowin", "grand-china-air", "gtcom", "luokung", "xiaomi"}


def test_status_json_contract(cli: Cli) -> None:
    data = cli.json("status", "xiaomi", "--as-of", "2021-01-14")
    assert set(data) >= {"query", "as_of", "known_at", "entity", "restricted", "listings", "effects", "deadlines"}
    assert set(data["entity"]) >= {"id", "name", "aliases", "identifiers"}
    assert data["query"] == "xiaomi" and data["as_of"] == "2021-01-14" and data["known_at"] is None
    assert data["restricted"] is True
    [listing] = data["listings"]
    assert set(listing) >= {"list", "since", "until", "in_force", "suspended_by", "source"}
    assert listing["list"] == "us-dod-1237" and listing["since"] == "2021-01-14" and listing["in_force"] is True
    assert "Tranche 5" in listing["source"]
    assert data["effects"] == []
    first = data["deadlines"][0]
    assert set(first) >= {"effect", "change", "date", "authority", "citation"}
    assert (first["effect"], first["change"], first["date"]) == ("securities_purchase_prohibited", "starts",
                                                                  "2021-03-15")
    assert "小米集团" in data["entity"]["aliases"]


def test_status_resolves_names_aliases_and_identifiers_case_insensitively(cli: Cli) -> None:
    for q in ("XIAOMI CORPORATION", "xiaomi corp", "小米集团", "KYG9830T1067", "1810@HK", "xiaomi"):
        assert cli.json("status", q, "--as-of", "2021-01-14")["entity"]["id"] == "xiaomi", q
    assert cli.json("status", "SMIC", "--as-of", "2021-01-14")["entity"]["id"] == "smic"
    assert cli.json("status", "Hikvision", "--as-of", "2021-01-14")["entity"]["id"] == "hikvision"


def test_status_known_at_is_echoed_in_utc(cli: Cli) -> None:
    data = cli.json("status", "xiaomi", "--as-of", "2021-01-14", "--known-at", "2026-11-23T01:00:00+01:00")
    assert data["known_at"] == "2026-11-23T00:00:00Z"
    assert data["restricted"] is True


def test_status_human_output_names_the_verdict(cli: Cli) -> None:
    r = cli("status", "xiaomi", "--as-of", "2021-03-12")
    assert r.exit_code == 0
    assert "Xiaomi Corporation (xiaomi) on 2021-03-12: not restricted" in r.stdout
    assert "suspended" in r.stdout


def test_diff_across_the_2021_01_14_tranche_shows_nine_additions(cli: Cli) -> None:
    data = cli.json("diff", "us-dod-1237", "2021-01-13", "2021-01-14")
    assert set(data) >= {"list", "from", "to", "added", "removed", "amended"}
    assert {m["id"] for m in data["added"]} == NINE
    assert data["removed"] == [] and data["amended"] == []


def test_diff_over_luokung_relisting_shows_an_amendment_and_the_vacatur_a_removal(cli: Cli) -> None:
    data = cli.json("diff", "us-dod-1237", "2021-03-01", "2021-05-31")
    assert [m["id"] for m in data["removed"]] == ["xiaomi"]
    assert data["removed"][0]["until"] == "2021-05-25"
    [amended] = data["amended"]
    assert amended["id"] == "luokung" and amended["before"]["listed_as"].startswith("Luokong")


def test_members_json_contract_and_counts(cli: Cli) -> None:
    data = cli.json("members", "us-ofac-ns-cmic", "--as-of", "2021-06-03")
    assert data["list"] == "us-ofac-ns-cmic" and data["as_of"] == "2021-06-03"
    assert len(data["members"]) == 59
    assert set(data["members"][0]) >= {"id", "name", "since"}
    assert len(cli.json("members", "us-ofac-ns-cmic", "--as-of", "2021-12-16")["members"]) == 68
    assert len(cli.json("members", "us-dod-1237", "--as-of", "2021-06-03")["members"]) == 0


def test_timeline_shows_the_court_events_with_citations(cli: Cli) -> None:
    data = cli.json("timeline", "Xiaomi")
    kinds = [(e["date"], e["type"]) for e in data["events"]]
    assert ("2021-03-12", "enjoined") in kinds and ("2021-05-25", "vacated") in kinds
    enjoined = next(e for e in data["events"] if e["type"] == "enjoined")
    assert "1:21-cv-00280" in enjoined["source"]
    ban = next(e for e in data["effects"] if e["kind"] == "securities_purchase_prohibited")
    assert ban["start"] == "2021-03-15" and ban["took_effect"] is False


def test_lists_shows_all_six_lists(cli: Cli) -> None:
    ids = [x["id"] for x in cli.json("lists")["lists"]]
    assert ids == ["us-bis-entity-list", "us-dod-1237", "us-dod-1260h", "us-ofac-ns-ccmc", "us-ofac-ns-cmic",
                   "us-ofac-sdn"]


@pytest.mark.parametrize(("args", "message"), [
    (["status", "No Such Company"], "no entity named 'No Such Company'"),
    (["status", "xiaomi", "--as-of", "14/01/2021"], "--as-of '14/01/2021' is not a date"),
    (["status", "xiaomi", "--as-of", "2021-02-30"], "--as-of '2021-02-30' is not a date"),
    (["status", "xiaomi", "--known-at", "yesterday"], "--known-at 'yesterday' is not a timestamp"),
    (["members", "us-dod-9999", "--as-of", "2021-01-01"], "unknown list 'us-dod-9999'"),
    (["diff", "us-dod-1237", "2021-02-01", "2021-01-01"], "TO 2021-01-01 is before FROM 2021-02-01"),
    (["portfolio", "/no/such/file.csv"], "/no/such/file.csv: No such file or directory"),
    (["compare", "", "Xiaomi"], "nothing to compare: '' has no letters or digits"),
    (["compare", "", " "], "nothing to compare: '' and ' ' have no letters or digits"),
    (["screen", "   "], "empty query"),
    (["changes", "--since", "garbage"], "--since 'garbage' is not a timestamp"),
    (["changes", "--list", "bogus"], "unknown list 'bogus'"),
    (["export", "--format", "x"], "unknown export format 'x'"),
    (["ingest", "bogus", "/tmp"], "unknown format 'bogus'"),
    (["portfolio", "/tmp"], "/tmp: Is a directory"),
    (["data", "check", "--path", "/nonexistent"], "not a listwatch dataset directory"),
])
def test_bad_input_gives_one_error_line_and_exit_code_2(cli: Cli, args: list[str], message: str) -> None:
    r = cli(*args)
    assert r.exit_code == 2, r.output
    assert r.stderr.strip() == f"error: {r.stderr.strip().removeprefix('error: ')}"
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_ambiguous_name_lists_the_candidates(cli: Cli) -> None:
    r = cli("status", "Yitu")  # YITU Limited (NS-CMIC) and Shanghai Yitu Network Technology (1260H)
    assert r.exit_code == 2
    assert "'Yitu' names 2 entities" in r.stderr
    assert "[yitu-limited]" in r.stderr and "[shanghai-yitu-network-technology-co-ltd]" in r.stderr


def test_console_script_runs_as_a_real_process_without_traceback(home: Path) -> None:
    env = {**os.environ, "LISTWATCH_HOME": str(home)}
    env.pop("LISTWATCH_DATABASE_URL", None)
    ok = subprocess.run([sys.executable, "-m", "listwatch", "status", "xiaomi", "--as-of", "2021-01-14", "--json"],
                        check=False, capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0 and '"restricted": true' in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "listwatch", "status", "xiaomi", "--as-of", "never"],
                         check=False, capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().startswith("error: --as-of 'never' is not a date")


def test_a_cli_process_closes_the_database_at_exit(tmp_path: Path, templates: Templates) -> None:
    """The CLI freezes the garbage collector at exit, so connections are closed explicitly: SQLite folds its
    write-ahead log back into the database file and removes it (no committed data left only in -wal)."""
    templates.copy("sqlite", tmp_path, "listwatch")
    env = {**os.environ, "LISTWATCH_HOME": str(tmp_path)}
    env.pop("LISTWATCH_DATABASE_URL", None)
    for args in (["lists"], ["status", "xiaomi", "--as-of", "2021-01-14"]):  # the SQLAlchemy store; the sqlite3 reader
        done = subprocess.run([sys.executable, "-m", "listwatch", *args], check=False, capture_output=True, text=True,
                              env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        assert not list(tmp_path.glob("*-wal")) and not list(tmp_path.glob("*-shm")), args


def _narrow(cli: Cli) -> Cli:
    narrow = Cli(Path(cli.env["LISTWATCH_HOME"]))
    narrow.env["COLUMNS"] = "80"
    return narrow


@pytest.mark.parametrize("args", [["status", "Huawei", "--as-of", "2021-01-11"], ["status", "xiaomi", "--as-of",
                                  "2021-01-14"], ["timeline", "Xiaomi"], ["changes", "--limit", "5"]])
def test_tables_at_80_columns_wrap_and_never_cut(cli: Cli, args: list[str]) -> None:
    r = _narrow(cli)(*args)
    assert r.exit_code == 0, r.output
    assert all(len(line) <= 80 for line in r.stdout.splitlines())
    assert "…" not in r.stdout
    listed = {ln.split("│")[1].strip() for ln in r.stdout.splitlines() if ln.startswith("│ us-")}
    assert not listed or listed <= {"us-bis-entity-list", "us-dod-1237", "us-dod-1260h", "us-ofac-ns-cmic"}


def test_effect_names_wrap_between_words_at_80_columns(cli: Cli) -> None:
    text = _narrow(cli)("status", "xiaomi", "--as-of", "2021-01-14").stdout
    assert "securities purchase" in text and "securitie…" not in text


def test_ids_in_brackets_are_printed_not_read_as_markup(cli: Cli) -> None:
    out = cli("screen", "Xiaomi Corporation", "--as-of", "2021-01-14").stdout
    assert "Xiaomi Corporation [xiaomi]" in out


def test_an_effect_cut_off_before_its_start_never_prints_an_end_before_the_start(cli: Cli) -> None:
    # EO 13974's holding ban for Xiaomi was due 2022-01-14; the vacatur of 2021-05-25 ended it first.
    row = next(ln for ln in cli("timeline", "Xiaomi").stdout.splitlines() if "2022-01-14" in ln
               and "holding" in ln)
    assert "2021-05-25" not in row.split("2022-01-14")[0]
    assert "never (ended 2021-05-25, before its start)" in row


def test_changes_pages_with_a_cursor_past_any_limit(cli: Cli) -> None:
    everything = cli.json("changes", "--limit", "100000")
    assert everything["next_cursor"] is None
    seen, cursor = [], 0
    while cursor is not None:
        page = cli.json("changes", "--limit", "200", "--cursor", str(cursor))
        seen += page["changes"]
        cursor = page["next_cursor"]
    assert len(seen) == len(everything["changes"]) > 500
    assert seen == everything["changes"]
    human = cli("changes", "--limit", "2")
    assert "more: listwatch changes --cursor " in human.stdout


def test_a_name_holding_an_emoji_code_is_printed_as_written(tmp_path: Path, templates: Templates) -> None:
    """A listed name is shown as the list prints it: ":ship:" is text, not Rich's emoji code."""
    home = tmp_path / "home"
    home.mkdir()
    os.replace(templates.copy("sqlite", tmp_path, "emoji").removeprefix("sqlite:///"), home / "listwatch.db")
    ftm = tmp_path / "emoji.ftm.json"
    ftm.write_text(json.dumps({"id": "emoji-1", "schema": "Company", "datasets": ["us_dod_1237"],
                               "properties": {"name": [":ship: Maritime Holdings"]}}) + "\n", encoding="utf-8")
    cli = Cli(home)
    assert cli("ingest", "ftm", str(ftm)).exit_code == 0
    shown = cli("status", ":ship: Maritime Holdings", "--as-of", "2024-01-02")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith(":ship: Maritime Holdings (") and "\N{SHIP}" not in shown.stdout


def test_the_cli_runs_numpy_on_one_blas_thread_unless_told_otherwise() -> None:
    probe = "import os, listwatch.cli; print(os.environ['OPENBLAS_NUM_THREADS'])"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    env.pop("OPENBLAS_NUM_THREADS", None)
    run = [sys.executable, "-c", probe]
    assert subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout.strip() == "1"
    env["OPENBLAS_NUM_THREADS"] = "4"
    assert subprocess.run(run, env=env, capture_output=True, text=True, check=True).stdout.strip() == "4"
