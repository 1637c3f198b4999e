"""Write src/listwatch/match/data/pinyin.json: the pinyin of every Han word of the matcher's word lists.

    python tools/build_pinyin.py

Re-run it when a word list gains a Han word (legal_forms.txt, han_glossary.txt) or pypinyin's version
changes; ``tests/test_normalize.py`` fails until then. Without a matching file listwatch computes the same
pinyin itself (importing pypinyin, ~0.4 s) and keeps it in the cache directory (:mod:`listwatch.match.pinyin`).
"""

from __future__ import annotations

import json
from pathlib import Path

from pypinyin import lazy_pinyin

from listwatch.cachefile import library_version
from listwatch.match.normalize import han_words
from listwatch.match.pinyin import BUNDLE

OUT = Path(__file__).resolve().parents[1] / "src" / "listwatch" / "match" / "data" / BUNDLE


def main() -> None:
    table = {"pypinyin": library_version("pypinyin"), "pinyin": {w: lazy_pinyin(w) for w in han_words()}}
    lines = [f"  {json.dumps(w, ensure_ascii=False)}: {json.dumps(p)}" for w, p in table["pinyin"].items()]
    OUT.write_text(f'{{"pypinyin": {json.dumps(table["pypinyin"])}, "pinyin": {{\n' + ",\n".join(lines) + "\n}}\n",
                   encoding="utf-8")
    print(f"{OUT}: {len(table['pinyin'])} words, pypinyin {table['pypinyin']}")


if __name__ == "__main__":
    main()
