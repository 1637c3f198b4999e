"""Pure normalisers: one behaviour per test, plain asserts, idempotent."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from listwatch.match import normalize
from listwatch.match.normalize import core_key, legal_forms, lookup_key, name_variants
from listwatch.match.pinyin import words_pinyin


def test_lookup_key_ignores_case_punctuation_and_spacing() -> None:
    assert lookup_key("  XIAOMI   Corp.,") == lookup_key("xiaomi corp") == "xiaomi corp"


def test_lookup_key_applies_nfkc_to_fullwidth_forms() -> None:
    assert lookup_key("ＸＩＡＯＭＩ") == "xiaomi"


def test_lookup_key_keeps_han_characters() -> None:
    assert lookup_key("小米集团") == "小米集团"


def test_lookup_key_spaces_out_exactly_what_its_regular_expression_did() -> None:
    """lookup_key keeps word characters and Han ones, as ``[^\\w\\u3400-\\u9fff]+`` did before it became a
    translation table (cheaper to start than that class): checked on every character of the planes that have
    letters or digits, and on the tags' plane."""
    codes = [*range(0xD800), *range(0xE000, 0x40000), *range(0xE0000, 0xE1000)]
    text = "a".join(map(chr, codes))
    spec = re.sub(r"[^\w\u3400-\u9fff]+", " ", text).replace("_", " ").split()
    assert text.translate(normalize._SPACED).split() == spec
    assert lookup_key("Acme_Co (中国)\u4dc0 Ltd") == "acme co 中国 \u4dc0 ltd"


def test_lookup_key_spells_out_ampersand() -> None:
    assert lookup_key("Huawei Investment & Holding") == "huawei investment and holding"


@pytest.mark.parametrize("name", ["Xiaomi Corporation", "XIAOMI CORP.", "Xiaomi Corp", "xiaomi inc", "Xiaomi"])
def test_core_key_drops_legal_forms(name: str) -> None:
    assert core_key(name) == "xiaomi"


@pytest.mark.parametrize("name", ["SZ DJI Technology Co., Ltd.", "SZ DJI Technology Company Limited",
                                  "SZ DJI TECHNOLOGY CO LTD"])
def test_core_key_treats_co_ltd_variants_alike(name: str) -> None:
    assert core_key(name) == "sz dji technology"


def test_core_key_drops_chinese_legal_forms() -> None:
    assert core_key("华为技术有限公司") == "华为技术"
    assert core_key("杭州海康威视数字技术股份有限公司") == "杭州海康威视数字技术"


def test_core_key_keeps_a_name_that_is_only_a_legal_form() -> None:
    assert core_key("Limited") == "limited"


@pytest.mark.parametrize("name", ["Xiaomi Corporation", "SZ DJI Technology Co., Ltd.", "华为技术有限公司"])
def test_normalisers_are_idempotent(name: str) -> None:
    assert lookup_key(lookup_key(name)) == lookup_key(name)
    assert core_key(core_key(name)) == core_key(name)


def test_name_variants_split_a_trailing_short_name() -> None:
    assert name_variants("Semiconductor Manufacturing International Corp. (SMIC)") == [
        "Semiconductor Manufacturing International Corp. (SMIC)", "Semiconductor Manufacturing International Corp.",
        "SMIC"]


def test_name_variants_keep_a_parenthesis_inside_the_name() -> None:
    assert name_variants("Huawei Device (Shenzhen) Co., Ltd.") == ["Huawei Device (Shenzhen) Co., Ltd."]


def test_legal_forms_are_data_longest_first() -> None:
    forms = legal_forms()
    assert ("company", "limited") in forms and ("有限公司",) in forms
    assert [len(f) for f in forms] == sorted((len(f) for f in forms), reverse=True)


def _strip_by_scanning(tokens: list[str], phrases: tuple[tuple[str, ...], ...]) -> tuple[list[str], list[str]]:
    """The reference: at each position, the first (longest) phrase that matches there."""
    kept: list[str] = []
    dropped: list[str] = []
    i = 0
    while i < len(tokens):
        p = next((p for p in phrases if tuple(tokens[i:i + len(p)]) == p), None)
        if p:
            dropped += p
            i += len(p)
        else:
            kept.append(tokens[i])
            i += 1
    return kept, dropped


@pytest.mark.parametrize("name", [
    "hangzhou hikvision digital technology co ltd", "co co ltd ltd", "joint stock company joint",
    "public joint stock company rosneft oil company", "sa de cv", "limited liability company limited",
    "ltd", "co", "", "company limited co", "gmbh und co kg", "x ltd co ltd co y"])
def test_legal_form_trie_strips_exactly_like_a_scan_of_every_phrase(name: str) -> None:
    from listwatch.match.normalize import _legal_form_trie, _strip_phrases  # noqa: PLC0415

    tokens = name.split()
    assert _strip_phrases(tokens, _legal_form_trie()) == _strip_by_scanning(tokens, legal_forms())


def test_phrase_trie_prefers_the_longest_phrase_at_a_position() -> None:
    from listwatch.match.normalize import _strip_phrases, phrase_trie  # noqa: PLC0415

    trie = phrase_trie([("a",), ("a", "b", "c"), ("b", "c", "d")])
    assert _strip_phrases("a b c d".split(), trie) == (["d"], ["a", "b", "c"])
    assert _strip_phrases("a b x".split(), trie) == (["b", "x"], ["a"])


def test_words_pinyin_is_lazy_pinyins_answer_and_a_damaged_cache_file_is_rebuilt(index_dir: Path) -> None:
    from pypinyin import lazy_pinyin  # noqa: PLC0415

    words = ["小米", "海康威视", "有限公司"]  # not all in the bundled table: the cache file answers
    expected = {w: lazy_pinyin(w) for w in words}
    assert words_pinyin(words) == expected
    files = list(index_dir.glob("pinyin-*.json"))
    assert files
    for f in files:
        f.write_text("{not json", encoding="utf-8")
    assert words_pinyin(words) == expected
    assert words_pinyin(words) == expected  # from the rewritten file


@pytest.mark.parametrize("text", ["joint stock company acme", "acme limited liability company", "siemens aktiengesellschaft",
                                  "общество с ограниченной ответственностью ромашка", "xiaomi corporation", "", "gmbh",
                                  "société anonyme", "acme co ltd", "sociedad anonima de capital variable"])
def test_org_types_compare_is_rigours_public_function(text: str) -> None:
    from rigour.names import replace_org_types_compare  # noqa: PLC0415 - the public API it stands for
    from rigour.text.normalize import Cleanup, Normalize  # noqa: PLC0415

    from listwatch.match import normalize  # noqa: PLC0415

    assert (normalize._CASEFOLD, normalize._NO_CLEANUP) == (int(Normalize.CASEFOLD), int(Cleanup.Noop))
    assert normalize.org_types_compare(text) == replace_org_types_compare(text)


def test_likeness_metaphone_is_rigours_public_function() -> None:
    from rigour.text import metaphone  # noqa: PLC0415 - the public API it stands for

    from listwatch.match import likeness  # noqa: PLC0415

    for token in ["husayn", "hussein", "schulze", "scholz", "muhammad", "mohammed", "xiaomi", "tschaikowsky"]:
        assert likeness.metaphone(token) == metaphone(token)


def test_the_bundled_pinyin_is_lazy_pinyins_for_every_han_word_of_the_word_lists(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pypinyin import lazy_pinyin  # noqa: PLC0415

    from listwatch.cachefile import library_version  # noqa: PLC0415
    from listwatch.match import pinyin  # noqa: PLC0415
    from listwatch.match.datafiles import read_data  # noqa: PLC0415
    from listwatch.match.normalize import han_words  # noqa: PLC0415

    monkeypatch.setenv("LISTWATCH_INDEX_DIR", str(tmp_path))  # the cache directory, if asked
    held = json.loads(read_data(pinyin.BUNDLE))
    if held["pypinyin"] != library_version("pypinyin"):
        pytest.skip(f"data/{pinyin.BUNDLE} was written with pypinyin {held['pypinyin']}: run tools/build_pinyin.py")
    assert sorted(held["pinyin"]) == han_words(), "a word list changed: run tools/build_pinyin.py"
    assert held["pinyin"] == {w: lazy_pinyin(w) for w in han_words()}
    assert words_pinyin(han_words()) == held["pinyin"] and not list(tmp_path.glob("pinyin-*.json"))
    monkeypatch.setattr(pinyin, "library_version", lambda dist: "0.0.1")  # another pypinyin: the table is not used
    pinyin._bundled.cache_clear()
    try:
        assert words_pinyin(han_words()) == held["pinyin"] and list(tmp_path.glob("pinyin-0.0.1-*.json"))
    finally:
        pinyin._bundled.cache_clear()


def test_a_rigour_without_the_private_core_functions_falls_back_to_the_public_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyproject allows any rigour 2.x; the private ``rigour._core`` entry points are only a faster way in."""
    import importlib  # noqa: PLC0415
    import types  # noqa: PLC0415

    from rigour.names import replace_org_types_compare  # noqa: PLC0415
    from rigour.text import metaphone  # noqa: PLC0415

    from listwatch.match import likeness, normalize  # noqa: PLC0415

    monkeypatch.setitem(sys.modules, "rigour._core", types.ModuleType("rigour._core"))  # has neither function
    normalize._org_types.cache_clear()  # (the function is looked up once per process)
    try:
        assert normalize._org_types() is replace_org_types_compare
        assert normalize.org_types_compare("joint stock company acme") == replace_org_types_compare("joint stock company acme")
        reloaded = importlib.reload(likeness)
        assert reloaded.metaphone is metaphone
        assert reloaded.likeness("husayn", "hussein") >= reloaded.PHONETIC
    finally:
        monkeypatch.undo()
        importlib.reload(likeness)
        normalize._org_types.cache_clear()


def test_the_legal_form_typo_search_is_skipped_only_for_tokens_two_edits_from_every_form_word(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every one-edit typo (substitution, insertion, deletion, transposition) of a word a legal form's "*" stands
    for passes the cheap check, and repairing each in its form gives what the full search gives."""
    wild = normalize._form_wildcards()[0]
    cases = []
    for key, form in wild.items():
        at = key.index("*")
        word = form[at]
        typos = {word[:i] + c + word[i + 1:] for i in range(len(word)) for c in "xe"}  # substitutions
        typos |= {word[:i] + word[i + 1:] for i in range(len(word))}  # deletions
        typos |= {word[:i] + "q" + word[i:] for i in range(len(word) + 1)}  # insertions
        typos |= {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}  # transpositions
        typos.discard(word)
        assert all(normalize._near_form_word(t) for t in typos), word
        cases += [["acme", *form[:at], t, *form[at + 1:]] for t in sorted(typos)]
    assert not normalize._near_form_word("acmeholding")
    fast = [normalize.repair_legal_form_typos(c) for c in cases]
    monkeypatch.setattr(normalize, "_near_form_word", lambda token: True)
    assert fast == [normalize.repair_legal_form_typos(c) for c in cases]
    assert sum(f != c for f, c in zip(fast, cases, strict=True)) > len(cases) // 2  # (most are repaired)
