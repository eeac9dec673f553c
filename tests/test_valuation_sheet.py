"""The Valuation sheet of a report (issue 15): built from the case's [valuation] section, whose
inputs sit on the Inputs sheet; recalculated by LibreOffice, every formula equals the engine;
the offer block shows Jiaxin's public figures; the Summary says the better timing."""

from __future__ import annotations

import copy
import math
import tomllib
from pathlib import Path

import corridor_udfs
import pytest
from helpers import EXAMPLE
from openpyxl import load_workbook

from xl_corridor.case import CaseError, analyze, evaluate, load_case
from xl_corridor.validate.libreoffice import recalculate
from xl_corridor.workbook.inputs import workbook_case_dict
from xl_corridor.workbook.marks import REPORT_KIND
from xl_corridor.workbook.report import plan_report
from xl_corridor.workbook.save import save_workbook
from xl_corridor.workbook.valuation_sheet import SHEET

ROOT = Path(__file__).resolve().parents[1]
# Jiaxin, HKEX 3858 allotment results (Aug 2025, docs/facts.md)
JX_NEW, JX_POST, JX_OFFER, JX_DAY1, JX_FEES = 109_808_800, 439_228_800, 10.92, 30.34, 111.4


def _data(**valuation):
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["valuation"].update(valuation)
    return data


def _name(wb, name):
    sheet, ref = wb.defined_names[name].attr_text.split("!")
    return sheet.strip("'"), ref.replace("$", "")


def _cached(plan, name):
    sheet, ref = _name(plan.wb, name)
    return plan.cached[sheet][ref]


@pytest.fixture(scope="module")
def plan():
    return plan_report(load_case(_data(tree_steps=8)))


def test_example_files_carry_the_public_offer_figures():
    for path in (EXAMPLE, ROOT / "xl_corridor" / "data" / "example_case.toml"):
        v = tomllib.loads(path.read_text(encoding="utf-8"))["valuation"]
        assert (v["new_shares"], v["shares_outstanding"], v["offer_price"], v["price_day1"],
                v["listing_expenses"]) == (JX_NEW, JX_POST, JX_OFFER, JX_DAY1, JX_FEES)


def test_offer_block_shows_jiaxin_public_figures(plan):
    # the allotment results state gross HK$1,199.1m and net HK$1,087.7m
    assert round(_cached(plan, "offer_gross"), 1) == 1199.1
    assert round(_cached(plan, "offer_net"), 1) == 1087.7
    assert _cached(plan, "offer_dilution") == pytest.approx(JX_NEW / JX_POST, rel=1e-12)
    assert _cached(plan, "offer_shares_pre") == JX_POST - JX_NEW
    assert _cached(plan, "offer_money_left") == pytest.approx(JX_NEW * (JX_DAY1 - JX_OFFER) / 1e6)
    ev = plan.evaluation
    # Delta NPV is in HKD m: per share is Delta NPV x 1e6 / shares after the offer
    assert _cached(plan, "val_npv_per_share") == pytest.approx(ev.delta_npv * 1e6 / JX_POST)
    assert _cached(plan, "val_npv_to_mcap") == pytest.approx(
        ev.delta_npv / (JX_POST * JX_OFFER / 1e6))


def test_inputs_live_on_the_inputs_sheet(plan):
    for name in ("val_shares", "offer_price", "offer_fees", "dfs_p", "dfs_volatility",
                 "dfs_cost_after_input"):
        assert _name(plan.wb, name)[0] == "Inputs"
    ws = plan.wb[SHEET]
    # no input cell (blue) on the Valuation sheet
    blue = [c.coordinate for row in ws.iter_rows() for c in row
            if c.value is not None and c.font is not None and c.font.color is not None
            and c.font.color.rgb in ("FF0000FF", "000000FF")]
    assert blue == []


def test_workbook_reads_back_as_the_same_case(plan):
    case = load_case(_data(tree_steps=8))
    back = load_case(workbook_case_dict("report", plan.wb))
    assert back.valuation == case.valuation


def test_timing_converges_to_black_scholes(plan):
    # Independent: with n = 200 the CRR tree's value of listing after the DFS is close to the
    # Black (1976) / Merton call on S0 with continuous rates ln(1+rf), ln(1+delta), times p.
    case = load_case(_data(tree_steps=200))
    ev = evaluate(case)
    v = case.valuation
    s0, k = ev.pv_dual - ev.pv_single, v.cost_after_dfs
    r, dlt, sig, t = math.log(1 + case.market.rf), math.log(1 + v.forgone_yield), \
        v.dfs_volatility, v.years_to_dfs
    d1 = (math.log(s0 / k) + (r - dlt + sig**2 / 2) * t) / (sig * math.sqrt(t))
    d2 = d1 - sig * math.sqrt(t)
    n = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    call = s0 * math.exp(-dlt * t) * n(d1) - k * math.exp(-r * t) * n(d2)
    res = analyze(case, ev).valuation
    assert res.timing.value_wait == pytest.approx(v.dfs_success_probability * call, rel=5e-3)
    assert res.timing.value_now == pytest.approx(
        v.dfs_success_probability * s0 - ev.compliance_cost, rel=1e-12)


def test_summary_states_the_better_timing(plan):
    ws = plan.wb["Summary"]
    rows = {ws[f"A{r}"].value: r for r in range(7, 30)}
    r = rows["Better timing: list now or after the DFS"]
    t = plan.analytics.valuation.timing
    assert t.timing == "WAIT_FOR_DFS"
    assert plan.cached["Summary"][f"B{r}"] == (  # Jiaxin's DFS is complete: hypothetical
        "DFS complete: nothing to wait for (the Valuation sheet's layer, as if it were not: "
        f"Wait for the DFS: worth {t.value_wait - t.value_now:.1f} HKD m more)")
    # the existing rows do not move: Decision B7, Delta NPV B8, break-even cost B15
    assert ws["A7"].value == "Decision" and ws["A15"].value.startswith("Value of the lower Ke")


def test_no_valuation_section_no_sheet():
    data = _data()
    del data["valuation"]
    p = plan_report(load_case(data))
    assert SHEET not in p.wb.sheetnames and "dfs_timing" not in p.wb.defined_names


@pytest.mark.parametrize(("field", "value", "match"), [
    ("new_shares", 5e8, r"valuation\.new_shares: expected new_shares \+ greenshoe below"),
    ("listing_expenses", 5000.0, r"valuation\.listing_expenses: expected listing expenses"),
    ("dfs_success_probability", 1.5, r"valuation\.dfs_success_probability"),
])
def test_bad_valuation_input_is_named(field, value, match):
    with pytest.raises(CaseError, match=match):
        analyze(load_case(_data(**{field: value})))


def test_sheet_recalculates_in_libreoffice_to_the_engine(plan, tmp_path, soffice):
    path = save_workbook(plan.wb, tmp_path / "report.xlsx", kind=REPORT_KIND,
                         cached=plan.cached)
    (out,) = recalculate([path], tmp_path / "recalc")
    wb = load_workbook(out, data_only=True)
    checked = 0
    for sheet in (SHEET, "Summary"):
        for ref, expected in plan.cached[sheet].items():
            value = wb[sheet][ref].value
            if expected is None:  # no cached value written (as the validator skips it)
                continue
            if isinstance(expected, (str, bool)):
                assert value == expected, (sheet, ref, value, expected)
            else:
                assert value == pytest.approx(expected, rel=1e-9, abs=1e-9), (ref, value)
            checked += 1
    assert checked > 60
    assert wb["Checks"][_name(plan.wb, "checks_ok")[1]].value is True


@pytest.mark.slow
def test_template_valuation_block_validates_and_a_broken_native_fails(tmp_path):
    from xl_corridor.validate.validator import validate_workbook
    from xl_corridor.workbook.template import VALUATION_ROWS, build_template

    path = build_template(tmp_path / "t.xlsx")
    result = validate_workbook(path, udfs=corridor_udfs)
    assert result.ok, result.failures
    wb = load_workbook(path)
    ws = wb["Model"]
    assert ws[f"C{VALUATION_ROWS['npv_per_share']}"].value.startswith("=DUAL_NPV_PER_SHARE(")
    assert ws[f"C{VALUATION_ROWS['timing']}"].value.startswith("=DUAL_LIST_TIMING(")
    ws[f"D{VALUATION_ROWS['wait_value']}"] = "=0"  # the native cross-check broken
    wb.save(tmp_path / "broken.xlsx")
    broken = validate_workbook(tmp_path / "broken.xlsx", udfs=corridor_udfs)
    assert broken.status == "failed"
    assert any(f.cell.endswith(f"E{VALUATION_ROWS['wait_value']}") or "D78" in f.cell
               for f in broken.failures), broken.failures


def test_the_timing_line_never_advises_waiting_for_a_dfs_that_is_done():
    # Jiaxin's DFS is complete (the example's decision is PROCEED): the Summary's timing line
    # says so and shows the wait-for-DFS layer as hypothetical; without the DFS the decision is
    # WAIT and the same line advises waiting. Both against the Summary's own decision cell.
    for done, decision_start, line_start in ((True, "PROCEED", "DFS complete: nothing to wait"),
                                             (False, "WAIT", "Wait for the DFS")):
        data = _data(tree_steps=8)
        data["listing"]["dfs_complete"] = done
        p = plan_report(load_case(data))
        summary = p.cached["Summary"]
        line = next(v for v in summary.values()
                    if isinstance(v, str) and ("Wait for the DFS" in v or "List now" in v))
        assert _cached(p, "decision").startswith(decision_start)
        assert line.startswith(line_start), line
