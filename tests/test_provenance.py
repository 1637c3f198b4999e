"""Primary or secondary: the official record counts, commentary does not."""

from __future__ import annotations

import pytest

from listwatch.model import Source
from listwatch.provenance import is_primary


@pytest.mark.parametrize(("citation", "primary"), [
    ("84 FR 22961 (May 21, 2019), effective May 16, 2019", True),
    ("'Notice of Removal of Designated Chinese Military Companies', DoD, FR Doc 2024-30018", True),
    ("Executive Order 14032 (June 3, 2021), 86 FR 30145", True),
    ("DoD release, Jan. 7, 2025, https://www.defense.gov/News/Releases/Release/Article/4023145/", True),
    ("OFAC FAQ 879 (released Jan. 27, 2021), https://home.treasury.gov/policy-issues/financial-sanctions/faqs/879", True),
    ("Xiaomi Corp. v. Dep't of Defense, No. 1:21-cv-00280-RC (D.D.C.), ECF 21 Memorandum Opinion", True),
    ("https://www.thompsonhinesmartrade.com/2020/12/commerce-publishes-additions-to-entity-list", False),
    ("DoD 1260H edition of 2026-06-08 as recorded in the OpenSanctions transcription", False),
    ("OpenSanctions transcription of the DoD Section 1260H list editions (working reference)", False),
])
def test_primary_sources_are_the_official_record(citation: str, primary: bool) -> None:
    assert is_primary(Source("x", citation)) is primary
