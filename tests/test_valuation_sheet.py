"""The draft Valuation sheet (issue 15) added to a real report plan, recalculated by LibreOffice:
every formula cell equals the engine's value; the offer block shows Jiaxin's public figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

import xl_corridor as xc
from xl_corridor.case import load_case
from xl_corridor.errors import CorridorInputError
from xl_corridor.validate.libreoffice import recalculate
from xl_corridor.workbook.marks import REPORT_KIND
from xl_corridor.workbook.report import plan_report
from xl_corridor.workbook.save import save_workbook
from xl_corridor.workbook.valuation_sheet import SHEET, ValuationInputs, valuation_sheet

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "workbooks" / "examples" / "jiaxin_boguty.toml"


def _name(wb, name):
    sheet, ref = wb.defined_names[name].attr_text.split("!")
    return sheet.strip("'"), ref.replace("$", "")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    case = load_case(EXAMPLE)
    plan = plan_report(case)
    valuation_sheet(plan, case, ValuationInputs(tree_steps=8, cost_after_dfs=120.0))
    path = save_workbook(
        plan.wb,
        tmp_path_factory.mktemp("val") / "report.xlsx",
        kind=REPORT_KIND,
        cached=plan.cached,
    )
    return case, plan, path


def test_offer_block_shows_jiaxin_public_figures(built):
    _, plan, _ = built
    cached = plan.cached[SHEET]
    wb = plan.wb

    def value(name):
        return cached[_name(wb, name)[1]]

    # HKEX 3858 allotment results (Aug 2025): net HK$1,087.7m, gross HK$1,199.1m.
    assert round(value("offer_net"), 1) == 1087.7
    assert round(value("offer_gross"), 1) == 1199.1
    assert value("offer_dilution") == pytest.approx(109_808_800 / 439_228_800)
    assert value("offer_money_left") == pytest.approx(109_808_800 * (30.34 - 10.92) / 1e6)
    ev = plan.evaluation
    assert value("val_npv_per_share") == pytest.approx(ev.delta_npv * 1e6 / 439_228_800)


def test_timing_block_equals_the_engine_tree(built):
    case, plan, _ = built
    ev = plan.evaluation
    lt = xc.listing_timing(
        ev.pv_dual - ev.pv_single,
        ev.compliance_cost,
        120.0,
        0.7,
        1.5,
        0.35,
        case.market.rf,
        0.0,
        steps=8,
    )
    cached = plan.cached[SHEET]
    assert cached[_name(plan.wb, "dfs_value_wait")[1]] == pytest.approx(lt.value_wait)
    assert cached[_name(plan.wb, "dfs_timing")[1]] == lt.timing


def test_sheet_recalculates_in_libreoffice_to_the_engine(built, tmp_path, soffice):
    _, plan, path = built
    (out,) = recalculate([path], tmp_path / "recalc")
    got = load_workbook(out, data_only=True)[SHEET]
    checked = 0
    for ref, expected in plan.cached[SHEET].items():
        value = got[ref].value
        if isinstance(expected, (str, bool)):
            assert value == expected, (ref, value, expected)
        else:
            assert value == pytest.approx(expected, rel=1e-9, abs=1e-9), (ref, value, expected)
        checked += 1
    assert checked > 60
    assert got[_name(plan.wb, "val_checks_ok")[1]].value is True


def test_bad_offer_input_is_named_and_writes_nothing():
    case = load_case(EXAMPLE)
    plan = plan_report(case)
    with pytest.raises(CorridorInputError, match=r"^fees: expected listing expenses of at most"):
        valuation_sheet(plan, case, ValuationInputs(listing_fees=5000.0))
    assert SHEET not in plan.wb.sheetnames
