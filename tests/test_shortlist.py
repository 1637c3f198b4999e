"""Candidate ranking for a batch of query forms: each form ranked as it would be alone, credits summed in order."""

from __future__ import annotations

import numpy as np
import pytest

from listwatch.match import shortlist
from listwatch.match.shortlist import Credits, shortlists


@pytest.fixture(params=["numpy", "numpy, 64-bit entries", "numpy's group, each form alone", "few", "few, 64-bit entries",
                        "few forms, each alone", "plain"])
def ranking(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with each way of ranking: numpy's for batches and for a few forms (entries numbered in 32
    or 64 bits, or too wide for either) and plain Python's (a few names)."""
    if request.param == "plain":
        monkeypatch.setattr(shortlist, "PLAIN", 1 << 60)
        return
    monkeypatch.setattr(shortlist, "PLAIN", -1)
    monkeypatch.setattr(shortlist, "UNLOADED", -1)
    monkeypatch.setattr(shortlist, "FEW", 1 << 60 if request.param.startswith("few") else -1)
    if request.param.endswith("64-bit entries"):
        monkeypatch.setattr(shortlist, "NARROW", 0)
    elif request.param.endswith("each alone"):
        monkeypatch.setattr(shortlist, "WIDE", 0)


def _part(*names: int) -> memoryview:
    return memoryview(np.array(names, dtype=np.int32))


def _alone(form: Credits, total: memoryview, sizes: memoryview, threshold: float, take: int) -> list[int]:
    """The ranking written out one form at a time: credits added to each name one by one, in order."""
    bound: dict[int, float] = {}
    equal: dict[int, float] = {}
    for part, c, e in zip(form.parts, form.credit, form.equal, strict=True):
        for n in part.tolist():  # (a name a list holds twice is credited twice)
            bound[n] = bound.get(n, 0.0) + c
            equal[n] = equal.get(n, 0.0) + e
    rows = []
    for n in sorted(bound):
        den = form.weight + float(total[n])
        b = bound[n] / den
        if bound[n] != 0 and (threshold <= 0 or b >= threshold - 1e-9):
            rows.append((-min(b, 1.0), -equal[n] / den, int(sizes[n]), n))
    return [n for *_, n in sorted(rows)][:take]


@pytest.mark.usefixtures("ranking")
def test_credits_are_summed_in_the_order_credited() -> None:
    """(0.1 + 0.2) + 0.3 is one ulp above (0.3 + 0.2) + 0.1: name 5, credited in the first order, ranks before
    name 2, credited in the second, though both are "0.6" and 2 is the lower number."""
    form = Credits([_part(5), _part(5, 2), _part(5), _part(2), _part(2)], [0.1, 0.2, 0.3, 0.3, 0.1],
                   [0.0] * 5, 0.0)
    total, sizes = memoryview(np.ones(6)), memoryview(np.ones(6, dtype=np.int32))
    assert shortlists([form], total, sizes, 0.0, 10) == [[5, 2]]
    assert shortlists([form], total, sizes, 0.0, 1) == [[5]]


@pytest.mark.usefixtures("ranking")
def test_a_batch_ranks_every_form_as_it_would_be_ranked_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(12)
    names = 300
    total = memoryview(rng.uniform(1, 20, names))
    sizes = memoryview(rng.integers(1, 6, names).astype(np.int32))
    forms = []
    for _ in range(40):
        k = int(rng.integers(0, 12))
        parts = [memoryview(rng.choice(names, int(rng.integers(1, 40)), replace=rng.random() < 0.3).astype(np.int32))
                 for _ in range(k)]
        credit = rng.choice([0.1, 0.2, 0.3, 0.7, 1.1, 2.5, 8.0], k).tolist()
        equal = [c if rng.random() < 0.5 else 0.0 for c in credit]
        forms.append(Credits(parts, credit, equal, float(rng.uniform(1, 20))))
    for threshold, take in ((0.0, 40), (0.05, 7), (0.3, 40)):
        expected = [_alone(f, total, sizes, threshold, take) for f in forms]
        assert shortlists(forms, total, sizes, threshold, take) == expected
        assert [shortlists([f], total, sizes, threshold, take)[0] for f in forms] == expected
        with monkeypatch.context() as m:  # ranked a few forms at a time
            m.setattr(shortlist, "ENTRIES", 100)
            assert shortlists(forms, total, sizes, threshold, take) == expected
    assert any(expected) and not all(expected)
    assert shortlists([], total, sizes, 0.0, 5) == []


@pytest.mark.usefixtures("ranking")
def test_equal_tokens_are_summed_in_the_order_credited_too() -> None:
    """The tie-break share of equal tokens, like the bound: names 5 and 2 have the same bound (3.0) and
    "0.6" of equal tokens, one ulp apart by the order credited, so 5 ranks first, at any threshold."""
    form = Credits([_part(5), _part(5, 2), _part(5), _part(2), _part(2)], [1.0] * 5, [0.1, 0.2, 0.3, 0.3, 0.1], 0.0)
    total, sizes = memoryview(np.ones(6)), memoryview(np.ones(6, dtype=np.int32))
    for threshold in (0.0, 0.5):
        assert shortlists([form], total, sizes, threshold, 10) == [[5, 2]]


@pytest.mark.usefixtures("ranking")
def test_a_bound_exactly_at_the_threshold_passes_and_one_just_under_does_not() -> None:
    """Names 1 and 2 are both credited 1.6, over the form's own weight 1.0 far above 0.8; over both names' weight
    name 1 (weight 1.0) is at 0.8 exactly and kept, name 2 (weight 1.1) at 0.76 and left out."""
    form = Credits([_part(1, 2), _part(2, 1)], [1.0, 0.6], [1.0, 0.0], 1.0)
    total, sizes = memoryview(np.array([5.0, 1.0, 1.1])), memoryview(np.ones(3, dtype=np.int32))
    assert shortlists([form], total, sizes, 0.8, 10) == [[1]]
    assert shortlists([form], total, sizes, 0.7, 10) == [[1, 2]]


@pytest.mark.usefixtures("ranking")
def test_a_threshold_within_the_tolerance_of_zero_keeps_what_the_tolerance_lets_through() -> None:
    """At a threshold of 5e-10 (under the 1e-9 tolerance) a name credited -8e-10 is kept: its bound over both
    names' weight, -4e-10, is within the tolerance, though over its form's weight alone (-8e-10) it is not."""
    form = Credits([_part(1), _part(2)], [-8e-10, 1.0], [0.0, 0.0], 1.0)
    total, sizes = memoryview(np.array([1.0, 1.0, 1.0])), memoryview(np.ones(3, dtype=np.int32))
    assert shortlists([form], total, sizes, 5e-10, 10) == [_alone(form, total, sizes, 5e-10, 10)] == [[2, 1]]
