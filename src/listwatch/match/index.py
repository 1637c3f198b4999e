"""The name index: candidate generation without scanning every name.

Built once from every name and alias (:class:`NameDoc`, :mod:`listwatch.match.indexbuild`) into flat
arrays (:mod:`listwatch.match.tables`), which a file holds as they are (:mod:`listwatch.match.indexfile`), it keeps

* every name's printed variants (a trailing "(SMIC)" short name is a name of its own);
* postings: core token -> the names holding it, and each name's tokens' rarity (IDF);
* a one-deletion neighbourhood of every token of 5+ letters (symmetric-delete lookup), so a
  query token one edit away from a list token (transpositions included) finds it in O(len);
* joined adjacent token pairs, so "GalaWang" finds "Gala Wang" and "Hik Vision" "Hikvision";
* exact identifiers (ISIN, LEI, USCC, ticker and ticker@exchange).

A query gathers candidates from the postings of its tokens (very common tokens only when nothing
rarer is there), ranks them by the rarity they share, and scores the best few in full
(:func:`listwatch.match.score.score_pair`) with IDF weights.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, fields
from typing import Any

import orjson
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from listwatch.match.glossary import romanisations
from listwatch.match.idcheck import is_isin, is_lei
from listwatch.match.indexbuild import Reuse, build_sections, deletes, ident_key
from listwatch.match.memo import remember
from listwatch.match.normalize import fold, match_fold, matching_legal_forms, pinyin_translated
from listwatch.match.score import Explanation, Prepared, forms_agree, prepare_tokens, rounded, scored, stem
from listwatch.match.shortlist import Credits, shortlists
from listwatch.match.tables import Arrays, Ids, Rows, Section, Strings, Values, items, numbers
from listwatch.match.tickers import MARKETS, ticker_key

__all__ = ["Hit", "NameDoc", "NameIndex", "ident_key"]

SHORTLIST = 40  # candidates scored in full per query
COMMON_BUDGET = 20_000  # a token on more than indexbuild.COMMON's share of names is "common"; common postings
COMMON_TAKE = 300  # beyond COMMON_BUDGET names in all contribute only their shortest COMMON_TAKE names
CACHED = 100_000  # tokens whose weight and similar keys a process keeps
NAMES = 1 << 14  # list names whose rows a process keeps decoded (NameIndex._name)
BATCH = 256  # queries whose candidates search_many ranks together
_USCC = re.compile(r"[0-9]{17}[0-9A-Z]")
_AT = re.compile(r"([A-Z0-9.\-/]{1,12})@([A-Z0-9]{1,6})")  # ticker@exchange
_DOTTED = re.compile(r"([0-9]{1,6})\.([A-Z]{2,4})")


@dataclass(frozen=True, slots=True)
class NameDoc:
    """One name (or alias) of one listed party."""

    ref: str  # the entity id (store) or source record id
    name: str
    person: bool = False
    source_ids: tuple[str, ...] = ()
    identifiers: tuple[str, ...] = ()  # "isin:KYG9830T1067", "ticker:1810@HK", "ticker:1810"


_REF, _NAME, _PERSON, _SOURCES = (i for i, f in enumerate(fields(NameDoc))
                                  if f.name in ("ref", "name", "person", "source_ids"))  # (a row's values)


@dataclass(frozen=True, slots=True)
class Hit:
    """One listed party a query may name: its best-scoring name, the score and why."""

    ref: str
    name: str
    score: float
    explanation: Explanation
    source_ids: tuple[str, ...]


_Name = tuple[list[Any], bytes, Prepared]  # a name's row values, its prepared row as stored, and loaded
_Best = tuple[float, list[Any], Callable[[], Explanation]]  # a party's best name so far: (score, its row, why)


def _ordered(query: str, ranked: list[tuple[str, _Best]], agree: AbstractSet[str], limit: int,
             ) -> list[tuple[str, _Best]]:
    """Hits best first: by score, then a name printing the query's legal form, then the name printed most like
    the query, then by name. How alike is measured only among hits tied on the two before, and only in the
    groups of ties that begin within the first ``limit``: a search shows no more, and the order of those after
    them is not shown (a hit whose rounded score falls under the threshold is not shown either; it sorts last).
    ``limit`` under 1 measures every group."""
    ranked.sort(key=lambda rb: (-rb[1][0], rb[0] not in agree))  # (stable: ties keep the order found)
    printed = fold(query)
    alike: dict[str, float] = {}
    start, n = 0, len(ranked)
    while start < n and (start < limit or limit < 1):
        tie = ranked[start][1][0], ranked[start][0] in agree
        end = start + 1
        while end < n and (ranked[end][1][0], ranked[end][0] in agree) == tie:
            end += 1
        group = {ref: values[_NAME] for ref, (_, values, _) in ranked[start:end]}
        if len(set(group.values())) > 1:  # (names printed alike are ordered by name, then as found, already)
            like = {name: _printed_like(printed, name) for name in dict.fromkeys(group.values())}
            alike.update((ref, like[name]) for ref, name in group.items())
        start = end
    ranked.sort(key=lambda rb: (-rb[1][0], rb[0] not in agree, -alike.get(rb[0], 0.0), rb[1][1][_NAME]))
    return ranked


def _printed_like(query: str, name: str) -> float:
    """Tie-break between equal scores: how alike the two are as printed, legal forms included."""
    other = _folded(name)
    return float(fuzz.token_sort_ratio(query, other)) + float(fuzz.ratio(query, other)) / 1000


@functools.lru_cache(maxsize=1 << 14)  # list names: the same ones are hits of many queries
def _folded(name: str) -> str:
    return fold(name)


def _counts(tokens: tuple[str, ...]) -> dict[str, int]:
    """How often each token comes, in the order they first come (``Counter``'s answer, a few times faster for the
    few tokens of a name)."""
    out: dict[str, int] = {}
    for t in tokens:
        out[t] = out.get(t, 0) + 1
    return out


def identifier_keys(query: str, listed: Container[str] | None = None) -> list[str]:
    """Identifier lookups a query stands for (a valid ISIN or LEI, a ticker@exchange). With ``listed`` (the
    keys an index holds), an ISIN or LEI is checked only when listed: a key no name holds finds nothing, and
    the LEI check of a name's letters (any run of letters and digits may pass it) costs a search ~4%."""
    q = query.strip().upper().replace(" ", "")
    keys = []
    for key, valid in ((f"isin:{q}", is_isin), (f"lei:{q}", is_lei)):
        if (listed is None or key in listed) and valid(q):
            keys.append(key)
    if len(q) == 18 and _USCC.fullmatch(q):  # (each pattern is tried only where its fixed part can be)
        keys.append(f"uscc:{q}")
    at = _AT.fullmatch(q) if "@" in q else None
    dotted = _DOTTED.fullmatch(q) if "." in q else None  # 0941.HK, 002415.SZ
    for m in (at, dotted if dotted and dotted.group(2) in MARKETS else None):
        if m:
            keys.append(f"ticker:{ticker_key(m.group(1), m.group(2))}")
    return keys


_Credited = tuple[tuple[memoryview, ...], tuple[float, ...], tuple[float, ...], tuple[bool, ...]]


class _Credits:
    """Posting lists credited, in order: (the lists, their credits, the part of each from equal tokens, whether
    a list is common: cut to its first ``COMMON_TAKE`` names when the query holds many common tokens)."""

    def __init__(self, common: int) -> None:
        self.common = common
        self.lists: list[memoryview] = []
        self.credit: list[float] = []
        self.equal: list[float] = []
        self.big: list[bool] = []

    def add(self, docs: memoryview, w: float, equal: float, cut: bool = True) -> None:
        self.lists.append(docs)
        self.credit.append(w)
        self.equal.append(equal)
        self.big.append(cut and len(docs) > self.common)

    def done(self) -> _Credited:
        return tuple(self.lists), tuple(self.credit), tuple(self.equal), tuple(self.big) if any(self.big) else ()


class NameIndex:
    """Built from documents here, or mapped from a file by :func:`listwatch.match.indexfile.load_index`: either
    way its tables are read-only views (:mod:`listwatch.match.tables`) of :attr:`sections`, the arrays a file
    holds; :attr:`scalars` are the numbers it holds beside them."""

    sections: dict[str, Section]
    scalars: dict[str, Any]
    docs: Rows[NameDoc]
    prepared: Rows[Prepared]
    sizes: memoryview  # tokens per name (int32)
    postings: Mapping[str, memoryview]  # (int32 name numbers)
    joined: Mapping[str, memoryview]
    repeats: Mapping[str, memoryview]  # "token k" -> the names holding token k times or more (k >= 2)
    ident: Mapping[str, Sequence[int]]
    idf: Mapping[str, float]
    total: memoryview  # each name's weight (float64)
    unknown_weight: float
    common: int
    neighbours: Mapping[str, Collection[str]]  # one-deletion variant -> index keys

    def __init__(self, docs: Iterable[NameDoc], reuse: Reuse | None = None) -> None:
        """Build from ``docs`` (:func:`~listwatch.match.indexbuild.build_sections`); ``reuse``: the stored
        prepared row of a name (as printed, person or not) known to a previous index (:meth:`reusable`)."""
        self._attach(*build_sections(docs, reuse))

    @classmethod
    def from_sections(cls, sections: Mapping[str, Section], scalars: Mapping[str, Any]) -> NameIndex:
        """The index whose tables are ``sections`` (built, or mapped from a file), read where they lie."""
        index = cls.__new__(cls)
        index._attach(sections, scalars)
        return index

    def _attach(self, s: Mapping[str, Section], scalars: Mapping[str, Any]) -> None:
        self.sections = dict(s)
        self.scalars = {k: scalars[k] for k in ("unknown_weight", "common", "names")}
        vocab = Ids(s, "vocab")
        n = functools.partial(numbers, s)  # (numpy arrays when built here, memoryviews when read from a file)
        self.docs = Rows(NameDoc, n("docs"), n("docs.offsets"))
        self.prepared = Rows(Prepared, n("prepared"), n("prepared.offsets"))
        self.sizes = items(n("sizes"))
        self.total = items(n("total"))
        self.postings = Arrays(vocab, n("postings.offsets"), n("postings.docs"))
        self.joined = Arrays(Ids(s, "joined"), n("joined.offsets"), n("joined.docs"))
        self.repeats = Arrays(Ids(s, "repeats"), n("repeats.offsets"), n("repeats.docs"))
        self.idf = Values(vocab, n("idf"))
        self.neighbours = Strings(Ids(s, "neighbours"), n("neighbours.offsets"), n("neighbours.tokens"), vocab)
        self.ident = json.loads(str(s["ident"]))
        self.unknown_weight = float(scalars["unknown_weight"])
        self.common = int(scalars["common"])
        self.derive()

    def reusable(self) -> Reuse:
        """What a new build may take from this index: (name as printed, person) -> its stored prepared row
        (:func:`~listwatch.match.indexbuild.build_sections`)."""
        rows = self.docs
        assert isinstance(rows, Rows) and isinstance(self.prepared, Rows)
        at: dict[tuple[str, bool], int] = {}
        for i in range(len(rows)):
            values = orjson.loads(rows.raw(i))
            at.setdefault((values[_NAME], values[_PERSON]), i)
        prepared = self.prepared
        return lambda name, person: None if (i := at.get((name, person))) is None else prepared.raw(i)

    def derive(self) -> None:
        """The legal-form tables (from ``legal_forms.txt``, never stored) and this process's per-token caches."""
        self.forms = {f[0] for f in matching_legal_forms() if len(f) == 1}
        self.phrases = [f for f in matching_legal_forms() if f[0].isascii()]
        self.form_words = {w for f in self.phrases for w in f if len(w) >= 3}
        self.long_forms = sorted(f for f in self.forms if len(f) >= 6 and f.isascii())
        self._weights: dict[str, float] = {}
        self._keys: dict[str, tuple[memoryview | None, float | None, memoryview | None]] = {}
        self._near: dict[str, AbstractSet[str]] = {}
        self._probes: dict[str, bool] = {}
        self._names: dict[int, _Name] = {}
        self._credited: dict[tuple[str, str, int], _Credited] = {}

    def __len__(self) -> int:
        return len(self.docs)

    def weight(self, token: str) -> float:
        """A token's rarity; one unknown to every list name counts as the rarest. A stray letter or
        two (left over from punctuation such as "E.V." glued to a word, or a share-class tag as in
        "LTD-H") weighs at most 1.0 even where some list name happens to contain it: with the whole
        Entity List loaded, initials like "H" occur in a few names and would otherwise weigh as rare."""
        w = self._weights.get(token)
        if w is None:
            w = remember(self._weights, token, self._weight(token), CACHED)
        return w

    def _weight(self, token: str) -> float:
        w = self._key(token)[1]
        if len(token) <= 2:
            return min(w, 1.0) if w is not None else 1.0
        return self.unknown_weight if w is None else w

    def _key(self, key: str) -> tuple[memoryview | None, float | None, memoryview | None]:
        """(the names holding index key ``key``, its rarity, the names holding it as two words), each None when
        there are none: the tables' answers, remembered (a mapped table's lookup is a hash probe in Python)."""
        got = self._keys.get(key)
        if got is None:
            got = remember(self._keys, key, (self.postings.get(key), self.idf.get(key), self.joined.get(key)),
                           CACHED)
        return got

    def _has(self, key: str) -> bool:
        """Whether ``key`` is an index key (one lookup, not remembered: most such probes are one-offs)."""
        got = self._keys.get(key)
        return got[0] is not None if got is not None else key in self.postings

    def _listed(self, word: str) -> bool:
        """Whether ``word``'s one form (:func:`~listwatch.match.score.stem`) is an index key, remembered:
        :meth:`repair` asks it of each query token, and of each two adjacent tokens joined, again in every
        query that holds them (a mapped table's probe is three calls and a hash)."""
        got = self._probes.get(word)
        if got is None:
            got = remember(self._probes, word, self._has(stem(word)), CACHED)
        return got

    def similar(self, token: str) -> AbstractSet[str]:
        """Index keys whose written form is within one edit of ``token`` (shared one-deletion variants)."""
        out = self._near.get(token)
        if out is None:
            out = remember(self._near, token, self._similar(token), CACHED)
        return out

    def _similar(self, token: str) -> set[str]:
        if len(token) < 4 or token.isdigit():
            return set()
        out: set[str] = set(self.neighbours.get(token, ()))
        for d in deletes(token):
            if self._has(d):
                out.add(d)
            out.update(self.neighbours.get(d, ()))
        out.discard(stem(token))
        return out

    def _known(self, token: str) -> bool:
        return self._listed(token) or token in self.forms or token in self.form_words

    def _part(self, token: str) -> bool:
        """Half of a glued token: a legal form or a word of one, or a list word of 3+ letters."""
        return token in self.forms or token in self.form_words or (len(token) >= 3 and self._listed(token))

    def _glued_form(self, tokens: list[str], i: int) -> tuple[str, str] | None:
        """A word with the first letters of a dotted legal form stuck to it: "tradingl l c" -> trading + l."""
        t = tokens[i]
        for k in (1, 2, 3):
            head, tail = t[:-k], t[-k:]
            if len(head) < 3 or not self._listed(head):
                continue
            for form in self.phrases:
                if len(form) > 1 and form[0] == tail and tuple(tokens[i + 1:i + len(form)]) == form[1:]:
                    return head, tail
        return None

    def repair(self, tokens: list[str]) -> list[str]:
        """Re-space glued words against the index vocabulary.

        Two adjacent tokens whose join is a list word (and one of them is not) are joined
        ("sa adah" -> "saadah"); a token the index does not know that splits into two it does
        know (words or legal forms) is split ("companylimited", "huaweitech", "kohasag") -
        unless it is one edit away from a list word (then it is a typo, not a glue).
        """
        out: list[str] = []
        i = 0
        while i < len(tokens):
            t = tokens[i]
            if i + 1 < len(tokens):
                u = tokens[i + 1]
                if (self._listed(t + u) and t not in self.forms and u not in self.forms
                        and not (self._listed(t) and self._listed(u))):
                    out.append(t + u)
                    i += 2
                    continue
            if self._known(t):
                out.append(t)
                i += 1
                continue
            if glued := self._glued_form(tokens, i):
                out += glued
                i += 1
                continue
            if len(t) >= 6 and not self.similar(t):
                form = next((f for f in self.long_forms if OSA.distance(t, f) == 1), None)
                if form:  # a typo in a legal form ("comsany")
                    out.append(form)
                    i += 1
                    continue
            if len(t) >= 5:
                splits = [(t[:k], t[k:]) for k in range(2, len(t) - 1) if self._part(t[:k]) and self._part(t[k:])]
                if self.similar(t):  # one edit from a word: a typo, unless a legal form is glued on
                    splits = [(a, b) for a, b in splits if a in self.forms or b in self.forms]
                if splits:
                    a, b = max(splits, key=lambda ab: len(ab[0]))
                    out += [a, b]
                    i += 1
                    continue
            out.append(t)
            i += 1
        return out

    def candidates(self, q: Prepared, threshold: float = 0.0) -> list[int]:
        """Names sharing rare (or similar, or space-split) tokens with the query, best first: :meth:`shortlists`
        of one form."""
        return self.shortlists([q], threshold)[0]

    def shortlists(self, forms: Sequence[Prepared], threshold: float = 0.0) -> list[list[int]]:
        """Per query form, up to ``SHORTLIST`` names to score in full, best first (:func:`shortlist.shortlists
        <listwatch.match.shortlist.shortlists>`, all forms at once).

        Each candidate accumulates an upper bound of the weight its alignment can reach (:meth:`credits`); one
        whose bound, over the weight of both names, stays under ``threshold`` is never scored.
        """
        return shortlists([self.credits(q) for q in forms], self.total, self.sizes, threshold, SHORTLIST)

    def credits(self, q: Prepared) -> Credits:
        """The posting lists a query form credits, in order, each with the weight it adds to their names' bound:
        its tokens (and a token's k-th copy, once per copy both sides hold: an alignment is one to one), list
        names that print a token as two words, list words one edit away, and two adjacent tokens joined. Very
        common tokens credit only their shortest names when the query holds many of them."""
        common = sum(len(docs) for t in set(q.tokens)
                     if (docs := self._key(t)[0]) is not None and len(docs) > self.common)
        cut = COMMON_TAKE if common > COMMON_BUDGET else None
        got = [self._token_credits(t, n) for t, n in _counts(q.tokens).items()]
        key_of = dict(zip(q.surface, q.tokens, strict=True))
        got += [self._similar_credits(surface, key_of[surface], n) for surface, n in _counts(q.surface).items()]
        for a, b in zip(q.tokens, q.tokens[1:], strict=False):
            docs, idf, _ = self._key(a + b)
            if docs is not None and idf is not None:
                got.append(((docs,), (self.weight(a) + self.weight(b) + idf,), (0.0,), (len(docs) > self.common,)))
        parts: list[memoryview] = []  # posting slices credited, each with its weight ...
        credit: list[float] = []
        equal: list[float] = []  # ... and the part of it from tokens equal on both sides
        for lists, w, e, big in got:
            if cut is None or not big:
                parts.extend(lists)
            else:
                parts.extend(d[:cut] if b else d for d, b in zip(lists, big, strict=True))
            credit.extend(w)
            equal.extend(e)
        return Credits(parts, credit, equal, sum(self.weight(t) for t in q.tokens))

    def _token_credits(self, token: str, copies: int) -> _Credited:
        """:meth:`credits` of a query token printed ``copies`` times: the names holding it (and its k-th copy),
        those printing it as two words (remembered: the same tokens come back in many queries)."""
        key = (token, "", copies)
        got = self._credited.get(key)
        if got is None:
            made = _Credits(self.common)
            wq = self.weight(token)
            docs, idf, joined = self._key(token)
            if docs is not None and idf is not None:
                self._add_key(made, docs, token, copies, wq + idf, exact=True)
            if joined is not None:
                made.add(joined, copies * (wq + 2 * self.unknown_weight), 0.0)
            got = remember(self._credited, key, made.done(), CACHED)
        return got

    def _similar_credits(self, surface: str, token: str, copies: int) -> _Credited:
        """:meth:`credits` of the list words one edit away from a query token as written (``surface``; its key
        ``token`` weighs it), printed ``copies`` times (remembered)."""
        key = (token, surface, copies)
        got = self._credited.get(key)
        if got is None:
            made = _Credits(self.common)
            wq = self.weight(token)
            for s in self.similar(surface):
                docs, idf, _ = self._key(s)
                assert docs is not None and idf is not None  # (similar keys are index keys)
                self._add_key(made, docs, s, copies, wq + idf)
            got = remember(self._credited, key, made.done(), CACHED)
        return got

    def _add_key(self, made: _Credits, docs: memoryview, key: str, copies: int, w: float,
                 exact: bool = False) -> None:
        """Credit the names holding ``key`` (``docs``), once per copy both sides hold."""
        made.add(docs, w, w if exact else 0.0)
        for k in range(2, copies + 1):
            if f"{key} {k}" in self.repeats:
                made.add(self.repeats[f"{key} {k}"], w, 0.0, cut=False)

    def _query_forms(self, query: str) -> list[Prepared]:
        """The query as screened (security labels off, glued words re-spaced), and - so that a list name
        always finds itself - as printed, when a label ("SAKUNDA HOLDINGS") or a repair changed it."""
        toks = match_fold(query).split()
        repaired: list[bool] = []

        def repair(tokens: list[str]) -> list[str]:
            out = self.repair(tokens)
            repaired.append(out != tokens)
            return out

        forms = [prepare_tokens(query, toks, query=True, repair=repair)]
        if forms[0].labels:
            forms.append(prepare_tokens(query, toks, repair=self.repair))
        if repaired[0]:
            forms.append(prepare_tokens(query, toks, query=True))
        if translated := pinyin_translated(query):  # "Xiaomi Jituan" is also "xiaomi group", as 小米集团 folds
            forms.append(prepare_tokens(query, translated.split(), query=True, repair=self.repair))
        for latin in romanisations(query):  # 中國移動有限公司 is also "China Mobile"
            forms.append(prepare_tokens(latin, fold(latin).split(), query=True, repair=self.repair))
        return forms

    def search(self, query: str, limit: int = 10, threshold: float = 0.0) -> list[Hit]:
        """Best hit per ``ref``, best first: identifier hits score 1.0, names by
        :func:`~listwatch.match.score.score_pair`."""
        return self.search_many([query], limit, threshold)[0]

    def search_many(self, queries: Sequence[str], limit: int = 10, threshold: float = 0.0) -> list[list[Hit]]:
        """:meth:`search` of each query (the same answers), with the candidates of ``BATCH`` queries ranked
        together (:meth:`shortlists`) and a query that comes again answered once."""
        distinct = list(dict.fromkeys(queries))
        found: dict[str, list[Hit]] = {}
        for at in range(0, len(distinct), BATCH):
            chunk = distinct[at:at + BATCH]
            forms = [[qf for qf in self._query_forms(q) if qf.tokens] for q in chunk]
            lists = iter(self.shortlists([qf for fs in forms for qf in fs], threshold))
            for q, fs in zip(chunk, forms, strict=True):
                found[q] = self._hits(q, [(qf, next(lists)) for qf in fs], limit, threshold)
        return [list(found[q]) for q in queries]

    def _name(self, i: int) -> _Name:
        """Name ``i``'s row values (ref, name, ...), its prepared row as stored and that row loaded, remembered
        (``NAMES`` of them): the names a shortlist holds come back in the shortlists of many queries."""
        row = bytes(self.prepared.raw(i))
        return remember(self._names, i, (orjson.loads(self.docs.raw(i)), row, self.prepared.load(row)), NAMES)

    def _hits(self, query: str, shortlisted: list[tuple[Prepared, list[int]]], limit: int,
              threshold: float) -> list[Hit]:
        """:meth:`search`'s answer from the query's forms and their shortlists."""
        best: dict[str, _Best] = {}  # ref -> (score, its name's row values, why)
        agree: set[str] = set()  # refs whose best name prints the query's legal form (a tie-break)
        for key in identifier_keys(query, self.ident):
            for i in self.ident.get(key, []):
                values = orjson.loads(self.docs.raw(i))  # (a NameDoc is made only for the hits shown)
                if values[_REF] not in best:  # the entity's first (primary) name stands for it
                    best[values[_REF]] = (1.0, values, functools.partial(Explanation, identifier=key))
        for qf, shortlist in shortlisted:
            seen: dict[bytes, tuple[float, Callable[[], Explanation]]] = {}  # prepared row -> its score
            names = self._names
            for i in shortlist:
                values, row, p = names.get(i) or self._name(i)
                cur = best.get(ref := values[_REF])
                if cur is not None and cur[0] >= 1.0:  # no score passes 1: another of its names cannot do better
                    continue
                got = seen.get(row)  # (a name listed for several parties is scored once)
                if got is None:
                    got = seen[row] = scored(qf, p, self.weight)
                s, why = got
                if s >= threshold and (cur is None or s > cur[0]):
                    best[ref] = (rounded(s, 4), values, why)
                    (agree.add if forms_agree(qf, p) else agree.discard)(ref)
        ranked = list(best.items())
        if len(ranked) > 1:  # (one hit needs no tie-break)
            ranked = _ordered(query, ranked, agree, limit)
        shown = [(s, values, why) for _, (s, values, why) in ranked if s >= threshold][:limit]
        explained: dict[Callable[[], Explanation], Explanation] = {}  # only the hits shown are explained, a name
        for _, _, why in shown:  # printed alike for several parties once (as a repeated query's hits are shared)
            if why not in explained:
                explained[why] = why()
        return [Hit(values[_REF], values[_NAME], s, explained[why], tuple(values[_SOURCES]))
                for s, values, why in shown]
