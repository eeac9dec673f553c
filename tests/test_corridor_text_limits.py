"""Corridor case files get the text limits listing case files get (xl_corridor/limits.py):
characters a workbook cannot hold are refused, and each text is bounded by its kind."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest

from xl_corridor import limits
from xl_corridor.case import CaseError
from xl_corridor.corridor_case import load_corridor_case

EXAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "examples" / "corridor_kz_copper.toml"
DATA = tomllib.loads(EXAMPLE.read_text("utf-8"))


@pytest.mark.parametrize(("table", "key", "text", "said"), [
    ("deal", "units", "u" * (limits.CASE_MAX_CODE_CHARS + 1),
     f"deal.units: text of {limits.CASE_MAX_CODE_CHARS + 1} characters"),
    ("deal", "sponsor", "a\uffffb", "deal.sponsor: contains the noncharacter U+FFFF"),
    ("deal", "country", "Kazakh\x07stan", "deal.country: contains the control character U+0007"),
    ("sources", "rf", "s" * (limits.CASE_MAX_SOURCE_CHARS + 1),
     f"sources.rf: text of {limits.CASE_MAX_SOURCE_CHARS + 1:,} characters"),
])
def test_text_a_workbook_cannot_hold_is_refused(table: str, key: str, text: str,
                                                said: str) -> None:
    data = copy.deepcopy(DATA)
    data[table][key] = text
    with pytest.raises(CaseError) as caught:
        load_corridor_case(data)
    assert said in str(caught.value), str(caught.value)


def test_texts_at_their_limits_are_accepted() -> None:
    data = copy.deepcopy(DATA)
    data["sources"]["rf"] = "s" * limits.CASE_MAX_SOURCE_CHARS
    data["deal"]["units"] = "u" * limits.CASE_MAX_CODE_CHARS
    case = load_corridor_case(data)
    assert case.deal.units == "u" * limits.CASE_MAX_CODE_CHARS
