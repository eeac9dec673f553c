"""An answer that holds (issue 11): one regression test per finding.

The decision combines value and eligibility, dated flows are discounted from the valuation date,
every deterministic number in a report is a live formula (an edit in LibreOffice recalculates to
the engine's answer for the edited inputs, and snapshots say STALE instead of failing), an
error never reads as an answer, and the template says when the add-in is not loaded.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tomllib

import formulas
import pytest
from helpers import EXAMPLE
from openpyxl import load_workbook

import xl_corridor as xc
from xl_corridor.case import CaseError, evaluate, load_case
from xl_corridor.engine import listing
from xl_corridor.validate.libreoffice import recalculate
from xl_corridor.validate.validator import validate_workbook
from xl_corridor.workbook import formulas as fx
from xl_corridor.workbook.inputs import named_cells
from xl_corridor.workbook.report import build_report
from xl_corridor.workbook.template import MODEL_ROWS, build_template


def example_dict() -> dict:
    return tomllib.loads(EXAMPLE.read_text("utf-8"))


def _excel(formula: str) -> object:
    """Evaluate a formula of constants with the `formulas` library (an Excel reimplementation)."""
    formula = formula.replace("tol", "1E-9")  # the workbook's defined name, as a constant
    value = formulas.Parser().ast("=" + formula)[1].compile()()
    return value.item() if hasattr(value, "item") else value


# --- 1. dated cash flows are discounted from the valuation date ---------------------------------


def test_dated_flows_are_discounted_from_the_valuation_date() -> None:
    data = example_dict()
    data.pop("parity", None)
    data.pop("simulation", None)
    origin = data["deal"]["valuation_date"]
    values = data["cash_flows"]["values"]
    dates = [origin.replace(year=origin.year + i + 1) for i in range(len(values))]
    data["cash_flows"]["dates"] = dates
    ev = evaluate(load_case(data))
    # XNPV's definition (Microsoft, "XNPV function"), written out here with the valuation date
    # as the origin: sum CF_i / (1 + k)^((d_i - d_0)/365)
    by_hand = sum(cf / (1 + ev.ke_single) ** ((d - origin).days / 365)
                  for cf, d in zip(values, dates, strict=True))
    assert ev.pv_single == pytest.approx(by_hand, rel=1e-12)
    # not the first-flow origin, which overstates PV by about (1 + Ke) for flows a year out
    first_flow = sum(cf / (1 + ev.ke_single) ** ((d - dates[0]).days / 365)
                     for cf, d in zip(values, dates, strict=True))
    assert first_flow / ev.pv_single == pytest.approx(1 + ev.ke_single, rel=2e-3)
    assert ev.breakeven_ke is not None  # dated flows get a break-even Ke too
    assert xc.dual_xnpv([0.0, *values], [origin, *dates], ev.breakeven_ke, ev.ke_single,
                        ev.compliance_cost) == pytest.approx(0.0, abs=1e-9)


def test_a_flow_before_the_valuation_date_is_refused() -> None:
    data = example_dict()
    origin = data["deal"]["valuation_date"]
    n = len(data["cash_flows"]["values"])
    data["cash_flows"]["dates"] = [origin - dt.timedelta(days=1)] + [
        origin.replace(year=origin.year + i) for i in range(1, n)]
    with pytest.raises(CaseError, match="on or after the valuation date"):
        load_case(data)


# --- 2. and 3. the decision combines value and eligibility; rules cited for what they say -------


def _positive(data: dict) -> dict:
    data["premia"]["lp_dual"] = 0.0  # a large premium cut: the value case is positive
    data.pop("parity", None)
    return data


def test_positive_value_but_inferred_resources_waits() -> None:
    data = _positive(example_dict())
    data["listing"]["resource_category"] = "Inferred"
    ev = evaluate(load_case(data))
    assert ev.delta_npv > 0
    assert ev.listing_code == "AIX_FIRST"
    assert ev.decision.startswith("WAIT: list on AIX first")
    data["listing"]["resource_category"] = "Indicated"
    data["listing"]["dfs_complete"] = False
    assert evaluate(load_case(data)).decision == (
        "WAIT: list on AIX first; revisit HKEX after the DFS")
    data["listing"]["dfs_complete"] = True
    assert evaluate(load_case(data)).decision == "PROCEED"


def test_the_dfs_deferral_is_labelled_advice_and_eligibility_names_what_was_not_checked() -> None:
    after_dfs = listing.listing_path("JORC", "Indicated", False)
    assert after_dfs.rule == "framework advice"
    assert "not a Chapter 18 rule" in after_dfs.reason
    eligible = listing.listing_path("JORC", "Measured", True)
    for rule in ("18.03(1)", "18.03(4)", "18.03(5)", "Chapter 8"):
        assert rule in eligible.reason


def test_summary_says_when_the_project_npv_is_negative_under_both_listings(tmp_path) -> None:
    data = example_dict()
    data.pop("parity", None)
    data.pop("simulation", None)
    data["cash_flows"]["values"] = [-600.0, 10.0, 10.0, 10.0]
    res = build_report(data, tmp_path / "neg.xlsx")
    assert res.evaluation.pv_single < 0 and res.evaluation.pv_dual < 0
    shown = load_workbook(res.path, data_only=True)["Summary"]
    texts = [c.value for row in shown.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("negative under both listings" in t for t in texts)


# --- 4. every function returns a finite number or a named error ---------------------------------


def test_degenerate_rates_give_named_errors_not_raw_exceptions_or_inf() -> None:
    with pytest.raises(xc.CorridorInputError) as err:
        xc.breakeven_ke([-100.0, 60.0, 70.0], -0.995, 1.0)
    assert err.value.argument == "ke_single"
    with pytest.raises(xc.CorridorInputError) as err:
        xc.compliance_cost([1.0, 2.0], 200, -0.995)
    assert err.value.argument == "discount_rate"


# --- 5. an error never reads as an answer -------------------------------------------------


def test_refusal_text_from_the_classic_add_in_never_reads_as_proceed() -> None:
    # The classic add-in returns its refusal as text; text compares greater than any number in
    # Excel, so IF(C12>0,"PROCEED",...) said PROCEED. Evaluated by `formulas` (Excel semantics).
    refusal = fx.excel_text("#VALUE! rf: expected a decimal rate such as 0.045, got 4.5")
    assert _excel(f"IF({refusal}>0,1,0)") == 1  # the trap itself
    text = _excel(fx.decision(refusal, '"DUAL_ELIGIBLE"'))
    assert text.startswith("NO ANSWER")
    assert _excel(fx.udf_check(refusal, "1")) == "refused: see the UDF cell"
    assert _excel(fx.decision("12.5", '"DUAL_ELIGIBLE"')) == "PROCEED"
    assert _excel(fx.decision("12.5", fx.path_code_of(fx.excel_text(
        str(listing.listing_path("JORC", "Inferred", False)))))).startswith("WAIT: ")
    assert _excel(fx.decision("-1", '"DUAL_ELIGIBLE"')) == "DO NOT PROCEED"


def test_grid_check_compares_summed_absolute_differences_at_the_relative_tolerance() -> None:
    # Definition (docs/design.md, template checks): sum|udf - native| <= tol * max(1, sum|native|)
    # with tol = 1e-9; the grids are Excel array constants, evaluated by `formulas`.
    native = "{1000,-2000;3000,4000}"  # sum |native| = 10,000: the check allows 1e-5
    assert bool(_excel(fx.grid_check("{1000,-2000;3000,4000.000009}", native))) is True
    assert bool(_excel(fx.grid_check("{1000,-2000;3000,4000.00002}", native))) is False
    # The break-even Ke check: the UDF's number is tested by the given test, errors by name.
    assert bool(_excel(fx.udf_check("0.12", "0", test="ABS(0)<=tol"))) is True
    assert _excel(fx.udf_check("1/0", "0", no_root="no break-even Ke",
                               test="FALSE")) == "no break-even Ke"


# --- 6. to 8. live formulas, edits in a spreadsheet, an added year, validation -----------------


@pytest.fixture(scope="module")
def edited(tmp_path_factory, soffice):
    """The example report edited as a banker would in LibreOffice: compliance cost, DFS flag,
    a premium and a cash-flow year added in the table's spare rows; then recalculated."""
    d = tmp_path_factory.mktemp("live")
    src = build_report(EXAMPLE, d / "report.xlsx").path
    wb = load_workbook(src)
    for cell in named_cells(wb, "comp_amounts"):
        if cell.value is not None:
            cell.value = 0.0
    named_cells(wb, "comp_one_off")[0].value = 0.0
    named_cells(wb, "dfs_complete")[0].value = False
    named_cells(wb, "lp_dual")[0].value = 0.015
    flows = named_cells(wb, "cash_flows")
    n = sum(c.value is not None for c in flows)
    flows[n].value = 150.0
    path = d / "edited.xlsx"
    wb.save(path)
    out = recalculate([path], d / "out")[0]
    return path, load_workbook(out, data_only=True)


def test_an_edited_report_recalculates_to_the_engine_answer_for_the_edited_inputs(edited) -> None:
    path, recalculated = edited
    ev = evaluate(load_case(path))  # the engine on the edited inputs, read back from the file
    assert len(load_case(path).cash_flows.values) == 13  # the added year counts

    def shown(name: str) -> object:
        return named_cells(recalculated, name)[0].value

    assert shown("delta_npv") == pytest.approx(ev.delta_npv, rel=1e-9)
    assert shown("breakeven_ke") == pytest.approx(ev.breakeven_ke, rel=1e-9)
    assert shown("listing_code") == "HKEX_AFTER_DFS" == ev.listing_code
    assert shown("listing_path") == ev.listing_path
    assert shown("decision") == ev.decision
    # the snapshots say so; nothing reads as a failed check
    assert shown("inputs_edited") is True
    assert shown("checks_ok") is True
    assert str(shown("checks_status")).startswith("STALE")
    assert str(recalculated["MonteCarlo"]["A3"].value).startswith("STALE")


def test_validate_passes_an_edited_report_and_lists_its_stale_snapshot(edited) -> None:
    path, _ = edited
    result = validate_workbook(path)
    assert result.exit_code == 0, [str(f) for f in result.failures][:5]
    assert any(n.startswith("stale:") for n in result.notes)


def test_a_value_below_the_cash_flow_table_is_refused_not_ignored(tmp_path) -> None:
    src = build_report(EXAMPLE, tmp_path / "report.xlsx").path
    wb = load_workbook(src)
    below = named_cells(wb, "cash_flows")[-1].offset(row=1)
    below.value = 99.0
    wb.save(tmp_path / "below.xlsx")
    with pytest.raises(CaseError, match="below the cash-flow table"):
        load_case(tmp_path / "below.xlsx")


# --- 9. the template's layout, and what it says without the add-in -----------------------------


def test_template_headers_sit_over_their_columns_and_say_when_the_add_in_is_missing(
        tmp_path, soffice) -> None:
    path = build_template(tmp_path / "t.xlsx")
    ws = load_workbook(path)["Model"]
    assert ws["C5"].value == "UDF (add-in)" and ws["D5"].value == "Native Excel"
    assert ws["C6"].value.startswith("=CORRIDOR_KE(")
    assert ws["D6"].value.startswith("=rf+")
    # LibreOffice has no xl-corridor add-in: every UDF cell is #NAME?
    out = recalculate([path], tmp_path / "out")[0]
    model = load_workbook(out, data_only=True)["Model"]
    r = MODEL_ROWS
    assert model[f"E{r['ke_single']}"].value == fx.ADDIN_NOT_LOADED
    assert model[f"E{r['breakeven_ke']}"].value == fx.ADDIN_NOT_LOADED  # not "no break-even"
    assert str(model[f"C{r['decision']}"].value).startswith("NO ANSWER")
    # the native side still answers, as the engine does
    assert model[f"D{r['decision']}"].value == evaluate(load_case(EXAMPLE)).decision
    shutil.rmtree(tmp_path / "out", ignore_errors=True)


def test_tied_tornado_swings_rank_the_same_in_libreoffice(tmp_path, soffice) -> None:
    """Beta and MRP move by the same share, so their swings are equal in exact arithmetic; with
    beta 1.1 plain RANK ordered them one way in LibreOffice and the other in Python (Tornado!J7,
    J8, L12, L13 failed). Ties within the tolerance now keep their row order in both."""
    data = example_dict()
    data["market"]["beta"] = 1.1
    path = tmp_path / "beta.xlsx"
    build_report(load_case(data), path)
    result = validate_workbook(path, recalc=True)
    assert result.ok, [str(f) for f in result.failures]
    assert "LibreOffice" in result.method
