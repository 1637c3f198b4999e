"""The glossary of romanisations of Chinese names (listwatch.match.glossary), built from data."""

from __future__ import annotations

import importlib.resources

import pytest

from listwatch.match.glossary import FILE, Entry, entries_from_cedict, entries_from_pairs, latin_key, romanisations
from listwatch.match.han import name_key
from listwatch.match.index import NameDoc, NameIndex

LISTED = ["CHINA MOBILE", "CHINA NATIONAL OFFSHORE OIL CORPORATION", "CNOOC", "Hunan University", "Xiaomi Corporation",
          "Beijing Institute of Technology"]
CEDICT = """\
中國移動通信 中国移动通信 [Zhong1 guo2 Yi2 dong4 Tong1 xin4] /China Mobile (PRC state telecommunications company)/
中國海洋石油總公司 中国海洋石油总公司 [Zhong1 guo2 Hai3 yang2 Shi2 you2 Zong3 gong1 si1] /CNOOC; China National Offshore Oil Corporation/
湖南大學 湖南大学 [Hu2 nan2 Da4 xue2] /Hunan University/
北京理工大學 北京理工大学 [Bei3 jing1 Li3 gong1 Da4 xue2] /Beijing Institute of Technology (BIT)/
小米 小米 [xiao3 mi3] /millet/
中興 中兴 [zhong1 xing1] /resurgence/recovery/restoration/
華為 华为 [Hua2 wei2] /Huawei (brand)/
""".splitlines()


def test_cedict_proper_nouns_naming_a_listed_party_become_entries() -> None:
    entries = entries_from_cedict(CEDICT, {latin_key(n): n for n in LISTED})
    assert {(e.key, e.latin) for e in entries} == {
        ("中国移动通信", "China Mobile communications"),  # the gloss leaves out 通信: the shorter name is a key too
        ("中国移动", "China Mobile"),
        ("中国海洋石油", "China National Offshore Oil Corporation"),  # the longest gloss naming a listed party
        ("北京理工大学", "Beijing Institute of Technology"),  # the place is part of the name
    }  # not millet (lower case), not "resurgence" (not listed), not Huawei or Hunan University (pinyin says it)


def test_pairs_in_the_list_data_become_entries_unless_pinyin_says_it() -> None:
    pairs = [("旷视科技有限公司", "MEGVII TECHNOLOGY LIMITED", "ofac-cons:33091"),
             ("华为技术有限公司", "Huawei Technologies Co., Ltd.", "bundled:huawei")]
    assert entries_from_pairs(pairs) == [Entry("旷视科技", "MEGVII TECHNOLOGY LIMITED", "ofac-cons:33091")]


def test_the_shipped_glossary_is_generated_sorted_and_keyed_by_name_key() -> None:
    lines = [x for x in (importlib.resources.files("listwatch.match") / "data" / FILE).read_text("utf-8").splitlines()
             if not x.startswith("#")]
    assert lines == sorted(lines) and len(lines) > 50
    for line in lines:
        key, latin, origin = line.split("\t")
        assert name_key(key, place=True) == key and latin and origin.split(":")[0] in {"cc-cedict", "bundled",
                                                                                     "ofac-cons", "ofac-sdn", "csl"}


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return NameIndex([NameDoc("china-mobile-limited", "CHINA MOBILE LIMITED"),
                      NameDoc("china-mobile-group", "CHINA MOBILE COMMUNICATIONS GROUP CO., LTD."),
                      NameDoc("china-mobile-group", "CHINA MOBILE"),
                      NameDoc("cnooc", "CHINA NATIONAL OFFSHORE OIL CORPORATION"), NameDoc("cnooc", "CNOOC"),
                      NameDoc("cnooc-limited", "CNOOC LIMITED"),
                      NameDoc("xiaomi", "Xiaomi Corporation"), NameDoc("xiaomi", "小米集团"),
                      NameDoc("megvii", "MEGVII TECHNOLOGY LIMITED"),
                      NameDoc("avic", "Aviation Industry Corporation of China"),
                      NameDoc("cnah", "China National Aviation Holding Co. Ltd"),
                      NameDoc("zte", "ZTE Corporation"), NameDoc("zte-parsian", "ZTE Parsian")])


@pytest.mark.parametrize(("query", "expected"), [
    ("中国移动", {"china-mobile-group", "china-mobile-limited"}),  # the brand: both listed China Mobiles at 1.0
    ("中國移動有限公司", {"china-mobile-limited"}),  # Traditional; a tie, which its legal form ("Limited") breaks
    ("中国移动通信集团有限公司", {"china-mobile-group"}),
    ("中国海洋石油集团有限公司", {"cnooc"}),  # 集团 and 总公司 both say how it is organised
    ("北京旷视科技有限公司", {"megvii"}),  # a place before the name the XML prints
    ("Xiaomi Jituan", {"xiaomi"}),  # pinyin of 小米集团
    ("中国航空工业集团", {"avic"}),  # not CNAH (中国航空集团)
    # the bundled data prints ZTE's registered names (SZSE / HKEX filings): the index here holds only its Latin name
    ("中兴通讯", {"zte"}), ("中兴通讯股份有限公司", {"zte"}), ("中興通訊股份有限公司", {"zte"}),
])
def test_chinese_names_find_the_listed_company_first(index: NameIndex, query: str, expected: set[str]) -> None:
    hits = index.search(query, threshold=0.8)
    assert hits and hits[0].ref in expected


def test_another_company_sharing_a_word_with_a_glossary_key_does_not_find_it(index: NameIndex) -> None:
    assert not index.search("中兴商业", threshold=0.8)  # Zhongxing Commercial, not ZTE (中兴通讯)


def test_a_name_the_glossary_does_not_know_has_no_romanisation() -> None:
    assert romanisations("中兴商业") == () and romanisations("Xiaomi") == ()  # 中兴 alone is not ZTE
    assert romanisations("中國移動有限公司") == ("China Mobile 有限公司",)


def test_a_name_without_han_characters_has_no_romanisation_and_no_key_is_empty() -> None:
    """romanisations returns at once for a name holding no Han character: its keys would be empty, and no
    line of the table gives an empty key (a line starting with a tab is left out)."""
    from listwatch.match import glossary  # noqa: PLC0415

    assert "" not in glossary._table() and name_key("China Mobile") == "" == name_key("中国 Mobile")
    assert romanisations("China Mobile") == () == romanisations("Zhongguo Yidong")
    assert romanisations("中國移動") and romanisations("中國移動 Mobile") == ()
