"""The ``listwatch`` command. Each command parses its input, makes one library call and
formats the result (a Rich table, or JSON with ``--json``). Known errors print one line
``error: ...`` on stderr and exit with code 2.
"""

# ruff: noqa: PLC0415 - commands import what they use when they run (fast start-up)
from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec, TypeVar

# numpy's OpenBLAS starts one thread per core when numpy is imported (screen, screen-file, serve), which is half
# of numpy's import CPU; listwatch never multiplies matrices (no BLAS work), so one thread. Set before anything
# imports numpy; a value the user set wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click

from listwatch.dates import DateInputError, parse_day, parse_record_time

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID
    from rich.table import Table

    from listwatch.ingest import Group
    from listwatch.store.db import Store
    from listwatch.store.reader import Reader

# Each command imports what it uses when it runs: `--help`, `status` and `screen` never load the
# web stack (FastAPI, uvicorn, Jinja2, httpx) or the parsers of the ingest formats. The command line is
# plain Click (Typer builds a pydantic validator per parameter on every start: a third of a second).
DEFAULT_THRESHOLD = 0.8  # listwatch.screen.DEFAULT_THRESHOLD; tests/test_cli.py keeps them equal


class _Group(click.Group):
    """Commands listed in the order they are defined (the order of the README tour), not sorted; help as wide
    as the terminal (up to 120 columns), so each command's first line shows whole."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("no_args_is_help", True)
        super().__init__(*args, context_settings={"max_content_width": 120}, **kwargs)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        from importlib.metadata import version  # only --version needs it

        print(f"listwatch {version('listwatch')}")
        ctx.exit()


@click.group(cls=_Group)
@click.option("--version", is_flag=True, callback=_version, is_eager=True, expose_value=False,
              help="Print the version and exit.")
def app() -> None:
    """Is this company restricted by a US government list - on which date, in what way, since when?"""
    global out  # noqa: PLW0603 - a console per run: it reads the terminal width (COLUMNS) of this run, not of the import
    from rich.console import Console

    # emoji=False: text is printed as written - a name holding ":ship:" stays so (escape() covers markup, not
    # emoji codes) - and Rich's table of 3,600 emoji codes is never loaded
    out = Console(soft_wrap=True, emoji=False)
    if out.color_system is None:  # no colour or style will be written (not a terminal): the highlighter's
        out = Console(soft_wrap=True, emoji=False, highlight=False)  # regexes would style text nobody sees
    _no_collection_at_exit()


def _no_collection_at_exit() -> None:
    """When the process ends, nothing it holds needs the cyclic garbage collector any more; but the collections
    run while the interpreter shuts down traverse every object still alive (an ingest's caches of cleaned values
    and normalised names, a screen's index): 0.5-0.7 s of CPU after ingesting a list file, for nothing. At exit
    (before those collections) every object is moved out of the collector's reach (``gc.freeze``); memory is
    still returned by reference counting and by the end of the process."""
    import atexit
    import gc

    atexit.unregister(gc.freeze)  # once per process, however many commands it runs (tests run many)
    atexit.register(gc.freeze)


@click.group("data", cls=_Group)
def data_app() -> None:
    """Check the curated dataset."""


@click.group("webhooks", cls=_Group)
def hooks_app() -> None:
    """Webhooks: POST list changes after each ingest."""


out: Console  # set by app() for each run
P = ParamSpec("P")
R = TypeVar("R")


class UsageProblem(ValueError):
    """Bad command-line input (a date, a list id, ...)."""


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise click.exceptions.Exit(2)


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn the library's known errors into one line and exit code 2 (no traceback)."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except OSError as exc:
            fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
        except Exception as exc:
            if isinstance(exc, _known_errors()):
                fail(str(exc.args[0]) if isinstance(exc, LookupError) and exc.args else str(exc))
            raise

    return wrapper


_KNOWN_ERRORS = {"listwatch.resolve": ("NotFound", "Ambiguous"), "listwatch.portfolio": ("PortfolioError",),
                 "listwatch.dataset": ("DatasetError",), "listwatch.screen": ("ScreenError",),
                 "listwatch.batch": ("BatchError",), "listwatch.match.comparison": ("CompareError",),
                 "listwatch.ingest.records": ("IngestError",),
                 "listwatch.update.run": ("UpdateError",)}


def _known_errors() -> tuple[type[Exception], ...]:
    """The library's known error types, from the modules this run imported (no other can have raised)."""
    found: list[type[Exception]] = [UsageProblem, DateInputError]
    for module, names in _KNOWN_ERRORS.items():
        if module in sys.modules:
            found += [getattr(sys.modules[module], n) for n in names]
    return tuple(found)


# Columns of short codes (list ids, dates, yes/no) are kept whole; prose columns wrap around them.
UNBROKEN = {"list", "since", "date", "start", "end", "recorded", "effective", "id", "score", "row", "in force",
            "change", "type", "restricted"}


def escape(text: str) -> str:
    """``text`` shown as written, never read as Rich markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def stderr_console(**kw: Any) -> Console:
    from rich.console import Console

    return Console(stderr=True, emoji=False, **kw)


def table(*headers: str, title: str | None = None) -> Table:
    """A table that wraps long cells (folding only what has no space, like a URL) instead of cutting them:
    legible at 80 columns."""
    from rich.table import Table

    t = Table(title=escape(title) if title else None)
    for h in headers:
        t.add_column(h, overflow="fold", no_wrap=h in UNBROKEN)
    return t


def words(kind: str) -> str:
    """An effect kind as words (``securities_purchase_prohibited`` -> ``securities purchase prohibited``), so a
    narrow column wraps it between words; ``--json`` keeps the id."""
    return kind.replace("_", " ")


def add_row(t: Table, *cells: object) -> None:
    """A row of data, never read as Rich markup (an id written ``[xiaomi]`` stays as written)."""
    t.add_row(*(escape("" if c is None else str(c)) for c in cells))


def today_eastern() -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo("America/New_York")).date()


def parse_date(value: str | None, option: str) -> dt.date:
    return today_eastern() if value is None else parse_day(value, option)


def parse_known_at(value: str | None) -> dt.datetime | None:
    """An ISO timestamp (UTC if no offset is given), or a date meaning the end of that UTC day."""
    return None if value is None else parse_record_time(value, "--known-at")


def store() -> Store:
    """Open the store; on first start load the bundled lists, with a spinner on a terminal."""
    from listwatch import snapshots
    from listwatch.store.db import open_store

    st = open_store(snapshots=False)
    if snapshots.enabled() and (todo := snapshots.pending(st)):
        from listwatch.ingest.snapshots import load_snapshots

        names = ", ".join(f"{s.source} ({s.as_of})" for s in todo)
        with stderr_console().status(f"First start: loading the bundled lists {names} - once, about a minute"):
            load_snapshots(st)
    return st


def reader() -> Reader:
    """The store for a command that only reads: on SQLite, read through sqlite3 without SQLAlchemy
    (:mod:`listwatch.store.fastread`) unless something must be written first (a migration, a seed, the
    first start's lists) - then :func:`store`, which does it."""
    from listwatch.store.fastread import open_reader

    return open_reader() or store()


def check_list(st: Reader, list_id: str) -> None:
    known = [x.id for x in st.lists()]
    if list_id not in known:
        raise UsageProblem(f"unknown list {list_id!r}; known lists: {', '.join(known)}")


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def emit_answer(answer: dict[str, Any], st: Reader, as_of: dt.date | None, known_at: dt.datetime | None) -> None:
    """A JSON answer with its evidence record (:mod:`listwatch.evidence`, imported only for JSON)."""
    from listwatch.evidence import with_evidence

    emit_json(with_evidence(answer, st, as_of, known_at))


def show_candidates(message: str, cands: list[dict[str, Any]], as_json: bool) -> NoReturn:
    """An ambiguous name: list the candidates (id, lists, status) and exit 2."""
    if as_json:
        emit_json({"error": message, "candidates": cands})
        raise click.exceptions.Exit(2)
    from rich.table import Table

    t = Table("id", "name", "lists", "restricted", title="Candidates")
    for c in cands:
        t.add_row(c["id"], c["name"], ", ".join(c["lists"]) or "-",
                  {True: "yes", False: "no", None: "unknown"}[c["restricted"]])
    stderr_console(soft_wrap=True).print(t)
    fail(message)


# Options several commands share (each use makes its own click.Option).
AS_OF = click.option("--as-of", help="Legal date YYYY-MM-DD (default: today, US Eastern).")
KNOWN_AT = click.option("--known-at", help="Replay what listwatch knew then (ISO timestamp).")
AS_JSON = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


@app.command("status")
@click.argument("name")
@AS_OF
@KNOWN_AT
@AS_JSON
@friendly
def status_cmd(name: str, as_of: str | None, known_at: str | None, as_json: bool) -> None:
    """Is NAME restricted on a date: listings, effects in force, upcoming deadlines."""
    from listwatch import report
    from listwatch import status as engine
    from listwatch.resolve import Ambiguous, resolve

    day, known = parse_date(as_of, "--as-of"), parse_known_at(known_at)
    st = reader()
    try:
        entity = resolve(st, name, known)
    except Ambiguous as exc:
        show_candidates(str(exc), report.candidates_json(st, exc.candidates, day, known), as_json)
    result = engine.status(st, entity, day, known, query=name)
    data = report.status_json(st, result)
    if as_json:
        emit_answer(data, st, day, known)
        return
    ent = data["entity"]
    verdict = ("[bold red]RESTRICTED[/]" if data["restricted"] else "[bold green]not restricted[/]"
               if data["restricted"] is False else f"[bold yellow]UNKNOWN[/] - {escape(data['reason'])}")
    out.print(f"{escape(ent['name'])} [dim]({escape(ent['id'])})[/] on {data['as_of']}: {verdict}"
              + (f" [dim](as known at {data['known_at']})[/]" if data["known_at"] else ""))
    if data["listings"]:
        t = table("list", "since", "in force", "listed as", title="Listings")
        for x in data["listings"]:
            add_row(t, x["list"], x["since"], "yes" if x["in_force"] else f"no - suspended: {x['suspended_by']}",
                      x["listed_as"] or "")
        out.print(t)
    else:
        out.print("No listing on this date.")
    if data["effects"] or data["suspended_effects"]:
        t = table("effect", "authority", "since", "in force", "citation", title="Effects")
        for e in data["effects"] + data["suspended_effects"]:
            add_row(t, words(e["kind"]), e["authority"], e["start"], "yes" if e["in_force"] else "suspended",
                    e["citation"])
        out.print(t)
    if data["deadlines"]:
        t = table("date", "effect", "change", "citation", title="Upcoming deadlines")
        for d in data["deadlines"]:
            add_row(t, d["date"], words(d["effect"]), d["change"], d["citation"])
        out.print(t)
    out.print("[dim]data as of: " + ", ".join(f"{src} {day}" for src, day in data["data_as_of"].items()) + "[/]")


@app.command("timeline")
@click.argument("name")
@KNOWN_AT
@AS_JSON
@friendly
def timeline_cmd(name: str, known_at: str | None, as_json: bool) -> None:
    """Every event of NAME's story with its source, and the effects it produced."""
    from listwatch import history, report
    from listwatch.resolve import resolve

    st, known = reader(), parse_known_at(known_at)
    data = report.timeline_json(st, history.timeline(st, resolve(st, name, known), known))
    if as_json:
        emit_answer(data, st, None, known)
        return
    out.print(f"[bold]{escape(data['entity']['name'])}[/] [dim]({escape(data['entity']['id'])})[/]")
    t = table("date", "list", "event", "note / listed as", "source", title="Events")
    for ev in data["events"]:
        add_row(t, ev["date"], ev["list"], ev["type"] if ev["entity"] else f"{ev['type']} (list-wide)",
                  ev["listed_as"] or ev["note"] or "", ev["source"] or "")
    out.print(t)
    t = table("effect", "list", "start", "end", "took effect", "citation", title="Effects")
    for e in data["effects"]:
        # An effect that never took effect may have been cut off before its start: say so rather than
        # print an end before the start.
        cut_early = e["end"] is not None and e["end"] <= e["start"]
        add_row(t, words(e["kind"]), e["list"], e["start"], "" if cut_early else e["end"] or "",
                "yes" if e["took_effect"] else f"never (ended {e['end']}, before its start)" if cut_early
                else "never", e["citation"])
    out.print(t)


@app.command("lists")
@AS_JSON
@friendly
def lists_cmd(as_json: bool) -> None:
    """The lists listwatch knows, with their authority."""
    from listwatch import report

    st = reader()
    lists = st.lists()
    from listwatch.freshness import freshness

    data = report.lists_json(lists, {x.id: len(st.entity_ids_on(x.id)) for x in lists}, freshness(st))
    if as_json:
        emit_answer(data, st, None, None)
        return
    t = table("id", "name", "authority", "entities ever listed", "data as of")
    for r in data["lists"]:
        add_row(t, r["id"], r["name"], r["authority"], str(r["entities"]),
                ", ".join(f"{s['as_of']} ({s['source']})" for s in r["data_sources"]) or "-")
    out.print(t)


@app.command("members")
@click.argument("list_id", metavar="LIST")
@AS_OF
@KNOWN_AT
@AS_JSON
@friendly
def members_cmd(list_id: str, as_of: str | None, known_at: str | None, as_json: bool) -> None:
    """Members of LIST on a date."""
    from listwatch import history, report

    day, known = parse_date(as_of, "--as-of"), parse_known_at(known_at)
    st = reader()
    check_list(st, list_id)
    data = report.members_json(list_id, day, history.members(st, list_id, day, known))
    if as_json:
        emit_answer(data, st, day, known)
        return
    t = table("id", "name", "since", "in force", title=f"{list_id} on {data['as_of']}: {data['count']} members")
    for m in data["members"]:
        add_row(t, m["id"], m["name"], m["since"], "yes" if m["in_force"] else "enjoined")
    out.print(t)


@app.command("diff")
@click.argument("list_id", metavar="LIST")
@click.argument("from_", metavar="FROM")
@click.argument("to")
@KNOWN_AT
@AS_JSON
@friendly
def diff_cmd(list_id: str, from_: str, to: str, known_at: str | None, as_json: bool) -> None:
    """What changed on LIST between the end of day FROM and the end of day TO."""
    from listwatch import history, report

    start, end = parse_date(from_, "FROM"), parse_date(to, "TO")
    if end < start:
        raise UsageProblem(f"TO {to} is before FROM {from_}")
    st, known = reader(), parse_known_at(known_at)
    check_list(st, list_id)
    data = report.diff_json(history.diff(st, list_id, start, end, known))
    if as_json:
        emit_answer(data, st, end, known)
        return
    t = table("change", "id", "name", "date", title=f"{list_id}: {data['from']} -> {data['to']}")
    for m in data["added"]:
        add_row(t, "added", m["id"], m["name"], m["since"])
    for m in data["removed"]:
        add_row(t, "removed", m["id"], m["name"], m["until"] or "")
    for m in data["amended"]:
        add_row(t, "amended", m["id"], f"{m['before']['listed_as']} -> {m['listed_as']}", m["since"])
    out.print(t)


# A path argument or option as a pathlib.Path (not checked here: the command says what is wrong with it).
PATH = click.Path(path_type=Path)


@app.command("portfolio")
@click.argument("file", type=PATH)
@AS_OF
@KNOWN_AT
@AS_JSON
@friendly
def portfolio_cmd(file: Path, as_of: str | None, known_at: str | None, as_json: bool) -> None:
    """Check a holdings CSV (columns name and/or isin/ticker, optional quantity)."""
    from listwatch.portfolio import check_portfolio, checked_json, read_holdings

    day, known = parse_date(as_of, "--as-of"), parse_known_at(known_at)
    holdings = read_holdings(file.read_bytes(), str(file))
    st = store()
    rows = [checked_json(st, c) for c in check_portfolio(st, holdings, day, known)]
    if as_json:
        emit_answer({"as_of": day.isoformat(), "rows": rows}, st, day, known)
        return
    t = table("row", "holding", "match", "entity", "restricted", "action", title=f"Portfolio on {day}")
    verdict = {True: "yes", False: "no", None: "unknown"}
    for r in rows:
        add_row(t, str(r["row"]), r["name"] or r["isin"] or r["ticker"], words(r["match"]),
                r["entity"]["name"] if r["entity"] else "-", verdict[r["restricted"]], r["action"])
    out.print(t)


@app.command("compare")
@click.argument("a")
@click.argument("b")
@AS_JSON
@friendly
def compare_cmd(a: str, b: str, as_json: bool) -> None:
    """Score how likely names A and B are the same party, and why."""
    from listwatch.match.comparison import compare

    result = compare(a, b)
    if as_json:
        emit_json(result.as_json())
        return
    out.print(f"score [bold]{result.score:.3f}[/]: {escape(str(result.explanation['summary']))}")


THRESHOLD = click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=DEFAULT_THRESHOLD, show_default=True,
                         help="Lowest score reported.")
LIST_FILTER = click.option("--list", "list_", multiple=True, help="Only entities on this list on the --as-of date "
                           "(repeat for several; see 'lists').")
COUNTRY_FILTER = click.option("--country", multiple=True,
                              help="Only entities of this country, ISO 3166 alpha-2 (repeatable).")
SCHEMA_FILTER = click.option("--schema", multiple=True, help="Only companies, persons, vessels or aircraft: "
                             "company/person/vessel/aircraft (repeatable).")


def _filters(lists: tuple[str, ...], countries: tuple[str, ...], schemas: tuple[str, ...]) -> Any:
    from listwatch.screen import ScreenFilter

    return ScreenFilter(tuple(lists), tuple(countries), tuple(schemas)) or None


@app.command("screen")
@click.argument("query")
@AS_OF
@KNOWN_AT
@THRESHOLD
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@AS_JSON
@LIST_FILTER
@COUNTRY_FILTER
@SCHEMA_FILTER
@friendly
def screen_cmd(query: str, as_of: str | None, known_at: str | None, threshold: float, limit: int, as_json: bool,
               list_: tuple[str, ...], country: tuple[str, ...], schema: tuple[str, ...]) -> None:
    """Screen a name or identifier (ISIN, LEI, ticker@exchange) against every list."""
    from listwatch.screen import screen

    day, known, st = parse_date(as_of, "--as-of"), parse_known_at(known_at), reader()
    hits = screen(query, day, threshold, limit, store=st, known_at=known, filters=_filters(list_, country, schema))
    if as_json:
        emit_answer({"query": query, "as_of": day.isoformat(), "threshold": threshold,
                                 "results": [h.as_json() for h in hits]}, st, day, known)
        return
    if not hits:
        out.print(escape(f"No match for {query!r} at threshold {threshold:.2f}."))
        return
    t = table("score", "entity", "matched name", "restricted", "why", title=f"{query!r} on {day}")
    for h in hits:
        add_row(t, f"{h.score:.3f}", f"{h.entity.name} [{h.entity.id}]", h.matched_name,
                  ", ".join(x.list_id for x in h.status.listings if x.in_force)
                  or ("unknown" if h.status.restricted is None else "no"),
                  str(h.explanation["summary"]))
    out.print(t)


def _redraw_every(bar: Progress, task: TaskID, seconds: float = 0.1) -> Callable[[int], None]:
    """A read callback moving ``bar`` on and redrawing it at most every ``seconds``."""
    drawn = [0.0]

    def on_read(n: int) -> None:
        bar.advance(task, n)
        if time.monotonic() - drawn[0] >= seconds:
            drawn[0] = time.monotonic()
            bar.refresh()

    return on_read


COLUMN = click.option("--column", default="name", show_default=True, help="The column holding the names.")


@app.command("screen-file")
@click.argument("file", type=PATH)
@click.option("-o", "--output", type=PATH, help="Write a CSV of best hits here.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines on stdout, one per input row.")
@COLUMN
@AS_OF
@KNOWN_AT
@THRESHOLD
@click.option("--limit", type=click.IntRange(1, 100), default=5, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), help="Processes (default: all cores).")
@LIST_FILTER
@COUNTRY_FILTER
@SCHEMA_FILTER
@friendly
def screen_file_cmd(file: Path, output: Path | None, as_json: bool, column: str, as_of: str | None,
                    known_at: str | None, threshold: float, limit: int, workers: int | None, list_: tuple[str, ...],
                    country: tuple[str, ...], schema: tuple[str, ...]) -> None:
    """Screen every row of a CSV (streamed, on all cores): -o OUT.csv, or --json for JSON Lines.

    Each JSON line carries the run's evidence; with -o it is written beside the CSV (OUT.csv.evidence.json).
    """
    from rich.progress import Progress

    from listwatch.batch import CSV_COLUMNS, csv_record, read_rows, screen_rows
    from listwatch.evidence import evidence

    if output is None and not as_json:
        raise UsageProblem("say where results go: -o OUT.csv or --json")
    day, known = parse_date(as_of, "--as-of"), parse_known_at(known_at)
    filters = _filters(list_, country, schema)
    if filters:
        filters.check_lists(store())
    proof = evidence(store(), day, known)  # also creates and seeds the store once here, not in every worker
    err = stderr_console()
    # redrawn as the file is read, not by a thread of its own: the workers are forked from this process
    with Progress(*Progress.get_default_columns(), console=err, transient=True, disable=not err.is_terminal,
                  auto_refresh=False) as bar:
        task = bar.add_task(f"screening {file.name}", total=file.stat().st_size)
        rows = read_rows(file, column, on_read=_redraw_every(bar, task))
        results = screen_rows(rows, day, threshold, limit, workers, known_at=known, filters=filters)
        if as_json:
            for r in results:
                sys.stdout.write(json.dumps({**r, "evidence": proof}, ensure_ascii=False) + "\n")
            return
        assert output is not None
        import csv

        with output.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
            w.writeheader()
            n = bad = 0
            for r in results:
                w.writerow(csv_record(r))
                n += 1
                bad += "error" in r
    sidecar = output.with_name(output.name + ".evidence.json")
    sidecar.write_text(json.dumps(proof, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    err.print(f"screened {n} rows ({bad} with errors) -> {output} (evidence: {sidecar.name})")


@app.command("spark-screen")
@click.argument("source", metavar="IN", type=PATH)
@click.argument("target", metavar="OUT", type=PATH)
@COLUMN
@click.option("--id-column", help="A column of ISIN/LEI/ticker.")
@click.option("--country-column", help="A column of ISO 3166 alpha-2 countries: each row's hits are of its country.")
@AS_OF
@KNOWN_AT
@THRESHOLD
@LIST_FILTER
@COUNTRY_FILTER
@SCHEMA_FILTER
@click.option("--master", help="Spark master, e.g. local[*] (default: as spark-submit or the Spark config says).")
@click.option("--format", "out_format", default="parquet", show_default=True, help="parquet or csv")
@click.option("--index", type=PATH, help="A screening index file written by 'listwatch spark-index' "
              "(default: written now).")
@friendly
def spark_screen_cmd(source: Path, target: Path, column: str, id_column: str | None, country_column: str | None,
                     as_of: str | None, known_at: str | None, threshold: float, list_: tuple[str, ...],
                     country: tuple[str, ...], schema: tuple[str, ...], master: str | None, out_format: str,
                     index: Path | None) -> None:
    """Screen a large file on Apache Spark (needs the 'spark' extra); same answers as screen-file.

    IN: a CSV (with a header) or Parquet file or directory. OUT: the output directory (Spark writes part files).
    """
    from listwatch import spark  # needs no PySpark itself: screen_files refuses with a hint if it is missing

    try:
        n = spark.screen_files(source, target, column=column, id_column=id_column, country_column=country_column,
                               filters=_filters(list_, country, schema), as_of=parse_date(as_of, "--as-of"),
                               known_at=parse_known_at(known_at), threshold=threshold, out_format=out_format,
                               master=master, index_path=index, store=store())
    except spark.SparkScreenError as exc:
        raise UsageProblem(str(exc)) from exc
    stderr_console().print(f"screened {n} rows -> {target}", markup=False)


@app.command("spark-index")
@click.argument("target", metavar="OUT", type=PATH)
@friendly
def spark_index_cmd(target: Path) -> None:
    """Write the screening index to a file (OUT) for 'spark-screen --index' (ship it with the job)."""
    from listwatch.spark import write_index

    write_index(store(), target)
    stderr_console().print(f"wrote {target}", markup=False)


@app.command("ingest")
@click.argument("fmt", metavar="FORMAT")
@click.argument("paths", metavar="PATH... [FORMAT PATH...]", nargs=-1, required=True, type=click.Path())
@click.option("--as-of", multiple=True, help="The list's own date for this version (effective date of changes the "
              "file does not date); once for every PATH, or once per PATH, in order.")
@click.option("--allow-shrink", is_flag=True, help="Accept a version that removes more of a source than the shrink "
              "guard allows (logged).")
@click.option("--to", type=int, help="ingest rollback SOURCE --to VERSION: apply that earlier version of SOURCE again.")
@AS_JSON
@friendly
def ingest_cmd(fmt: str, paths: tuple[str, ...], as_of: tuple[str, ...], allow_shrink: bool, to: int | None,
               as_json: bool) -> None:
    """Import official list files; records what changed since the last version of each source.

    FORMAT: ofac-csv, ofac-xml, csl, ftm, bis-dpl or ofac-history (an archive of sdn.csv snapshots, replayed as
    dated versions); or 'rollback' (then PATH is a source, e.g. ofac-sdn, and --to is needed).

    Several formats in one command, all or nothing: each FORMAT word starts its files (write ./csl for a file named
    csl), e.g. `listwatch ingest ofac-csv sdn/ --as-of 2021-07-07 csl consolidated.csv.gz --as-of 2022-05-16`.

    `listwatch ingest rollback SOURCE --to VERSION` brings a source back to an earlier version.
    """
    from listwatch.gcpause import gc_paused

    with gc_paused():  # the ingest's modules (SQLAlchemy's above all) make only objects that live to the end
        from listwatch import report
        from listwatch.ingest import ingest, ingest_groups
        from listwatch.ingest.rollback import rollback

    days = [parse_date(d, "--as-of") for d in as_of]
    st = store()
    if fmt == "rollback":
        if to is None or len(paths) != 1 or len(days) > 1:
            raise UsageProblem("usage: listwatch ingest rollback SOURCE --to VERSION")
        results = [rollback(st, paths[0], to, days[0] if days else None)]
    elif to is not None:
        raise UsageProblem("--to goes with 'listwatch ingest rollback SOURCE --to VERSION'")
    else:
        groups = _ingest_groups(fmt, paths, days)
        if len(groups) == 1:
            results = ingest(st, groups[0][0], groups[0][1], groups[0][2], allow_shrink=allow_shrink)
        else:
            results = ingest_groups(st, groups, allow_shrink=allow_shrink)
    queued = st.queued_deliveries()  # sent later: by `listwatch serve` or `listwatch webhooks deliver`
    if as_json:
        emit_json(report.ingest_json(results, queued))
        return
    for hook_id, delivery in queued.items():
        out.print(f"webhook {hook_id}: delivery {delivery} queued (sent by listwatch serve or "
                  "listwatch webhooks deliver)")
    if len(results) > 20:  # a history replay
        changed = [r for r in results if r.version is not None]
        out.print(f"{results[0].source}: {len(changed):,} versions replayed: {sum(r.added for r in changed):,} "
                  f"added, {sum(r.removed for r in changed):,} removed, {sum(r.amended for r in changed):,} amended")
        return
    for r in results:
        if r.version is None:
            print(f"{r.source}: same content as the latest version - nothing changed")
        else:
            print(f"{r.source}: version {r.version}, {r.records:,} records: {r.added:,} added, "
                      f"{r.removed:,} removed, {r.amended:,} amended; {r.merged:,} joined existing entities, "
                      f"{r.linked:,} possible-same links")


def _ingest_groups(fmt: str, words: Sequence[str], days: Sequence[dt.date]) -> list[Group]:
    """``FORMAT PATH... [FORMAT PATH...]`` as (format, paths, as-of) groups: one --as-of for all, or one per path."""
    from listwatch.ingest import FORMATS

    n = sum(w not in FORMATS for w in words)
    if len(days) not in (0, 1, n):
        raise UsageProblem(f"{len(days)} --as-of dates for {n} paths: give one for all, or one per path")
    groups: list[Group] = [(fmt, [], None)]
    for word in words:
        if word in FORMATS:
            groups.append((word, [], None))
            continue
        day = days[-1] if len(days) == 1 else days[sum(len(g[1]) for g in groups)] if days else None
        f, group, group_day = groups[-1]
        if group and day != group_day:  # a path with a date of its own: a group of its own
            groups.append((f, [], None))
        groups[-1] = (f, [*groups[-1][1], Path(word)], day)
    for f, group, _ in groups:
        if not group:
            raise UsageProblem(f"format {f} is given no PATH (for a file named {f}, write ./{f})")
    return groups


@app.command("changes")
@click.option("--since", help="Record time (ISO) after which to list.")
@click.option("--list", "list_id", help="Only this list.")
@click.option("--cursor", type=click.IntRange(min=0), default=0, show_default=True,
              help="Continue after this cursor (printed by the previous page as next_cursor).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=1000, show_default=True, help="Events per page.")
@AS_JSON
@friendly
def changes_cmd(since: str | None, list_id: str | None, cursor: int, limit: int, as_json: bool) -> None:
    """The change feed: events recorded after --since, oldest first, a page at a time (--cursor)."""
    from listwatch import report
    from listwatch import status as engine

    st = store()
    if list_id:
        check_list(st, list_id)
    after = parse_record_time(since, "--since") if since else None
    feed, next_cursor = engine.changes_page(st, after, list_id, cursor, limit)
    data = {**report.changes_json(st, feed, st.retractions_since(after, list_id) if cursor == 0 else []),
            "next_cursor": next_cursor}
    if as_json:
        emit_answer(data, st, None, None)
        return
    t = table("recorded", "effective", "list", "type", "entity", title=f"{len(data['changes'])} changes")
    for c in data["changes"]:
        add_row(t, c["recorded_at"], c["effective"], c["list"], c["type"],
                f"{c['entity']['name']} [{c['entity']['id']}]" if c["entity"] else "(list-wide)")
    out.print(t)
    for r in data["retracted"]:
        out.print(f"retracted {r['retracted_at']}: {r['type']} {r['list']} {r['effective']} ({escape(r['reason'])})")
    if next_cursor is not None:
        print(f"more: listwatch changes --cursor {next_cursor}" + (f" --since {since}" if since else "")
              + (f" --list {list_id}" if list_id else "") + (f" --limit {limit}" if limit != 1000 else ""))


@app.command("export")
@click.option("--format", "fmt", default="ftm", show_default=True, help="ftm (FollowTheMoney JSON Lines)")
@click.option("-o", "--output", type=PATH, help="File (default: stdout).")
@friendly
def export_cmd(fmt: str, output: Path | None) -> None:
    """Export every entity and its listing periods (FollowTheMoney JSON Lines)."""
    from listwatch.export import ftm_lines

    if fmt != "ftm":
        raise UsageProblem(f"unknown export format {fmt!r}; use ftm")
    lines = ftm_lines(store())
    if output is None:
        for line in lines:
            sys.stdout.write(line + "\n")
        return
    with output.open("w", encoding="utf-8") as fh:
        n = 0
        for line in lines:
            fh.write(line + "\n")
            n += 1
    stderr_console().print(f"wrote {n:,} FollowTheMoney entities to {output}")


@app.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Server processes.")
@click.option("--update-every", metavar="INTERVAL",
              help="Run `listwatch update` in the background now and every INTERVAL (6h, 30m, 1d).")
@click.option("--from", "from_", metavar="SOURCE=URL", multiple=True,
              help="Scheduled updates fetch SOURCE from this base URL.")
def serve_cmd(host: str, port: int, workers: int, update_every: str | None, from_: tuple[str, ...]) -> None:
    """Serve the HTTP API (and its docs at /docs)."""
    import uvicorn

    from listwatch.update import UpdateError, parse_from, parse_interval

    if update_every is not None:
        try:
            parse_interval(update_every)
        except ValueError as exc:
            fail(str(exc))
        if workers > 1:
            fail("--update-every runs in the server process: use it with one worker, or schedule "
                 "`listwatch update` with cron / a systemd timer (see README)")
        os.environ["LISTWATCH_UPDATE_EVERY"] = update_every
        try:
            parse_from(list(from_))
        except UpdateError as exc:
            fail(str(exc))
        os.environ["LISTWATCH_UPDATE_FROM"] = ",".join(from_)
    store()  # migrate and seed once, before the workers start
    shown = f"[{host}]" if ":" in host else host
    print(f"listwatch serving on http://{shown}:{port}/ (API docs: http://{shown}:{port}/docs); Ctrl-C stops",
          flush=True)
    uvicorn.run("listwatch.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False)


@app.command("examples")
@click.argument("directory", type=PATH, default=Path("."), required=False)
@friendly
def examples_cmd(directory: Path) -> None:
    """Write the example holdings.csv and customers.csv (used by the README tour) into DIRECTORY."""
    from importlib.resources import files  # only this command needs it

    directory.mkdir(parents=True, exist_ok=True)
    for name in ("holdings.csv", "customers.csv"):
        target = directory / name
        if target.exists():
            raise UsageProblem(f"{target} exists; not overwriting it")
        target.write_bytes(files("listwatch.examples").joinpath(name).read_bytes())
        print(f"wrote {target}")


@data_app.command("check")
@click.option("--path", type=PATH, help="Dataset directory (default: bundled).")
@friendly
def data_check(path: Path | None) -> None:
    """Validate the dataset: sources, duplicates, event order. Exit 1 on problems."""
    from listwatch import dataset, provenance

    ds = dataset.load(path)
    problems = dataset.check(ds)
    prov = provenance.counts(ds.events, ds.sources)
    sources_line = (f"events: {prov['primary']} cite a primary source, {prov['secondary_only']} secondary sources "
                    f"only; {prov['reported']} reported; {prov['verified_without_primary']} verified without a "
                    "primary source")
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(sources_line, file=sys.stderr)
        print(f"{len(problems)} problem(s) in {path or dataset.bundled_dir()}", file=sys.stderr)
        raise click.exceptions.Exit(1)
    per_list: dict[str, int] = {}
    for ev in ds.events:
        if ev.type.value == "listed" and ev.entity_id:
            per_list[ev.list_id] = per_list.get(ev.list_id, 0) + 1
    print(f"ok: {len(ds.entities)} entities, {len(ds.events)} events, {len(ds.sources)} sources; listings per list: "
          + ", ".join(f"{k} {v}" for k, v in sorted(per_list.items())))
    print(sources_line)


@app.command("update")
@click.option("--only", metavar="SOURCE", multiple=True, help="Update only this source (repeatable).")
@click.option("--from", "from_", metavar="SOURCE=URL", multiple=True,
              help="Fetch SOURCE's files by their official names under this base URL (a mirror, a proxy).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds per request.")
@click.option("--retries", type=click.IntRange(min=0), default=2, show_default=True,
              help="Extra attempts after a failed request.")
@click.option("--allow-shrink", is_flag=True, help="Apply a version that removes a large share of a list (the "
              "shrink guard refuses it otherwise).")
@AS_JSON
@friendly
def update_cmd(only: tuple[str, ...], from_: tuple[str, ...], timeout: float, retries: int, allow_shrink: bool,
               as_json: bool) -> None:
    """Fetch every list from its official publisher; apply what changed. Exit 1 if a source failed.

    Sources: ofac-sdn, ofac-cons, csl, bis-dpl. An unchanged list costs one conditional request.
    """
    from listwatch.cli_update import run_update

    results = run_update(list(only), list(from_), timeout, retries, allow_shrink, as_json, out)
    if as_json:
        emit_json(results)
    if any(r["outcome"] == "failed" for r in results["results"]):
        raise click.exceptions.Exit(1)


from listwatch import cli_webhooks  # noqa: E402, F401 - registers the `webhooks` commands on hooks_app

app.add_command(data_app)  # last in the help, as before
app.add_command(hooks_app)


def main() -> None:  # pragma: no cover - console entry
    app()
