"""Name normalisation and matching: normalise -> index (candidates) -> score (with explanation).

:func:`listwatch.match.compare.compare` scores one name against another without an index, for an analyst checking
a customer name against one list entry, or for pairwise evaluation sets. (This package's own module is empty:
every process that looks up a name imports it, and most never compare.)
"""
