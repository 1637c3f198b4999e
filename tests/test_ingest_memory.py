"""Bounded memory: every list format is parsed as a stream, so a parser's peak memory does not grow
with the file. Measured with tracemalloc on a ~4 MB synthetic file of each format (records are
consumed and dropped, as the applier's per-record state is not what is measured here): a parser
that read the whole file would peak at more than the file's size; a streaming one stays at its
read buffer plus one record."""

from __future__ import annotations

import gzip
import tracemalloc
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from listwatch.ingest import bis_dpl, csl, ftm, ofac_csv, ofac_xml
from listwatch.ingest.records import read_bytes

ROWS = 2000
PAD = "Remarks " * 250  # ~2 KB per record: ~4 MB per file


def _csl_csv(tmp: Path) -> tuple[Path, int]:
    head = "_id,source,name,type,alt_names,start_date,federal_register_notice,ids,remarks\n"
    body = "".join(f"{i},Specially Designated Nationals (SDN) - Treasury Department,Acme {i} Ltd,Entity,,"
                   f"2021-01-14,,,{PAD}\n" for i in range(ROWS))
    data = (head + body).encode()
    path = tmp / "consolidated.csv.gz"
    path.write_bytes(gzip.compress(data, compresslevel=1))
    return path, len(data)


def _csl_json(tmp: Path) -> tuple[Path, int]:
    rows = ",".join(f'{{"_id": "{i}", "source": "Specially Designated Nationals (SDN) - Treasury Department", '
                    f'"name": "Acme {i} Ltd", "type": "Entity", "remarks": "{PAD}"}}' for i in range(ROWS))
    data = f'{{"total": {ROWS}, "results": [{rows}]}}'.encode()
    path = tmp / "consolidated.json"
    path.write_bytes(data)
    return path, len(data)


def _ofac_xml(tmp: Path) -> tuple[Path, int]:
    entity = ("<entity id=\"{i}\"><generalInfo><entityType>Entity</entityType><remarks>{pad}</remarks>"
              "</generalInfo><names><name><isPrimary>true</isPrimary><translations><translation>"
              "<isPrimary>true</isPrimary><formattedFullName>Acme {i} Ltd</formattedFullName></translation>"
              "</translations></name></names></entity>")
    data = ('<?xml version="1.0"?><sanctionsData xmlns="https://sanctionslistservice.ofac.treas.gov"><entities>'
            + "".join(entity.format(i=i, pad=PAD) for i in range(1, ROWS + 1))
            + "</entities></sanctionsData>").encode()
    path = tmp / "SDN_ENHANCED.ZIP"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("SDN_ENHANCED.XML", data)
    return path, len(data)


def _ofac_csv(tmp: Path) -> tuple[Path, int]:
    data = ("".join(f'{i},"ACME {i} LTD",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"{PAD}"\r\n'
                    for i in range(1, ROWS + 1)) + "\x1a").encode()
    path = tmp / "sdn.csv"
    path.write_bytes(data)
    return path, len(data)


def _ftm(tmp: Path) -> tuple[Path, int]:
    data = "".join(f'{{"id": "e{i}", "schema": "Company", "properties": {{"name": ["Acme {i}"], '
                   f'"notes": ["{PAD}"]}}}}\n' for i in range(ROWS)).encode()
    path = tmp / "x.ftm.json"
    path.write_bytes(data)
    return path, len(data)


def _dpl(tmp: Path) -> tuple[Path, int]:
    head = "\t".join(bis_dpl.COLUMNS) + "\n"
    data = (head + "".join("\t".join([f'"Person {i}"', '"1 Road"', '"Town"', '""', '"CN"', '""', '"01/14/2021"',
                                      '""', '"Y"', '""', f'"{PAD}"', '"86 FR 1"']) + "\n" for i in range(ROWS))
            ).encode()
    path = tmp / "dpl.txt"
    path.write_bytes(data)
    return path, len(data)


def _count(items: Iterable[object]) -> int:
    return sum(1 for _ in items)


CASES: dict[str, tuple[Callable[[Path], tuple[Path, int]], Callable[[Path], int]]] = {
    "csl-csv-gz": (_csl_csv, lambda p: _count(csl.iter_records(p))),
    "csl-json": (_csl_json, lambda p: _count(csl.iter_records(p))),
    "ofac-xml-zip": (_ofac_xml, lambda p: _count(ofac_xml.iter_records(p)[1])),
    "ofac-csv": (_ofac_csv, lambda p: _count(ofac_csv.iter_main(p, "ofac-sdn"))),
    "ftm": (_ftm, lambda p: _count(ftm.iter_entities(p))),
    "bis-dpl": (_dpl, lambda p: _count(bis_dpl.iter_records(p))),
}


def _peak(run: Callable[[], object]) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("case", list(CASES))
def test_parser_peak_memory_is_a_fraction_of_the_file(tmp_path: Path, case: str) -> None:
    make, parse = CASES[case]
    path, size = make(tmp_path)
    count, peak = _peak(lambda: parse(path))
    assert count == ROWS
    assert peak < size / 4, f"{case}: peak {peak:,} bytes for a {size:,}-byte file"


def test_the_measure_sees_a_whole_file_read(tmp_path: Path) -> None:
    """The yardstick itself: reading the same file whole peaks above its size."""
    path, size = _csl_csv(tmp_path)
    _, peak = _peak(lambda: read_bytes(path))
    assert peak >= size
