"""Matching: normalisation for screening, scores with explanations, identifiers, the index."""

from __future__ import annotations

import pytest

from listwatch.match import compare
from listwatch.match.han import simplified, trade_name
from listwatch.match.index import NameDoc, NameIndex, identifier_keys
from listwatch.match.likeness import likeness
from listwatch.match.normalize import fold, split_legal_forms, strip_security_suffix, unglue_legal_forms
from listwatch.match.score import Prepared, _letter_runs, align, legal_forms_agree, prepare, rounded, score_pair


def test_fold_transliterates_any_script_to_ascii() -> None:
    assert fold("Тамбовский завод «Октябрь»") == "tambovskiy zavod oktyabr"
    assert fold("ＸＩＡＯＭＩ") == "xiaomi"


def test_fold_romanises_han_with_glossary_and_pinyin() -> None:
    assert fold("小米集团") == "xiaomi group"
    assert fold("华为技术有限公司") == "huawei technology limited"  # a legal form in English, set aside later


def test_fold_drops_apostrophes_inside_words() -> None:
    assert fold("SHAHID BABA'I GROUP") == "shahid babai group"


def test_security_labels_are_dropped_from_the_end_only() -> None:
    assert strip_security_suffix(fold("XIAOMI CORP-CLASS B").split()) == (["xiaomi", "corp"], ["class", "b"])
    assert strip_security_suffix(["class", "b", "holdings"])[0] == ["class", "b"]


@pytest.mark.parametrize("name", ["Co., Ltd.", "Company Limited", "Co Ltd", "CO. LTD", "Joint Stock Company",
                                  "OOO", "Obshchestvo s Ogranichennoy Otvetstvennostyu", "S.A. de C.V.", "GmbH"])
def test_legal_forms_are_set_aside(name: str) -> None:
    core, forms = split_legal_forms(fold(f"Acme {name}").split())
    assert core == ["acme"] and forms


def test_person_name_in_last_first_order_matches_first_last() -> None:
    assert compare("BORAVCANIN, Ljubomir", "Ljubomir BORAVCANIN").score == 1.0


def test_chinese_characters_meet_pinyin_company_name() -> None:
    c = compare("小米集团", "Xiaomi Corporation")
    assert c.score >= 0.8
    assert c.explanation["matched"][0] == {"query": "xiaomi", "name": "xiaomi", "similarity": 1.0, "weight": 1.0}


@pytest.mark.parametrize("variant", ["SZ DJI Technology Co., Ltd.", "SZ DJI TECHNOLOGY COMPANY LIMITED",
                                     "sz dji technology co ltd", "SZ DJI Technology"])
def test_co_ltd_variants_neither_cause_nor_block_a_match(variant: str) -> None:
    assert compare(variant, "SZ DJI Technology Co., Ltd.").score == 1.0
    assert compare("Acme Co., Ltd.", "Widget Co., Ltd.").score == 0.0


def test_typo_in_a_long_token_still_matches_and_is_explained() -> None:
    c = compare("Hangzhou Hikvison Digital Technology", "Hangzhou Hikvision Digital Technology Co., Ltd.")
    assert c.score > 0.9
    fuzzy = [m for m in c.explanation["matched"] if m["similarity"] < 1]
    assert fuzzy and fuzzy[0]["query"] == "hikvison" and fuzzy[0]["name"] == "hikvision"


def test_token_order_does_not_matter() -> None:
    assert compare("Digital Technology Hangzhou Hikvision", "Hangzhou Hikvision Digital Technology").score == 1.0


def test_acronym_alias_matches_through_the_printed_short_name() -> None:
    assert compare("SMIC", "Semiconductor Manufacturing International Corp. (SMIC)").score == 1.0


def test_shared_generic_words_alone_do_not_match() -> None:
    assert compare("China Technology Group", "China Mobile Technology Group").score < 0.8
    assert compare("Xiaomi", "ZHANG, Xiaoming").score < 0.5


def test_missing_family_name_is_penalised_and_said() -> None:
    c = compare("Seyyed Reza BRITAIN", "KAZEMI, Seyyed Reza")
    assert c.score < 0.8
    assert any("family name" in p for p in c.explanation["penalties"])


def test_identifier_keys_validate_isin_and_lei() -> None:
    assert identifier_keys("KYG9830T1067") == ["isin:KYG9830T1067"]
    assert identifier_keys("KYG9830T1066") == []  # bad check digit
    assert identifier_keys("1810@HK") == ["ticker:1810@HK"]
    assert identifier_keys(" 9144 0300 1922 038216") == ["uscc:914403001922038216"]  # (18 characters, spaces off)
    assert identifier_keys("0941.hk") == ["ticker:941@HK"] and identifier_keys("0941.XX") == []
    assert identifier_keys("91440300192203821") == identifier_keys("1810 HK") == identifier_keys("0941 HK") == []


@pytest.mark.parametrize("query", ["", "   ", "!!!", "***", "a"])
def test_garbage_queries_give_no_hit_not_a_crash(query: str) -> None:
    index = NameIndex([NameDoc("x", "Xiaomi Corporation")])
    assert index.search(query) == []


def test_index_finds_glued_and_split_words() -> None:
    index = NameIndex([NameDoc("a", "GALA WANG"), NameDoc("b", "HIKVISION DIGITAL"), NameDoc("c", "HARAZ SHIPPING CO")])
    assert index.search("GalaWang")[0].ref == "a"
    assert index.search("Hik Vision Digital")[0].ref == "b"
    assert index.search("HARAZ SHIPPINGCOMPANY")[0].ref == "c"


def test_index_scores_identifiers_at_one() -> None:
    index = NameIndex([NameDoc("x", "Xiaomi Corporation", identifiers=("isin:KYG9830T1067",))])
    [hit] = index.search("KYG9830T1067")
    assert hit.score == 1.0 and hit.explanation.identifier == "isin:KYG9830T1067"


def test_a_listed_identifier_is_found_only_by_a_valid_one() -> None:
    """The index checks a query's ISIN or LEI only when some name holds it, and then still checks it: a list
    printing an identifier with a bad check digit does not make a query of it an identifier."""
    lei, bad = "529900T8BM49AURSDO55", "529900T8BM49AURSDO56"
    index = NameIndex([NameDoc("x", "Acme Corporation", identifiers=(f"lei:{lei}", f"lei:{bad}", "isin:KYG9830T1066"))])
    assert [h.explanation.identifier for h in index.search(lei)] == [f"lei:{lei}"]
    assert index.search(bad) == [] == index.search("KYG9830T1066")
    assert identifier_keys(lei, {"lei:other"}) == [] and identifier_keys(lei) == [f"lei:{lei}"]


def test_rare_tokens_weigh_more_than_common_ones() -> None:
    docs = [NameDoc(str(i), f"China {w} Technology Group") for i, w in enumerate(
        ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta"])]
    index = NameIndex([*docs, NameDoc("x", "Xiaomi Technology Group")])
    assert index.weight("xiaomi") > index.weight("china") > 0
    assert index.search("Xiaomi China")[0].ref == "x"


def test_prepare_is_idempotent_on_its_own_tokens() -> None:
    p = prepare("Hangzhou Hikvision Digital Technology Co., Ltd.")
    assert prepare(" ".join(p.tokens)).tokens == p.tokens


@pytest.mark.parametrize(("name", "other"), [("Huawei Technologies Co., Ltd. (Huawei)", "Huawei Device Co., Ltd."),
                                             ("ABDULLAH, Abdullah Ahmed", "ABDULLAH, Ahmed")])
def test_a_name_with_a_repeated_word_finds_itself_at_the_default_threshold(name: str, other: str) -> None:
    filler = [NameDoc(f"f{i}", f"{w} Technologies Co., Ltd.") for i, w in enumerate(["Alpha", "Beta", "Gamma", "Delta"])]
    index = NameIndex([NameDoc("self", name, person="," in name), NameDoc("other", other, person="," in other),
                       *filler])
    hit = index.search(name, threshold=0.8)[0]
    assert (hit.ref, hit.score) == ("self", 1.0)


def test_a_list_name_ending_in_a_security_label_word_finds_itself() -> None:
    index = NameIndex([NameDoc("s", "SAKUNDA HOLDINGS"), NameDoc("u", "YAHYA AYYASH UNITS")])
    assert [(h.ref, h.score) for h in index.search("SAKUNDA HOLDINGS", threshold=0.8)] == [("s", 1.0)]
    assert index.search("YAHYA AYYASH UNITS", threshold=0.8)[0].score == 1.0
    assert index.search("SAKUNDA - CLASS B")[0].ref == "s"


def test_pair_score_is_continuous_below_the_old_cut_off() -> None:
    near, far, none = (compare(a, "Olaf Scholz", person=True).score
                       for a in ("Olaf Scholze", "Octavian Scholz", "Angela Merkel"))
    assert 0 < far < near and none < far
    assert 0 < compare("Tom Cook", "Tim Cook", person=True).score < compare("Tim Cook", "Tim Cook").score


@pytest.mark.parametrize(("a", "b"), [("V. Putin", "Vladimir Putin"), ("Hans J Friedrich", "Hans Joachim Friedrich"),
                                      ("PUTIN, Vladimir", "Vladimir Putin"),
                                      ("Sergey LAVROV", "Sergey Viktorovich LAVROV"),
                                      ("Saddam Husayn", "Saddam Hussein")])
def test_person_names_match_across_order_initials_patronymics_and_spellings(a: str, b: str) -> None:
    assert compare(a, b, person=True).score >= 0.8


def test_initials_count_only_for_persons_and_only_their_own_letter() -> None:
    assert compare("W. Frost", "William Frost", person=True).score > compare("W. Frost", "William Frost").score
    assert compare("V. Putin", "Vladimir Putin", person=True).score > compare("A. Putin", "Vladimir Putin",
                                                                               person=True).score


def test_a_different_family_name_after_al_outweighs_shared_given_names() -> None:
    assert compare("JAMAL MUSTAFA SULTAN AL-DULAIMI", "JAMAL MUSTAFA SULTAN AL-TIKRITI", person=True).score < 0.8


def test_spelled_out_acronym_and_numbered_entities() -> None:
    assert compare("ABC Company", "A.B.C. Company").score == 1.0
    assert compare("Apollo Investment Fund VIII L.P.", "Apollo Investment Fund IX L.P.").score < 0.8


@pytest.mark.parametrize(("registered", "trade"), [("杭州海康威视数字技术股份有限公司", "海康威视"),
                                                   ("深圳市大疆创新科技有限公司", "大疆"),
                                                   ("中國移動有限公司", "中国移动"),
                                                   ("中微半导体设备（上海）股份有限公司", "中微")])
def test_trade_name_is_the_core_of_a_chinese_registered_name(registered: str, trade: str) -> None:
    assert trade_name(registered) == trade
    assert trade_name(trade) is None


def test_traditional_and_simplified_chinese_fold_alike() -> None:
    assert simplified("中國移動") == "中国移动"
    assert fold("中國移動有限公司") == fold("中国移动有限公司")


def test_chinese_trade_name_finds_the_registered_name() -> None:
    index = NameIndex([NameDoc("hikvision", "杭州海康威视数字技术股份有限公司"), NameDoc("dji", "深圳市大疆创新科技有限公司"),
                       NameDoc("dahua", "浙江大华技术股份有限公司")])
    assert index.search("海康威视")[0].ref == "hikvision"
    assert index.search("大疆")[0].ref == "dji"


def test_pinyin_collision_prefers_the_name_agreeing_in_characters() -> None:
    index = NameIndex([NameDoc("citic", "中信国际"), NameDoc("smic", "中芯国际")])
    hits = index.search("中芯国际", threshold=0.5)
    assert [h.ref for h in hits] == ["smic", "citic"] and hits[0].score == 1.0 > hits[1].score


def test_a_tie_goes_to_the_name_printing_the_querys_legal_form() -> None:
    """"CNOOC LTD" scores 1.0 against "CNOOC Limited" and the parent's short name "CNOOC" alike."""
    index = NameIndex([NameDoc("cnooc", "CNOOC"), NameDoc("cnooc-limited", "CNOOC Limited")])
    assert [h.ref for h in index.search("CNOOC LTD")] == ["cnooc-limited", "cnooc"]
    assert [h.ref for h in index.search("CNOOC CORP")] == ["cnooc", "cnooc-limited"]
    assert legal_forms_agree("Foo Corp. CLASS B", "FOO CORPORATION") and not legal_forms_agree("Foo", "Foo Ltd")


def test_equal_scores_go_to_the_name_printed_most_like_the_query_and_only_equal_scores_do() -> None:
    """"Acme Trading Co" and "... Company" both score 1.0 (a legal form is set aside, and both print the
    query's): the one printed like the query comes first, either way round, though by name "Co" is first; the
    typo scores less and comes last, though printed more like the query than the other 1.0 name."""
    index = NameIndex([NameDoc("co", "Acme Trading Co"), NameDoc("company", "Acme Trading Company"),
                       NameDoc("typo", "Acme Tradin Company")])
    assert [h.ref for h in index.search("Acme Trading Company", threshold=0.5)] == ["company", "co", "typo"]
    assert [h.ref for h in index.search("Acme Trading Co", threshold=0.5)] == ["co", "company", "typo"]


def test_pinyin_of_a_chinese_name_finds_it_in_characters() -> None:
    """"Xiaomi Jituan" is the pinyin of 小米集团; "youxian gongsi" (有限公司) is a legal form."""
    index = NameIndex([NameDoc("xiaomi", "小米集团"), NameDoc("huawei", "华为技术有限公司"), NameDoc("group", "Xiaomi Group")])
    assert index.search("Xiaomi Jituan")[0].score == 1.0
    assert index.search("Huawei Jishu Youxian Gongsi")[0].ref == "huawei"
    assert compare("Huawei Jishu Youxian Gongsi", "华为技术有限公司").score == 1.0


def test_number_words_and_legal_forms_in_their_own_script_are_normalised() -> None:
    assert compare("Brigade Forty-Four", "Brigade 44").score == 1.0 == compare("Brigade Forty 4", "Brigade 44").score
    assert compare("First International Bank", "1st International Bank").score == 1.0
    assert compare("Volkswagen Gesellschaft mit beschränkter Haftung", "Volkswagen GmbH").score == 1.0
    assert compare("Brigade 44", "Brigade 45").score < 0.8


def test_a_legal_form_glued_on_in_camel_case_is_a_word_of_its_own() -> None:
    assert compare("SiemensAG", "Siemens AG").score == 1.0 == compare("Deutsche BankAG.", "DEUTSCHE BANK AG").score
    assert compare("AcmeGmbH", "Acme GmbH").score == 1.0
    assert unglue_legal_forms("ACME GMBH") == "ACME GMBH" and unglue_legal_forms("acmegmbh") == "acmegmbh"
    assert unglue_legal_forms("ÄCMEGmbH") == "ÄCMEGmbH" and unglue_legal_forms("Äcmé TradingGmbH") == "Äcmé Trading GmbH"
    assert unglue_legal_forms("McDonald PayPal LinkedIn KGaA TelCo") == "McDonald PayPal LinkedIn KGaA TelCo"


def test_a_typo_in_a_legal_form_or_a_form_spelled_in_letters_is_still_the_legal_form() -> None:
    assert compare("TACTICAL MISSILES CORPORATION JOYNT STOCK COMPANY",
                   "TACTICAL MISSILES CORPORATION JOINT STOCK COMPANY").score == 1.0
    assert compare("Oboronnye Initsiativy o.O.O.", "OOO Oboronnye Initsiativy").score == 1.0
    assert split_legal_forms(["acme", "l", "p"]) == (["acme"], ["lp"])
    assert split_legal_forms(["a", "b", "c", "company"])[0] == ["a", "b", "c"]  # ABC is a name, not a form
    assert split_legal_forms(["acme", "trading", "limited"])[0] == ["acme", "trading"]  # no typo to repair


def test_a_query_printing_a_legal_form_is_an_organisation_not_the_person_of_the_same_name() -> None:
    index = NameIndex([NameDoc("dodik", "DODIK, Milorad", person=True), NameDoc("pao", "PAO, Hua Chiang", person=True)])
    [hit] = index.search("DODIK Milorad COMPANY LIMITED")
    assert hit.score == 0.85 and "names an organisation" in hit.explanation.summary()
    assert index.search("PAO, Hua Chiang")[0].score == 1.0  # PAO is a legal form and, here, a family name


def test_two_legal_forms_sharing_nothing_lower_the_score_a_little() -> None:
    other = compare("Deutsche Bank AG", "Deutsche Bank GmbH")
    assert 0.9 < other.score < compare("Deutsche Bank AG", "Deutsche Bank").score == 1.0
    assert "legal forms differ" in other.explanation["summary"]
    assert compare("CNOOC Ltd", "CNOOC Co., Ltd.").score == 1.0  # they share "ltd"


def test_search_many_gives_each_query_the_answer_of_search_alone_and_threads_share_nothing() -> None:
    """search_many ranks the candidates of many queries together and answers a repeated query once: the
    answers are search's, at any threshold; threads searching at once do not change each other's answers."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    names = ["Xiaomi Corporation", "Xiaomi Technology Group", "HIKVISION DIGITAL", "Huawei Technologies Co",
             "ABDULLAH, Abdullah Ahmed", "Hik Vision Trading"]
    index = NameIndex([NameDoc(str(i), n, person="," in n) for i, n in enumerate(names)])
    queries = ["Xiaomi Corp", "Hik Vision", "Huawey Technologies", "Ltd", "Xiaomi", "Abdullah Abdullah", "Xiaomi Corp"]
    for threshold in (0.0, 0.8):
        alone = [index.search(q, threshold=threshold) for q in queries]
        assert index.search_many(queries, threshold=threshold) == alone
        assert any(alone) and not alone[3]
    alone = [index.search(q) for q in queries * 15]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(index.search, queries * 15)) == alone


def test_a_name_listed_for_several_parties_gives_each_the_score_and_explanation_of_its_own_name() -> None:
    """A search scores a name printed alike for several parties once (the same prepared row): each party
    still gets that name's own score_pair answer; a person's name and the same words as an organisation's are
    different names."""
    names = [("a", "Xiaomi Corporation", False), ("b", "Xiaomi Corporation", False), ("e", "Xiaomi Technology", False),
             ("c", "ABDULLAH, Abdullah Ahmed", True), ("d", "ABDULLAH, Abdullah Ahmed", False)]
    index = NameIndex([NameDoc(ref, name, person=person) for ref, name, person in names])
    scores = {}
    for query in ("Xiaomi Corp", "A. Ahmed Abdullah"):
        (form,) = index._query_forms(query)
        hits = index.search(query)
        for h in hits:
            s, why = score_pair(form, index.prepared[[ref for ref, *_ in names].index(h.ref)], index.weight)
            assert (h.score, h.explanation) == (round(s, 4), why)
            scores[h.ref] = h.score
    assert scores["a"] == scores["b"] and scores["c"] != scores["d"]


def _align_by_sorting(qp: Prepared, dp: Prepared) -> list[tuple[list[int], list[int], float]]:
    """align as it was written first: every candidate pair in one list, a stable sort by (similarity, join)."""
    q, d = qp.tokens, dp.tokens
    qs, ds = qp.surface or q, dp.surface or d
    person = qp.person or dp.person
    cands: list[tuple[float, int, list[int], list[int]]] = []
    for i, a in enumerate(q):
        for j, b in enumerate(d):
            s = 1.0 if a == b else max(likeness(a, b, person=person), likeness(qs[i], ds[j], person=person))
            if s:
                cands.append((s, 0, [i], [j]))
        cands += [(1.0, 1, [i], [j, j + 1]) for j in range(len(d) - 1) if a == d[j] + d[j + 1]]
    for i in range(len(q) - 1):
        cands += [(1.0, 1, [i, i + 1], [j]) for j, b in enumerate(d) if q[i] + q[i + 1] == b]
    if not person:
        cands += [(1.0, 1, run, [j]) for run, word in _letter_runs(q) for j, b in enumerate(d) if word == b]
        cands += [(1.0, 1, [i], run) for run, word in _letter_runs(d) for i, a in enumerate(q) if word == a]
    cands.sort(key=lambda c: (-c[0], -c[1]))
    used_q: set[int] = set()
    used_d: set[int] = set()
    out = []
    for s, _, qi, dj in cands:
        if used_q.isdisjoint(qi) and used_d.isdisjoint(dj):
            used_q.update(qi)
            used_d.update(dj)
            out.append((qi, dj, s))
    return out


def test_align_takes_the_pairs_a_stable_sort_by_similarity_and_join_would_take() -> None:
    """Joins first, then single pairs by similarity, ties in the order found (query, then name position):
    random names of repeated words, typos, glued pairs and single letters, persons' and not."""
    import random  # noqa: PLC0415

    words = ["a", "b", "c", "ab", "abc", "bc", "acme", "acne", "amce", "bank", "banks", "bankab", "trade", "trad",
             "mohammed", "muhammad", "x", "vladimir", "v"]
    for q, d in [(("ab", "ab"), ("a", "b")), (("a", "b", "ab"), ("ab", "a", "b")), (("a", "bc", "abc"), ("a", "b", "c"))]:
        qp, dp = Prepared("", q, (), surface=q), Prepared("", d, ())
        assert align(qp, dp) == _align_by_sorting(qp, dp), (q, d)
    assert align(Prepared("", ("ab", "ab"), ()), Prepared("", ("a", "b"), ()))[0] == ([0], [0, 1], 1.0)
    rnd = random.Random(12)
    for _ in range(3000):
        q, d = ([rnd.choice(words) for _ in range(rnd.randint(1, 6))] for _ in range(2))
        qs = [w if rnd.random() < 0.8 else rnd.choice(words) for w in q]  # (as printed: may differ from the key)
        person = rnd.random() < 0.3
        qp = Prepared(" ".join(qs), tuple(q), (), surface=tuple(qs), person=person)
        dp = Prepared(" ".join(d), tuple(d), (), person=rnd.random() < 0.3)
        assert align(qp, dp) == _align_by_sorting(qp, dp), (q, qs, d)


def test_rounded_is_round_and_keeps_the_sign_of_zero() -> None:
    import math  # noqa: PLC0415
    import random  # noqa: PLC0415

    rnd = random.Random(4)
    values = [rnd.random() * rnd.choice((1, 10, 1000)) for _ in range(20_000)] + [k / 20_000 for k in range(20_001)]
    values += [0.00005, 0.00015, 0.12345, 2.675, 1e-300, -0.3, -1e-9, math.inf]
    for digits in (3, 4):
        for v in values + values:  # (the second time from what is remembered)
            assert rounded(v, digits) == round(v, digits)
    assert math.copysign(1.0, rounded(1e-9, 3)) == 1.0 and math.copysign(1.0, rounded(-1e-9, 3)) == -1.0
    assert math.copysign(1.0, rounded(0.0, 3)) == 1.0 and math.copysign(1.0, rounded(-0.0, 3)) == -1.0


_TIED = ["Acme Trading Co", "Acme Trading Company", "ACME TRADING COMPANY", "Acme Trading Co.", "Acme Tradin Company",
         "Acme Trading Company", "Acme Trading Company Limited", "Acme Trading", "Acme Trading Co Ltd", "ACME Trading"]


@pytest.mark.parametrize("query", ["Acme Trading Company", "Acme Trading Co", "acme trading", "Acme Trading Ltd"])
def test_the_hits_shown_are_the_first_of_the_whole_ranking_at_any_limit(query: str) -> None:
    """Printed likeness is measured only in the groups of ties a search can show, and not where a group prints
    one name: the hits shown are still the first of the whole order."""
    index = NameIndex([NameDoc(f"p{i}", name) for i, name in enumerate(_TIED)])
    whole = index.search(query, limit=100, threshold=0.5)
    assert len(whole) == len(_TIED)
    for limit in range(1, len(_TIED) + 1):
        assert index.search(query, limit=limit, threshold=0.5) == whole[:limit]
    assert index.search(query, limit=0, threshold=0.5) == []


def test_a_search_gives_the_same_answers_whatever_the_names_it_keeps_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shortlisted names are decoded once and kept (NAMES of them): the answers are those of a fresh index, with
    every name kept and with the kept names dropped at each new one."""
    from listwatch.match import index as index_module  # noqa: PLC0415

    docs = [NameDoc(f"p{i}", name) for i, name in enumerate(_TIED)] + [NameDoc("x", "Xiaomi Corporation"),
                                                                       NameDoc("y", "Xiaomi Corporation")]
    queries = ["Acme Trading Company", "Xiaomi Corp", "acme trading", "Xiaomi Corp", "Acme Tradin"]
    fresh = [NameIndex(docs).search(q, threshold=0.5) for q in queries]
    index = NameIndex(docs)
    assert [index.search(q, threshold=0.5) for q in queries + queries] == fresh + fresh
    assert len(index._names) > 2
    monkeypatch.setattr(index_module, "NAMES", 1)
    index._names.clear()
    assert [index.search(q, threshold=0.5) for q in queries] == fresh
    assert len(index._names) == 1


def test_repair_remembers_whether_a_word_is_listed_by_its_one_form() -> None:
    """"techs" is listed as "technology" (abbreviations.txt): asked by the word, answered by its stem."""
    index = NameIndex([NameDoc("t", "Acme Technology"), NameDoc("z", "Zeta Group")])
    for _ in range(2):  # (the second time from what is remembered)
        assert index._listed("techs") and index._listed("acme") and not index._listed("zeta group")
        assert not index._listed("tech nology") and index.repair(["acme", "techs"]) == ["acme", "techs"]
        assert index.repair(["ze", "ta"]) == ["zeta"]
