"""docs/conformance.md lists exactly the differences the suite encodes."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conformance.cases import CASES
from tests.conformance.differences import COMBINATIONS, DIFFERENCES

CONFORMANCE_DOC = Path(__file__).resolve().parents[2] / "docs" / "conformance.md"


def test_every_difference_has_one_row() -> None:
    section = CONFORMANCE_DOC.read_text().split("## Known differences", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([a-z0-9-]+)` \|", section, flags=re.MULTILINE)

    assert sorted(documented) == sorted(difference.name for difference in DIFFERENCES)
    assert len(documented) == len(set(documented))


def test_doc_counts_match_suite() -> None:
    text = " ".join(CONFORMANCE_DOC.read_text().split())

    assert f"That makes {len(COMBINATIONS)} combinations." in text
    assert f"holds {len(CASES)} request cases" in text
    assert f"{len(CASES) * len(COMBINATIONS):,} comparisons" in text
