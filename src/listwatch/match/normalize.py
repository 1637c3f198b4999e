"""Pure name normalisers: a value in, a value out, no I/O, idempotent.

* :func:`lookup_key` - NFKC, case-folded, punctuation to spaces, whitespace collapsed. Two
  spellings that differ only in case, punctuation or spacing get the same key; Han characters
  are kept as they are.
* :func:`core_key` - :func:`lookup_key` without legal-form words (``legal_forms.txt``), so
  "Xiaomi Corp." and "XIAOMI CORPORATION" share "xiaomi".
* :func:`name_variants` - the forms a printed list name also goes by: without its trailing
  parenthesised short name, and the short name itself ("... Co., Ltd. (Hikvision)",
  "... Corp. (SMIC)"). A parenthesis inside the name, before the legal form ("Huawei Device
  (Shenzhen) Co., Ltd.", "China Unicom (BVI) Co., Ltd."), is part of the name and stays.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import unicodedata

__all__ = ["core_key", "legal_forms", "lookup_key", "name_variants"]

_PUNCT = re.compile(r"[^\w\u3400-\u9fff]+")
_PAREN = re.compile(r"[(\uff08]([^)\uff09]*)[)\uff09]")


def lookup_key(name: str) -> str:
    s = unicodedata.normalize("NFKC", name).casefold().replace("&", " and ")
    return " ".join(_PUNCT.sub(" ", s).replace("_", " ").split())


@functools.cache
def legal_forms() -> tuple[tuple[str, ...], ...]:
    """Legal-form phrases as token tuples, longest first."""
    text = (importlib.resources.files("listwatch.match") / "data" / "legal_forms.txt").read_text(encoding="utf-8")
    forms = {tuple(line.split()) for line in text.splitlines() if line.strip() and not line.startswith("#")}
    return tuple(sorted(forms, key=len, reverse=True))


def _strip_han_forms(s: str) -> str:
    for form in legal_forms():
        if len(form) == 1 and re.search(r"[\u3400-\u9fff]", form[0]):
            s = s.replace(form[0], " ")
    return s


def core_key(name: str) -> str:
    """The distinctive part of a name: no legal forms (empty names keep their words)."""
    tokens = lookup_key(_strip_han_forms(unicodedata.normalize("NFKC", name))).split()
    forms = legal_forms()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for form in forms:
            if tuple(tokens[i:i + len(form)]) == form:
                i += len(form)
                break
        else:
            out.append(tokens[i])
            i += 1
    return " ".join(out) or " ".join(tokens)


_TRAILING = re.compile(r"^(.*\S)\s*[(\uff08]([^()\uff08\uff09]+)[)\uff09]\s*\*?$")


def name_variants(name: str) -> list[str]:
    """The name plus the other forms it prints (see module docstring), duplicates removed."""
    out = [name]
    m = _TRAILING.match(unicodedata.normalize("NFKC", name).strip())
    if m:
        out += [m.group(1), m.group(2)]
    return list(dict.fromkeys(v.strip(" ,*") for v in out if v.strip(" ,*")))
