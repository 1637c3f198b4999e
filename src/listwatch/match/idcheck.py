"""Is a query a valid ISIN or LEI? python-stdnum's answer, without importing stdnum for queries it must refuse.

``stdnum.util`` imports ``ssl`` and ``pydoc`` (~0.03 s CPU) and a single ``listwatch screen`` asks these
two questions of every query, nearly always of a company name. So each function first applies a test that
every number stdnum accepts passes, and asks stdnum only when it does; the answer is always stdnum's.

What stdnum checks (python-stdnum 1.20-2.x): the value is cleaned (Unicode dashes, spaces and digits mapped
to ASCII, spaces - and for an LEI dashes - removed), stripped and upper-cased; an ISIN is then 12 characters
of 0-9 A-Z with a known country prefix and a Luhn check digit; an LEI is any number of characters that
``int(c, 36)`` reads (0-9 A-Z, Unicode decimal digits) whose ISO 7064 mod 97-10 checksum is 1 (stdnum does
not check the length of an LEI).

Refused before stdnum is asked:

* a value holding a letter outside ASCII: cleaning maps it to itself or to an apostrophe, neither of which
  an ISIN or ``int(c, 36)`` accepts;
* an ASCII value whose cleaned form has the wrong length or characters (ISIN), or whose mod 97-10 checksum
  (computed here the same way) is not 1 (LEI).
"""

from __future__ import annotations

__all__ = ["is_isin", "is_lei"]

_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_BASE36 = str.maketrans({c: str(int(c, 36)) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"})  # "A" -> "10" (a digit: itself)


def _foreign_letter(value: str) -> bool:
    return any(c.isalpha() for c in value if not c.isascii())


def is_isin(value: str) -> bool:
    """``stdnum.isin.is_valid(value)``."""
    if value.isascii():
        n = value.replace(" ", "").strip().upper()
        if len(n) != 12 or not _ALNUM.issuperset(n):
            return False
    elif _foreign_letter(value):
        return False
    from stdnum import isin  # noqa: PLC0415 - see the module docstring

    return bool(isin.is_valid(value))


def is_lei(value: str) -> bool:
    """``stdnum.lei.is_valid(value)``."""
    if value.isascii():
        n = value.replace(" ", "").replace("-", "").strip().upper()
        if not n or not _ALNUM.issuperset(n) or int(n.translate(_BASE36)) % 97 != 1:
            return False
    elif _foreign_letter(value):
        return False
    from stdnum import lei  # noqa: PLC0415 - see the module docstring

    return bool(lei.is_valid(value))
