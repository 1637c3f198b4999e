"""Pure name normalisers: a value in, a value out, no I/O, idempotent.

* :func:`lookup_key` - NFKC, case-folded, punctuation to spaces, whitespace collapsed. Two
  spellings that differ only in case, punctuation or spacing get the same key; Han characters
  are kept as they are.
* :func:`core_key` - :func:`lookup_key` without legal-form words (``legal_forms.txt``), so
  "Xiaomi Corp." and "XIAOMI CORPORATION" share "xiaomi".
* :func:`name_variants` - the forms a printed list name also goes by: without its trailing
  parenthesised short name, and the short name itself ("... Co., Ltd. (Hikvision)",
  "... Corp. (SMIC)"). A parenthesis inside the name, before the legal form ("Huawei Device
  (Shenzhen) Co., Ltd.", "China Unicom (BVI) Co., Ltd."), is part of the name and stays. A Latin
  name holding pinyin of glossary words also goes by their English (:func:`pinyin_translated`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable

from listwatch.match.datafiles import read_data

# Han text (OpenCC, the glossary), pinyin and anyascii are imported by the functions that need them: a
# `listwatch status` keys its query with lookup_key and core_key alone, and starts faster without them.

__all__ = [
    "clean_text",
    "core_key",
    "fold",
    "glossary_words",
    "han_words",
    "has_han",
    "is_han",
    "legal_forms",
    "lookup_key",
    "match_fold",
    "matching_legal_forms",
    "name_variants",
    "number_words",
    "org_types_compare",
    "pinyin_translated",
    "security_suffixes",
    "split_legal_forms",
    "strip_security_suffix",
]

# Character classes as wide as the Han block cost ~2-3 ms each to compile: compiled on first use, and only
# to rewrite Han text (whether text holds any is a loop over its non-ASCII characters).


class _Spaced(dict[int, str]):
    """A ``str.translate`` table: a word character (``str.isalnum``: regular expressions' ``\\w`` less ``_``) or a
    Han one stays, any other becomes a space; each filled in when first met. It does what the expression
    ``[^\\w\\u3400-\\u9fff]`` did for :func:`lookup_key` (test_normalize checks every character), without
    compiling that class: ~2.5% of a ``status``."""

    def __missing__(self, code: int) -> str:
        c = chr(code)
        self[code] = kept = c if c.isalnum() or is_han(c) else " "
        return kept


_SPACED = _Spaced()


@functools.cache
def _han_runs() -> re.Pattern[str]:
    return re.compile(r"[\u3400-\u9fff]+")


def is_han(c: str) -> bool:
    """A Han character (CJK Unified Ideographs or Extension A). A comparison, not a regular expression: a
    character class this wide takes ~2-3 ms to compile, paid by every process that imports the module."""
    return "\u3400" <= c <= "\u9fff"


def has_han(text: str) -> bool:
    """Whether ``text`` holds a Han character."""
    return not text.isascii() and any(map(is_han, text))


_PAREN = re.compile(r"[(\uff08]([^)\uff09]*)[)\uff09]")


def clean_text(text: str) -> str:
    """Control characters (NUL included) removed: they never belong to a name, and some databases
    refuse them in a query parameter."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs") or ch in "\t\n")


def lookup_key(name: str) -> str:
    s = unicodedata.normalize("NFKC", name).casefold().replace("&", " and ")
    return " ".join(s.translate(_SPACED).split())


@functools.cache
def legal_forms() -> tuple[tuple[str, ...], ...]:
    """Legal-form phrases as token tuples, longest first."""
    text = read_data("legal_forms.txt")
    forms = {tuple(line.split()) for line in text.splitlines() if line.strip() and not line.startswith("#")}
    return tuple(sorted(forms, key=len, reverse=True))


@functools.cache
def _han_forms() -> tuple[str, ...]:
    """Chinese legal forms, longest first (股份有限公司 before 有限公司)."""
    forms = [f[0] for f in legal_forms() if len(f) == 1 and has_han(f[0])]
    return tuple(sorted(forms, key=len, reverse=True))


def _strip_han_forms(s: str) -> str:
    if not has_han(s):
        return s
    for form in _han_forms():
        s = s.replace(form, " ")
    return s


def core_key(name: str) -> str:
    """The distinctive part of a name: no legal forms (empty names keep their words)."""
    tokens = lookup_key(_strip_han_forms(unicodedata.normalize("NFKC", name))).split()
    out, _forms = _strip_phrases(tokens, _legal_form_trie())
    return " ".join(out) or " ".join(tokens)


_TRAILING = re.compile(r"^(.*\S)\s*[(\uff08]([^()\uff08\uff09]+)[)\uff09]\s*\*?$")


def name_variants(name: str) -> list[str]:
    """The name plus the other forms it prints (see module docstring), duplicates removed; a Chinese
    registered name also goes by its trade name (:func:`listwatch.match.han.trade_name`) and the Latin
    names the glossary gives it (:func:`listwatch.match.glossary.romanisations`)."""
    out = [name]
    m = _TRAILING.match(unicodedata.normalize("NFKC", name).strip())
    if m:
        out += [m.group(1), m.group(2)]
    if has_han(name):
        from listwatch.match.glossary import romanisations  # noqa: PLC0415 - Han names only (see imports)
        from listwatch.match.han import trade_name  # noqa: PLC0415

        out += [t for t in map(trade_name, out) if t]
        out += [latin for v in out for latin in romanisations(v)]
    elif translated := pinyin_translated(name):
        out.append(translated)
    return list(dict.fromkeys(v.strip(" ,*") for v in out if v.strip(" ,*")))


# -- matching forms -------------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+")


def _word_list(name: str) -> list[str]:
    text = read_data(name)
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@functools.cache
def _glossary() -> tuple[tuple[str, str], ...]:
    pairs = [tuple(line.split(None, 1)) for line in _word_list("han_glossary.txt")]
    return tuple(sorted(((h, e) for h, e in pairs), key=lambda p: len(p[0]), reverse=True))


def han_words() -> list[str]:
    """Every Han word whose pinyin matching asks for (the Chinese legal forms, the glossary's words):
    ``data/pinyin.json`` holds their pinyin (:mod:`listwatch.match.pinyin`)."""
    return sorted({*_han_forms(), *(han for han, _eng in _glossary())})


@functools.cache
def glossary_words() -> frozenset[str]:
    """The English words the Han glossary gives ("group", "technology", "university")."""
    return frozenset(w for _han, eng in _glossary() for w in eng.split())


@functools.cache
def _pinyin_words() -> dict[str, str]:
    """The pinyin of each glossary word (syllables joined) -> its English: "jituan" -> "group"."""
    from listwatch.match.pinyin import words_pinyin  # noqa: PLC0415 - see imports

    pinyin = words_pinyin([han for han, _eng in _glossary()])
    return {"".join(pinyin[han]): eng for han, eng in _glossary()}


def pinyin_translated(name: str) -> str | None:
    """A Latin name with its pinyin glossary words in English, as Han names fold ("Xiaomi Jituan" ->
    "xiaomi group", like 小米集团); a word may be split into its syllables ("ji tuan"). None when
    the name holds no such word."""
    words = _pinyin_words()
    toks = fold(name).split()
    out: list[str] = []
    i = 0
    while i < len(toks):
        pair = toks[i] + toks[i + 1] if i + 1 < len(toks) else ""
        if pair in words:
            out.append(words[pair])
            i += 2
        else:
            out.append(words.get(toks[i], toks[i]))
            i += 1
    return " ".join(out) if out != toks else None


@functools.cache
def security_suffixes() -> tuple[tuple[str, ...], ...]:
    """Security labels ("CLASS B", "ADR", "SHARES") as token tuples, longest first."""
    return tuple(sorted({tuple(w.split()) for w in _word_list("security_suffixes.txt")}, key=len, reverse=True))


def _han_run(run: str) -> str:
    """One run of Han characters -> Latin words: glossary words in English, the rest in pinyin."""
    from pypinyin import lazy_pinyin  # noqa: PLC0415 - loaded on first Han text only (large tables)

    out: list[str] = []
    pending = ""
    i = 0
    while i < len(run):
        for han, eng in _glossary():
            if run.startswith(han, i):
                if pending:
                    out.append("".join(lazy_pinyin(pending)))
                    pending = ""
                out.append(eng)
                i += len(han)
                break
        else:
            pending += run[i]
            i += 1
    if pending:
        out.append("".join(lazy_pinyin(pending)))
    return " " + " ".join(out) + " "


@functools.lru_cache(maxsize=4096)  # an index build folds each name twice (variants, then tokens)
def fold(text: str) -> str:
    """Any script -> lower-case ASCII: Han (Traditional made Simplified) via glossary + pinyin, the rest
    via anyascii.

    Chinese legal forms become English ones (han_glossary.txt: 有限公司 -> "limited"), set aside later
    like any legal form.
    Apostrophes vanish inside words ("BABA'I" -> "babai"); other punctuation becomes a space.
    """
    s = unicodedata.normalize("NFKC", text)
    if has_han(s):
        from listwatch.match.han import simplified  # noqa: PLC0415

        s = simplified(s)
        s = _han_runs().sub(lambda m: _han_run(m.group(0)), s)
    if not s.isascii():  # anyascii leaves ASCII as it is (and imports importlib.resources: tempfile, shutil)
        from anyascii import anyascii  # noqa: PLC0415 - see imports

        s = anyascii(s)
    s = s.casefold()
    s = re.sub(r"(?<=[a-z0-9])['`\u2019](?=[a-z])", "", s)
    return " ".join(_TOKEN.findall(s.replace("&", " and ")))


_END = ""  # trie key marking "a phrase ends here" (no token is empty)
Trie = dict[str, "Trie"]


def phrase_trie(phrases: Iterable[tuple[str, ...]]) -> Trie:
    """Token phrases as a trie (nested dicts keyed by token), for :func:`_strip_phrases`."""
    root: Trie = {}
    for phrase in phrases:
        node = root
        for token in phrase:
            node = node.setdefault(token, {})
        node[_END] = {}
    return root


@functools.cache
def _legal_form_trie() -> Trie:
    return phrase_trie(legal_forms())


@functools.cache
def matching_legal_forms() -> tuple[tuple[str, ...], ...]:
    """:func:`legal_forms` plus the pinyin of the Chinese ones, in words of two syllables and joined
    (有限公司: "youxian gongsi", "youxiangongsi"), for matching (lookups keep the lighter list)."""
    from listwatch.match.pinyin import words_pinyin  # noqa: PLC0415 - see imports

    of = words_pinyin(_han_forms())
    pinyin: set[tuple[str, ...]] = set()
    for form in _han_forms():
        syllables = of[form]
        pinyin.add(("".join(syllables),))
        pinyin.add(tuple("".join(syllables[k:k + 2]) for k in range(0, len(syllables), 2)))
    return tuple(sorted({*legal_forms(), *pinyin}, key=len, reverse=True))


@functools.cache
def _matching_form_trie() -> Trie:
    return phrase_trie(matching_legal_forms())


def _strip_phrases(tokens: list[str], trie: Trie) -> tuple[list[str], list[str]]:
    """(tokens outside phrases, tokens of phrases), left to right, the longest phrase at each position.

    One walk down the trie per position: linear in the tokens (times the longest phrase), not a
    scan of every phrase at every position.
    """
    kept: list[str] = []
    dropped: list[str] = []
    i, n = 0, len(tokens)
    while i < n:
        node, end, j = trie, 0, i
        while j < n and (node := node.get(tokens[j])) is not None:  # type: ignore[assignment]
            j += 1
            if _END in node:
                end = j
        if end:
            dropped.extend(tokens[i:end])
            i = end
        else:
            kept.append(tokens[i])
            i += 1
    return kept, dropped


@functools.cache
def _numbers() -> dict[str, str]:
    return dict(tuple(line.split()) for line in _word_list("number_words.txt"))  # type: ignore[misc]


def number_words(tokens: list[str]) -> list[str]:
    """Number words as digits (``number_words.txt``): "forty four" and "forty 4" -> "44", "first" -> "1st"."""
    table = _numbers()
    out: list[str] = []
    tens = False  # the last token was a tens word ("forty"), which a unit may complete
    for t in tokens:
        n = table.get(t, t)
        if tens and n.isdigit() and len(n) == 1:
            out[-1] = out[-1][0] + n
            tens = False
            continue
        out.append(n)
        tens = t in table and len(n) == 2 and n.endswith("0") and n != "10"
    return out


_CAMEL = re.compile(r"(?<=[a-z])[A-Z]")


@functools.cache
def _one_word_forms() -> frozenset[str]:
    # not "co": a word of its own as often as a legal form ("TelCo", "PetroCo")
    return frozenset(f[0] for f in matching_legal_forms() if len(f) == 1 and f[0].isascii()) - {"co"}


def _unglue(word: str) -> str:
    forms = _one_word_forms()
    for m in reversed(list(_CAMEL.finditer(word))):
        if word[m.start():].rstrip(".").casefold() in forms:
            return f"{word[:m.start()]} {word[m.start():]}"
    return word


def unglue_legal_forms(name: str) -> str:
    """A legal form written onto the end of a word in camel case becomes a word of its own ("SiemensAG" ->
    "Siemens AG", "AcmeGmbH"): only a known legal form after a lower-case letter, so "McDonald" and
    "PayPal" stay whole."""
    if name.isupper() or name.islower() or not _CAMEL.search(name):  # (a name in one case has no camel case)
        return name
    return " ".join(_unglue(w) if _CAMEL.search(w) else w for w in name.split(" "))


_CASEFOLD, _NO_CLEANUP = 4, 0  # rigour.text.normalize's Normalize.CASEFOLD and Cleanup.Noop (a test checks)


def org_types_compare(text: str) -> str:
    """``rigour.names.replace_org_types_compare(text)`` with its default flags (case-folded aliases, no
    cleanup, specific forms): "joint stock company" -> "jsc". It calls rigour's compiled core as the public
    function does; importing ``rigour.names`` loads rigour.text, normality and charset detection (~0.15 s
    CPU), more than half of what a single ``listwatch screen`` may take. A test checks both give the same."""
    return _org_types()(text)


@functools.cache
def _org_types() -> Callable[[str], str]:
    """:func:`org_types_compare`'s function, imported on first use and then kept (an import statement costs
    ~3 us each time it runs, even once the module is loaded: a few percent of a query's forms)."""
    try:
        from rigour._core import replace_org_types_compare  # noqa: PLC0415 - matching only, not lookups
    except ImportError:  # a rigour release laid out otherwise (pyproject allows any 2.x): the public function
        from rigour.names import replace_org_types_compare as public  # noqa: PLC0415

        return public
    return lambda text: replace_org_types_compare(text, _CASEFOLD, _NO_CLEANUP, False)


def match_fold(name: str) -> str:
    """:func:`fold` for matching: a legal form glued to a word in camel case is set apart
    (:func:`unglue_legal_forms`), and a non-ASCII name's legal forms are first put in rigour's compact form
    in their own script ("Gesellschaft mit beschränkter Haftung" -> "gmbh", "Акционерное общество" -> "ao"),
    which folding to ASCII would hide from rigour's table."""
    name = unglue_legal_forms(name)
    if name.isascii() or has_han(name):
        return fold(name)
    return fold(org_types_compare(unicodedata.normalize("NFKC", name).casefold()) or name)


@functools.cache
def _suffixes_ending() -> dict[str, tuple[tuple[str, ...], ...]]:
    """:func:`security_suffixes` by their last word, longest first."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for p in security_suffixes():
        out.setdefault(p[-1], []).append(p)
    return {k: tuple(v) for k, v in out.items()}


def strip_security_suffix(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Drop security labels from the end of a token list (repeatedly: "ORD SHARES")."""
    dropped: list[str] = []
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for p in _suffixes_ending().get(tokens[-1], ()):
            if len(tokens) > len(p) and tuple(tokens[-len(p):]) == p:
                dropped = list(p) + dropped
                tokens = tokens[:-len(p)]
                changed = True
                break
    return tokens, dropped


@functools.cache
def _form_wildcards() -> tuple[dict[tuple[str, ...], tuple[str, ...]], frozenset[str], int]:
    """(each legal form of 2+ words with one long word replaced by "*" -> the form, their words, the longest)."""
    wild: dict[tuple[str, ...], tuple[str, ...]] = {}
    for form in matching_legal_forms():
        if len(form) >= 2 and all(t.isascii() for t in form):
            for j, word in enumerate(form):
                if len(word) >= 4:
                    wild.setdefault((*form[:j], "*", *form[j + 1:]), form)
    return wild, frozenset(t for f in wild.values() for t in f), max((len(k) for k in wild), default=0)


@functools.cache
def _form_word_variants() -> frozenset[str]:
    """The words a "*" of :func:`_form_wildcards` stands for, and their one-deletion variants."""
    out: set[str] = set()
    for key, form in _form_wildcards()[0].items():
        word = form[key.index("*")]
        out.add(word)
        out.update(word[:i] + word[i + 1:] for i in range(len(word)))
    return frozenset(out)


@functools.lru_cache(maxsize=1 << 14)  # query tokens: the same words come back in many queries
def _near_form_word(token: str) -> bool:
    """Whether ``token`` may be one edit from a word a "*" of :func:`_form_wildcards` stands for: one edit
    (a substitution, insertion, deletion or transposition) leaves the two a one-deletion variant in common,
    so a token that shares none with those words is two edits or more from each, and no form repairs it."""
    variants = _form_word_variants()
    return token in variants or any(token[:i] + token[i + 1:] in variants for i in range(len(token)))


def _osa_distance(a: str, b: str) -> int:
    """The optimal-string-alignment distance of two words, cut off above 1 (rapidfuzz, imported only when a
    form's other words match: an import statement on every call cost ~3 us)."""
    from rapidfuzz.distance import OSA  # noqa: PLC0415 - matching only

    return int(OSA.distance(a, b, score_cutoff=1))


def repair_legal_form_typos(tokens: list[str]) -> list[str]:
    """A word one edit away from a word of a legal form of several words whose other words are printed right
    becomes that word ("joynt stock company" -> "joint stock company"; words of 4+ letters only), and a legal
    form spelled in single letters at either end becomes one word ("o.O.O." -> "ooo")."""
    wild, words, longest = _form_wildcards()
    out = list(tokens)
    for k, tok in enumerate(tokens):
        if len(tok) < 4 or tok in words or not (
                (k and tokens[k - 1] in words) or (k + 1 < len(tokens) and tokens[k + 1] in words)
        ) or not _near_form_word(tok):
            continue
        for n in range(2, longest + 1):
            for i in range(max(0, k - n + 1), min(k, len(out) - n) + 1):
                form = wild.get((*out[i:k], "*", *out[k + 1:i + n]))
                if form and _osa_distance(tok, form[k - i]) <= 1:
                    out[k] = form[k - i]
                    break
            if out[k] != tok:
                break
    return _join_spelled_form(out)


def _join_spelled_form(tokens: list[str]) -> list[str]:
    """A legal form spelled out in single letters at either end becomes one word ("o o o" -> "ooo")."""
    for end in (True, False):
        run = 0
        for t in (reversed(tokens) if end else tokens):
            if len(t) != 1 or not t.isalpha():
                break
            run += 1
        if 2 <= run < len(tokens):
            word = "".join(tokens[-run:] if end else tokens[:run])
            if word in _one_word_forms():
                tokens = [*tokens[:-run], word] if end else [word, *tokens[run:]]
    return tokens


def split_legal_forms(tokens: list[str]) -> tuple[list[str], list[str]]:
    """(core tokens, legal-form tokens). A name made only of legal forms keeps them as its core.

    A one-letter typo in a word of a legal form is repaired first (:func:`repair_legal_form_typos`);
    rigour's org-type table (ISO 20275 and more) then folds legal forms in many languages to a
    compact form ("joint stock company" -> "jsc"); ``legal_forms.txt`` then sets those aside.
    """
    tokens = repair_legal_form_typos(tokens)
    tokens = org_types_compare(" ".join(tokens)).split() or tokens
    core, forms = _strip_phrases(tokens, _matching_form_trie())
    return (core, forms) if core else (tokens, [])
