"""Scoring one query name against one list name, with an explanation.

Both names become *core tokens* (:func:`prepare`): folded to ASCII (Han via pinyin), security
labels dropped from the end, legal forms set aside ("discounted": they neither cause nor block a
match), a light plural stem. Tokens are then aligned one to one, best pairs first:

* tokens by their likeness (:mod:`listwatch.match.likeness`): equal 1, a typo or a transliteration
  variant 0.8+, an initial of a person's name 0.8, a weaker resemblance a little (continuously);
* a missing space: one token equal to two adjacent tokens of the other name joined, or (not for
  persons) to a run of single letters ("A.B.C." / "ABC").

The score is a weighted Dice coefficient: 2 x (aligned weight) / (query weight + name weight), in
[0, 1]. Weights say how distinctive a token is: in an index, its rarity among all list names
(inverse document frequency); in a bare pairwise comparison, a short list of generic words
(``generic_words.txt``) weighs 0.35 and every other token 1. For a person listed as "FAMILY, Given"
an alignment that misses the family name is multiplied by 0.7. When both names are persons', a
particle ("al", "bin", "van") weighs 0.3 of its weight, an unmatched patronymic ("Viktorovich")
0.3, and once every word of the shorter name is matched (two at least) the longer one's extra
given names weigh half ("Sergey LAVROV" in "Sergey Viktorovich LAVROV"). A query printing a legal form
the list name does not ("DODIK Milorad ACHIM COMPANY LIMITED") names an organisation: against a
person's name its score is multiplied by 0.85 (a person's own name may hold such a word: "PAO, Hua
Chiang" is not penalised for "PAO"). Two names printing legal forms that share no word ("AG" /
"GmbH", "SA" / "JSC") score x0.95. The score is continuous:
thresholds are applied by the caller, after scoring.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from listwatch.match.datafiles import read_data
from listwatch.match.han import han_chars, han_likeness
from listwatch.match.likeness import is_strong, likeness
from listwatch.match.memo import remember
from listwatch.match.normalize import fold, match_fold, number_words, split_legal_forms, strip_security_suffix

__all__ = [
    "Explanation",
    "Prepared",
    "align",
    "forms_agree",
    "is_generic",
    "legal_form",
    "legal_forms_agree",
    "pair_weight",
    "prepare",
    "prepare_tokens",
    "rounded",
    "score_pair",
    "scored",
    "similarity",
    "stem",
]

SURNAME_MISS = 0.7
HAN_FLOOR = 0.7  # two Han names sharing no character keep this share of their (pinyin) score
PATRONYMIC = 0.3  # weight of an unmatched patronymic in a person's name
PARTICLE = 0.3  # weight factor of a particle ("al", "bin", "van", person_particles.txt) in persons' names
EXTRA_NAME = 0.5  # weight of the longer person name's extra words once the shorter one is all matched
OTHER_FORM = 0.95  # two names printing legal forms that share no word (a JSC is not an SA)
ORGANISATION_ON_PERSON = 0.85  # a query printing a legal form ("... COMPANY LIMITED") against a person's name
_NUMBER = re.compile(r"[0-9]+|[ivx]{2,5}")
_PATRONYMIC = re.compile(r"(ovich|evich|ovych|evych|ovna|evna|ivna|ogly|oglu|kyzy|qizi)$")


@functools.cache
def _abbreviations() -> dict[str, str]:
    text = read_data("abbreviations.txt")
    pairs = (line.split() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {p[0]: p[1] for p in pairs if len(p) == 2}


def stem(token: str) -> str:
    """An abbreviation or word form -> its one form (``abbreviations.txt``): "techs" -> "technology".

    Deliberately not a general stemmer: names such as "Rojas" or "Abbas" must stay as printed.
    """
    return _abbreviations().get(token, token)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A name ready for matching."""

    text: str
    tokens: tuple[str, ...]  # core tokens, word forms unified (the keys that must be equal)
    discounted: tuple[str, ...]  # legal forms and security labels set aside
    surname: tuple[str, ...] = ()  # for "FAMILY, Given" person names
    surface: tuple[str, ...] = ()  # the core tokens as written (typos are measured on these)
    labels: tuple[str, ...] = ()  # security labels dropped from the end of a query ("CLASS B")
    person: bool = False  # a person's name (initials count)
    han: str = ""  # its Han characters, Simplified, legal forms off (pinyin collides, characters do not)


def prepare(name: str, *, person: bool = False, query: bool = False,
            repair: Callable[[list[str]], list[str]] | None = None) -> Prepared:
    """``repair``: an optional fix-up of the folded tokens (the index re-spaces glued words)."""
    return prepare_tokens(name, match_fold(name).split(), person=person, query=query, repair=repair)


def prepare_tokens(name: str, toks: list[str], *, person: bool = False, query: bool = False,
                   repair: Callable[[list[str]], list[str]] | None = None) -> Prepared:
    """:func:`prepare` on tokens already folded (``match_fold(name).split()``), to try several forms of one
    query. Number words become digits (:func:`~listwatch.match.normalize.number_words`)."""
    surname: tuple[str, ...] = ()
    if person and "," in name:
        surname = tuple(stem(t) for t in fold(name.split(",", 1)[0]).split())
    dropped: list[str] = []
    if query:
        toks, dropped = strip_security_suffix(toks)
    if repair is not None:
        toks = repair(toks)
    toks = number_words(toks)  # persons too: a query is not known to name one ("Akhmed the One-Armed")
    core, forms = split_legal_forms(toks)
    one_form = _abbreviations().get  # (stem of each core token)
    return Prepared(name, tuple([one_form(t, t) for t in core]), tuple(forms + dropped), surname, tuple(core),
                    tuple(dropped), person, han_chars(name))


ROUNDED = 1 << 16  # values whose rounding a process keeps (per number of digits)
_ROUNDED: tuple[dict[float, float], ...] = tuple({} for _ in range(5))


def rounded(x: float, digits: int) -> float:
    """``round(x, digits)`` (0-4 digits), remembered: the similarities, weights and scores a search shows come
    back in every query that meets the same tokens, and ``round`` goes through a decimal string each time
    (~3,000 instructions, a few percent of a search). Zero is rounded each time: 0.0 and -0.0 are one key but
    each rounds to itself."""
    memo = _ROUNDED[digits]
    got = memo.get(x)
    if got is None:
        got = round(x, digits)
        if x:
            remember(memo, x, got, ROUNDED)
    return got


@functools.lru_cache(maxsize=4096)  # a query's, for every name it is aligned with
def _letter_runs(tokens: tuple[str, ...]) -> list[tuple[list[int], str]]:
    """Runs of 2+ single letters and what they spell: "A.B.C. Company" -> ([0, 1, 2], "abc"). (Shared: not to
    be changed.)"""
    out: list[tuple[list[int], str]] = []
    run: list[int] = []
    for i, t in enumerate([*tokens, ""]):
        if len(t) == 1 and t.isalpha():
            run.append(i)
            continue
        if len(run) >= 2:
            out.append((run, "".join(tokens[k] for k in run)))
        run = []
    return out


@dataclass
class Explanation:
    """Why a pair scored what it did: the aligned tokens, those left over on each side, the legal forms set
    aside and the penalties applied (or the identifier both share)."""

    matched: list[dict[str, Any]] = field(default_factory=list)
    unmatched_query: list[str] = field(default_factory=list)
    unmatched_name: list[str] = field(default_factory=list)
    discounted: list[str] = field(default_factory=list)
    penalties: list[str] = field(default_factory=list)
    identifier: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"matched": self.matched, "unmatched_query": self.unmatched_query,
                "unmatched_name": self.unmatched_name, "discounted": self.discounted,
                "penalties": self.penalties, "identifier": self.identifier, "summary": self.summary()}

    def summary(self) -> str:
        if self.identifier:
            return f"identifier {self.identifier} matched exactly"
        parts = []
        for m in self.matched:
            how = "=" if m["similarity"] == 1 else f"~{m['similarity']:.2f}"
            parts.append(f"{m['query']}{how}{m['name']} (w {m['weight']:.2f})")
        text = "matched " + ", ".join(parts) if parts else "nothing matched"
        if self.unmatched_query:
            text += "; query only: " + ", ".join(self.unmatched_query)
        if self.unmatched_name:
            text += "; name only: " + ", ".join(self.unmatched_name)
        if self.discounted:
            text += "; discounted: " + ", ".join(self.discounted)
        if self.penalties:
            text += "; " + "; ".join(self.penalties)
        return text


Weight = Callable[[str], float]


@functools.cache
def _generic() -> frozenset[str]:
    text = read_data("generic_words.txt")
    return frozenset(stem(w.strip()) for w in text.splitlines() if w.strip() and not w.startswith("#"))


@functools.cache
def _particles() -> frozenset[str]:
    text = read_data("person_particles.txt")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


@functools.cache
def _form_words() -> dict[str, tuple[str, ...]]:
    text = read_data("legal_form_words.txt")
    pairs = (line.split() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return {p[0]: tuple(p[1:]) for p in pairs if len(p) >= 2}


def legal_form(p: Prepared) -> frozenset[str]:
    """The legal form a prepared name prints, one word per form ("Ltd" = "Limited", "Co., Ltd." = "co ltd")."""
    return _legal_form(p.discounted, p.labels)


@functools.lru_cache(maxsize=4096)  # a few hundred distinct sets of forms and labels, met by every pair scored
def _legal_form(discounted: tuple[str, ...], labels: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for t in discounted if t not in labels for w in _form_words().get(t, (t,)))


def forms_agree(q: Prepared, d: Prepared) -> bool:
    """The query prints a legal form and the name prints the same one: a tie-break between names that
    score alike ("CNOOC LTD" is "CNOOC Limited" before "CNOOC", the parent's short name)."""
    form = _legal_form(q.discounted, q.labels)  # (legal_form's, called directly: once per name scored)
    return bool(form) and form == _legal_form(d.discounted, d.labels)


def legal_forms_agree(query: str, name: str) -> bool:
    """:func:`forms_agree` on two printed names (the query's security labels set aside)."""
    return forms_agree(prepare(query, query=True), prepare(name))


def is_generic(token: str) -> bool:
    return token in _generic()


def pair_weight(token: str) -> float:
    """Static weight for pairwise comparison (no corpus): generic words 0.35, short tokens 0.5 - unless
    a number ("Fund VIII", "Solutions II", "Company 23": the number tells the parties apart)."""
    if is_generic(token):
        return 0.35
    return 0.5 if len(token) <= 2 and not _NUMBER.fullmatch(token) else 1.0


def similarity(a: str, b: str, person: bool = False) -> float:
    """Likeness of two written tokens (:func:`listwatch.match.likeness.likeness`)."""
    return likeness(a, b, person=person)


LIKENESS = 1 << 15  # token pairs whose likeness a process keeps
_LIKENESS: dict[tuple[str, str, str, str, bool], float] = {}


def _token_likeness(a: str, b: str, surface_a: str, surface_b: str, person: bool) -> float:
    """How alike two different tokens are, as keys or as written (:func:`align`'s pair score), remembered in
    ``_LIKENESS`` (a query's tokens meet the same list words in several names and forms; a dict probe costs a
    third of an LRU cache's, and :func:`align` makes one per pair of tokens)."""
    s = likeness(a, b, person=person)
    if (surface_a, surface_b) != (a, b):
        s = max(s, likeness(surface_a, surface_b, person=person))
    return remember(_LIKENESS, (a, b, surface_a, surface_b, person), s, LIKENESS)


def align(qp: Prepared, dp: Prepared) -> list[tuple[list[int], list[int], float]]:
    """One-to-one alignment of query and name token positions: [(q positions, d positions, similarity)].

    Candidate pairs are taken best first: by similarity, a join (two tokens against one, or a run of letters)
    before a pair of single tokens of the same similarity, then in the order found (query position, then
    name position); a pair is kept when none of its positions is taken yet."""
    q, d = qp.tokens, dp.tokens
    qs, ds = qp.surface or q, dp.surface or d
    person = qp.person or dp.person
    joins: list[tuple[list[int], list[int]]] = []  # (all of similarity 1, taken before single pairs)
    single: list[tuple[float, int, int]] = []  # (-similarity, i, j): sorted, the order described above
    pairs = [d[j] + d[j + 1] for j in range(len(d) - 1)]  # (each pair joined once, not once per query token)
    known = _LIKENESS
    for i, a in enumerate(q):
        sa = qs[i]
        for j, b in enumerate(d):
            if a == b:
                single.append((-1.0, i, j))
                continue
            s = known.get((a, b, sa, ds[j], person))
            if s is None:
                s = _token_likeness(a, b, sa, ds[j], person)
            if s:
                single.append((-s, i, j))
        if a in pairs:
            joins += [([i], [j, j + 1]) for j, ab in enumerate(pairs) if a == ab]
    for i in range(len(q) - 1):
        joined = q[i] + q[i + 1]
        if joined in d:
            joins += [([i, i + 1], [j]) for j, b in enumerate(d) if joined == b]
    if not person:  # an acronym spelled out: "A.B.C." is "ABC"
        joins += [(run, [j]) for run, word in _letter_runs(q) for j, b in enumerate(d) if word == b]
        joins += [([i], run) for run, word in _letter_runs(d) for i, a in enumerate(q) if word == a]
    out: list[tuple[list[int], list[int], float]] = []
    used_q: set[int] = set()
    used_d: set[int] = set()
    for qi, dj in joins:
        if used_q.isdisjoint(qi) and used_d.isdisjoint(dj):
            used_q.update(qi)
            used_d.update(dj)
            out.append((qi, dj, 1.0))
    single.sort()
    left = min(len(q) - len(used_q), len(d) - len(used_d))  # pairs that may still be taken
    for s, i, j in single:
        if not left:
            break
        if i not in used_q and j not in used_d:
            used_q.add(i)
            used_d.add(j)
            out.append(([i], [j], -s))
            left -= 1
    return out


def score_pair(q: Prepared, d: Prepared, weight: Weight) -> tuple[float, Explanation]:
    """Weighted Dice score of two prepared names, and why."""
    score, why = scored(q, d, weight)
    return score, why()


def scored(q: Prepared, d: Prepared, weight: Weight) -> tuple[float, Callable[[], Explanation]]:
    """:func:`score_pair`'s score, and a function that explains it: a search keeps few of the pairs it scores
    (most do not beat the party's best name, or stay under the threshold) and explains only those it shows."""
    penalties: list[str] = []
    if not q.tokens or not d.tokens:
        return 0.0, functools.partial(_explain, q, d, [], [], set(), set(), penalties)
    wq = [weight(t) for t in q.tokens]
    wd = [weight(t) for t in d.tokens]
    if q.person and d.person:  # "al", "bin", "van": part of a person's name, little of who it is
        wq = [w * PARTICLE if t in _particles() else w for t, w in zip(q.tokens, wq, strict=True)]
        wd = [w * PARTICLE if t in _particles() else w for t, w in zip(d.tokens, wd, strict=True)]
    got = 0.0
    hit_q: set[int] = set()
    hit_d: set[int] = set()
    aligned = align(q, d)
    weights = []  # each aligned part's weight, both sides
    for qi, dj, s in aligned:  # (most pairs are of one token each: no generator for those)
        w = ((wq[qi[0]] if len(qi) == 1 else sum(wq[i] for i in qi))
             + (wd[dj[0]] if len(dj) == 1 else sum(wd[j] for j in dj)))
        got += s * w
        weights.append(w)
        if is_strong(s):  # a weak resemblance adds a little, but leaves the tokens unmatched
            hit_q.update(qi)
            hit_d.update(dj)
    if q.person and d.person:
        wq, wd = _person_weights(q, d, wq, wd, hit_q, hit_d, penalties)
    total = sum(wq) + sum(wd)
    score = got / total if total else 0.0
    if q.han and d.han and q.han != d.han:  # both in characters: prefer the one that agrees in characters too
        factor = HAN_FLOOR + (1 - HAN_FLOOR) * han_likeness(q.han, d.han)
        if factor < 1:
            score *= factor
            penalties.append(f"characters {q.han} / {d.han} differ (x{factor:.2f})")
    qf, df = _legal_form(q.discounted, q.labels), _legal_form(d.discounted, d.labels)  # (legal_form(q), (d))
    if qf and df and not qf & df:  # "GPB SA" / "BANK GPB JSC": two legal forms that share nothing
        score *= OTHER_FORM
        penalties.append(f"legal forms differ: {' '.join(sorted(qf))} / {' '.join(sorted(df))} (x{OTHER_FORM})")
    if d.person and not q.person and (form := qf - df):
        score *= ORGANISATION_ON_PERSON
        penalties.append(f"the query's legal form ({' '.join(sorted(form))}) names an organisation, the list "
                         f"name a person (x{ORGANISATION_ON_PERSON})")
    if d.surname and set(d.surname) & set(d.tokens) and not any(d.tokens[j] in d.surname for j in hit_d):
        score *= SURNAME_MISS
        penalties.append(f"family name {' '.join(d.surname)!r} not matched (x{SURNAME_MISS})")
    return min(1.0, score), functools.partial(_explain, q, d, aligned, weights, hit_q, hit_d, penalties)


def _explain(q: Prepared, d: Prepared, aligned: list[tuple[list[int], list[int], float]], weights: list[float],
             hit_q: set[int], hit_d: set[int], penalties: list[str]) -> Explanation:
    """:func:`scored`'s explanation: the aligned tokens with their similarity and weight, those left over."""
    qt, dt = q.tokens, d.tokens
    matched = [{"query": qt[qi[0]] if len(qi) == 1 else " ".join([qt[i] for i in qi]),
                "name": dt[dj[0]] if len(dj) == 1 else " ".join([dt[j] for j in dj]),
                "similarity": 1.0 if s == 1.0 else rounded(s, 3), "weight": rounded(w / 2, 3)}
               for (qi, dj, s), w in zip(aligned, weights, strict=True)]
    return Explanation(matched, [t for i, t in enumerate(qt) if i not in hit_q],
                       [t for j, t in enumerate(dt) if j not in hit_d],
                       list(q.discounted) + [t for t in d.discounted if t not in q.discounted], list(penalties))


def _person_weights(q: Prepared, d: Prepared, wq: list[float], wd: list[float], hit_q: set[int], hit_d: set[int],
                    penalties: list[str]) -> tuple[list[float], list[float]]:
    """Lighter unmatched patronymics, and extra given names once the shorter name is all matched."""
    def lighter(tokens: tuple[str, ...], w: list[float], hit: set[int], extra: bool) -> list[float]:
        out = list(w)
        for j, t in enumerate(tokens):
            if j in hit:
                continue
            if _PATRONYMIC.search(t):
                out[j] *= PATRONYMIC
                penalties.append(f"patronymic {t!r} unmatched (weight x{PATRONYMIC})")
            elif extra:
                out[j] *= EXTRA_NAME
                penalties.append(f"extra name {t!r} (weight x{EXTRA_NAME})")
        return out

    q_all = len(hit_q) == len(q.tokens) >= 2
    d_all = len(hit_d) == len(d.tokens) >= 2
    return lighter(q.tokens, wq, hit_q, d_all), lighter(d.tokens, wd, hit_d, q_all)
