"""Named scenarios (issue 15): the [scenarios] table, Case.scenario, the report's Scenarios
sheet, the switch read back from a workbook, and ``--scenario`` on the command line.

Expected values are independent of the scenario mechanism: a scenario is compared with a case
file written by hand with the scenario's values typed in (halved cash flows, doubled line
items, the other premium), and Ke dual with the textbook build-up Rf + beta x MRP + lambda x CRP
+ LP computed here from the case file's own numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import EXAMPLE
from openpyxl import load_workbook

from xl_corridor.case import CaseError, evaluate, load_case
from xl_corridor.cli import main
from xl_corridor.workbook.inputs import input_cells, inputs_fingerprint, named_cells
from xl_corridor.workbook.report import build_report, plan_report

ROOT = Path(__file__).resolve().parents[1]
PACKAGED = ROOT / "xl_corridor" / "data" / "example_case.toml"


def base_text() -> str:
    """The example case without its [scenarios] table."""
    text = EXAMPLE.read_text("utf-8")
    return text[: text.index("\n[scenarios]")] + "\n"


def with_scenarios(table: str) -> str:
    return base_text() + "\n[scenarios]\n" + table


def problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(CaseError) as info:
        load_case(text)
    return list(info.value.problems)


def test_the_two_example_files_are_identical() -> None:
    assert EXAMPLE.read_bytes() == PACKAGED.read_bytes()


# --- the case-file table ------------------------------------------------------------------------

@pytest.mark.parametrize(("table", "field", "says"), [
    ('[scenarios.low]\npremia.lp_dal = 0.018\n', "scenarios.low.premia.lp_dal",
     "did you mean premia.lp_dual?"),
    ('[scenarios.low]\nlp_dual = 0.018\n', "scenarios.low.lp_dual",
     "did you mean premia.lp_dual"),
    ('[scenarios.low]\n"deal.name" = "x"\n', "scenarios.low.deal.name",
     "cannot vary by scenario"),
    ('[scenarios.low]\npremia.lp_dual = 1.8\n', "scenarios.low.premia.lp_dual",
     "rates are decimals, not per cent"),
    ('[scenarios.low]\ncash_flow_scale = 0\n', "scenarios.low.cash_flow_scale",
     "expected a multiplier above 0"),
    ('[scenarios.low]\ncompliance_scale = -1.0\n', "scenarios.low.compliance_scale",
     "expected a multiplier above 0"),
    ('[scenarios.low]\nlisting.dfs_complete = 1\n', "scenarios.low.listing.dfs_complete",
     "expected true or false"),
    ('[scenarios.low]\nmarket.rf = "0.04"\n', "scenarios.low.market.rf", "expected a number"),
    ('[scenarios.low]\ncompliance.years = 5.5\n', "scenarios.low.compliance.years",
     "expected a whole number"),
    ('active = "mid"\n[scenarios.low]\npremia.lp_dual = 0.018\n', "scenarios.active",
     "expected one of base, low"),
    ('[scenarios.base]\nmarket.rf = 0.03\n', "scenarios.base", "base is the case itself"),
    ('[scenarios.1st]\nmarket.rf = 0.03\n', "scenarios.1st", "expected a scenario name"),
    ('[scenarios.low]\ndescription = 3\n', "scenarios.low.description", "expected text"),
])
def test_a_bad_scenario_is_refused_naming_its_field(table: str, field: str, says: str) -> None:
    found = problems(with_scenarios(table))
    assert found[0][0] == field, found
    assert says in found[0][1]


def test_an_override_of_a_table_the_case_does_not_have_is_refused() -> None:
    text = base_text()
    text = text[: text.index("\n[valuation]")] + text[text.index("\n[sources]"):]
    found = problems(text + '\n[scenarios]\n[scenarios.low]\nvaluation.share_price = 9.0\n')
    assert found == [("scenarios.low.valuation.share_price",
                      "the case has no [valuation] table to override")]


def test_at_most_eight_scenarios() -> None:
    table = "".join(f"[scenarios.s{i}]\nmarket.rf = 0.04\n" for i in range(9))
    assert ("scenarios", "expected at most 8 named scenarios besides base, got 9") in problems(
        with_scenarios(table))


def test_every_problem_is_listed_with_the_other_tables_problems() -> None:
    text = with_scenarios('active = "x"\n[scenarios.low]\npremia.lp_dual = 1.8\n'
                          'cash_flow_scale = 0\n').replace("beta = 1.20", 'beta = "1.2"')
    fields = [f for f, _ in problems(text)]
    assert fields == ["market.beta", "scenarios.low.premia.lp_dual",
                      "scenarios.low.cash_flow_scale", "scenarios.active"]


def test_an_override_the_engine_refuses_names_the_scenario() -> None:
    # Ke dual = rf + beta x mrp + crp + lp below -99%: the engine refuses it, for this scenario
    found = problems(with_scenarios('[scenarios.crash]\nmarket.rf = -1.0\n'))
    assert found[0][0] == "scenarios.crash"
    assert "as resolved, " in found[0][1]


def test_both_toml_spellings_of_an_override_mean_the_same() -> None:
    dotted = load_case(with_scenarios('[scenarios.low]\npremia.lp_dual = 0.018\n'))
    quoted = load_case(with_scenarios('[scenarios.low]\n"premia.lp_dual" = 0.018\n'))
    assert dotted.scenarios == quoted.scenarios
    assert dotted.scenarios is not None and dotted.scenarios.active == "base"


def test_a_scenario_resolves_to_the_case_file_written_by_hand() -> None:
    case = load_case(with_scenarios(
        'active = "stress"\n[scenarios.stress]\ndescription = "hand check"\n'
        'premia.lp_dual = 0.018\nmarket.beta = 1.1\ncash_flow_scale = 0.5\n'
        'compliance_scale = 2.0\nlisting.dfs_complete = false\n'))
    # by hand: the same file with those values typed in (cash flows halved, items doubled)
    hand = base_text()
    for old, new in [
        ("lp_dual = 0.0155", "lp_dual = 0.018"), ("beta = 1.20", "beta = 1.1"),
        ("values = [-600.0, 120.0, 280.0, 350.0, 350.0, 350.0, 350.0, 350.0, 350.0, 350.0, "
         "300.0, 250.0]", "values = [-300.0, 60.0, 140.0, 175.0, 175.0, 175.0, 175.0, 175.0, "
         "175.0, 175.0, 150.0, 125.0]"),
        ("dfs_complete = true", "dfs_complete = false")]:
        assert old in hand, old
        hand = hand.replace(old, new, 1)
    doubled = {"4.5": "9.0", "60.0": "120.0", "2.5": "5.0", "0.25": "0.5", "1.5": "3.0",
               "0.5": "1.0", "0.1": "0.2", "1.0": "2.0"}  # the eight line items, typed
    hand, n = re.subn(r"^amount = (\S+)$", lambda m: f"amount = {doubled[m.group(1)]}", hand,
                      flags=re.M)
    assert n == 8
    by_hand = load_case(hand)
    resolved = case.scenario()  # the active one
    assert resolved.model_dump() == by_hand.model_dump()
    assert resolved.scenarios is None
    ev, hv = evaluate(resolved), evaluate(by_hand)
    assert (ev.delta_npv, ev.breakeven_ke, ev.decision) == (hv.delta_npv, hv.breakeven_ke,
                                                             hv.decision)
    # Ke dual by the textbook build-up from the file's numbers
    assert ev.ke_dual == pytest.approx(0.0425 + 1.1 * 0.0421 + 0.023646 + 0.018, abs=1e-15)
    assert case.scenario("base").model_dump() == load_case(base_text()).model_dump()


def test_an_unknown_scenario_name_is_a_case_error() -> None:
    case = load_case(EXAMPLE)
    with pytest.raises(CaseError, match="expected one of base, low, high"):
        case.scenario("mid")


def test_the_example_scenarios_span_hail_and_leuz() -> None:
    case = load_case(EXAMPLE)
    assert case.scenarios is not None and case.scenarios.names == ["base", "low", "high"]
    lp_single = 0.025  # the case file's premia.lp_single
    cuts = {n: round(lp_single - case.scenario(n).premia.lp_dual, 6) for n in ("low", "high")}
    assert cuts == {"low": 0.007, "high": 0.012}  # Hail & Leuz (2009): 70-120 bp


# --- the report ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_report(EXAMPLE, tmp_path_factory.mktemp("scen") / "r.xlsx").path


def test_the_report_has_the_switch_the_names_and_the_tables(report: Path) -> None:
    wb = load_workbook(report)
    assert "Scenarios" in wb.sheetnames and wb.sheetnames[-1] == "Scenarios"
    switch = named_cells(wb, "scenario")[0]
    assert (switch.parent.title, switch.coordinate, switch.value) == ("Scenarios", "B4", "base")
    ws = wb["Scenarios"]
    assert [c.value for c in named_cells(wb, "scen_names")] == ["base", "low", "high"]
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and "B4" in str(dv.sqref)
    assert dv.formula1 == "$C$6:$E$6"
    # the input's name stays on its Inputs cell; the model reads its value in use
    base = named_cells(wb, "lp_dual")[0]
    assert (base.parent.title, base.value) == ("Inputs", 0.0155)
    in_use = named_cells(wb, "lp_dual_in_use")[0]
    assert in_use.parent.title == "Scenarios"
    assert "MATCH(scenario," in in_use.value
    assert wb["Ke"]["C7"].value == "=lp_dual_in_use"
    assert not any("lp_dual" in str(c.value).replace("lp_dual_in_use", "")
                   for name in ("Ke", "CashFlows", "Compliance", "Sensitivity", "Tornado",
                                "Summary", "Valuation") for row in wb[name].iter_rows()
                   for c in row if str(c.value).startswith("="))
    # the compliance rate defaults to Ke dual, and follows the scenario's
    assert named_cells(wb, "comp_rate_in_use")[0].parent.title == "Scenarios"
    assert named_cells(wb, "comp_rate")[0].parent.title == "Inputs"
    # the comparison: one row per scenario, then the live row
    labels = [ws.cell(row=r, column=1).value for r in range(1, ws.max_row + 1)]
    first = labels.index("base") + 1  # its row
    assert labels[first - 1:first + 3] == ["base", "low", "high", '="In use (live): "&scenario']
    data = load_workbook(report, data_only=True)["Scenarios"]
    low = [data.cell(row=first + 1, column=c).value for c in range(2, 8)]
    by_hand = evaluate(load_case(base_text().replace("lp_dual = 0.0155", "lp_dual = 0.018")))
    assert low[0] == by_hand.decision == "DO NOT PROCEED"
    assert low[1] == pytest.approx(by_hand.delta_npv, rel=1e-12)
    assert low[5] == pytest.approx(by_hand.breakeven_ke, rel=1e-12)
    assert low[3] == pytest.approx(0.0425 + 1.2 * 0.0421 + 0.023646 + 0.018, abs=1e-15)
    assert data.cell(row=first + 3, column=8).value == "equals its snapshot row"


def test_the_summary_names_the_scenario_in_use(report: Path) -> None:
    ws = load_workbook(report, data_only=True)["Summary"]
    assert str(ws["A5"].value).startswith("Scenario in use: base")


def test_an_edited_report_reads_back_with_its_scenarios_and_switch(report: Path,
                                                                   tmp_path: Path) -> None:
    case = load_case(EXAMPLE)
    assert load_case(report).scenarios == case.scenarios
    wb = load_workbook(report)
    named_cells(wb, "scenario")[0].value = "high"
    ws = wb["Scenarios"]
    ws["D8"] = None  # low's premium: blank is "as in base"
    ws["E7"] = "edited"
    path = tmp_path / "edited.xlsx"
    wb.save(path)
    sc = load_case(path).scenarios
    assert sc is not None and sc.active == "high"
    assert sc.named["low"].overrides == {} and sc.named["high"].description == "edited"
    assert load_case(path).premia.lp_dual == 0.0155  # the base value, from the Inputs sheet
    # a script that sets an input by its name still sets the input
    wb = load_workbook(path)
    named_cells(wb, "lp_dual")[0].value = 0.016
    wb.save(path)
    assert load_case(path).premia.lp_dual == 0.016


def test_the_scenario_cells_are_inputs_in_the_fingerprint(report: Path) -> None:
    wb = load_workbook(report)
    cells = input_cells(wb)
    assert {"Scenarios!B4", "Scenarios!D8", "Scenarios!E8", "Scenarios!D7"} <= cells
    assert "Scenarios!F8" not in cells  # the in-use formula is not an input
    before = inputs_fingerprint(wb)
    wb["Scenarios"]["E8"] = 0.012  # an inactive scenario's cell
    assert inputs_fingerprint(wb) != before


def test_a_case_without_scenarios_gets_no_scenario_machinery() -> None:
    plan = plan_report(load_case(base_text()))
    wb = plan.wb
    assert "Scenarios" not in wb.sheetnames
    assert not {"scenario", "scenarios_edited", "lp_dual_in_use"} & set(wb.defined_names)
    assert named_cells(wb, "lp_dual")[0].parent.title == "Inputs"
    assert re.fullmatch(r"=Inputs!B\d+", wb["CashFlows"]["C6"].value)
    assert re.fullmatch(r"=Inputs!B\d+", wb["Compliance"]["C4"].value)


def test_scales_multiply_the_live_links() -> None:
    case = load_case(with_scenarios('[scenarios.s]\ncash_flow_scale = 0.5\n'
                                    'compliance_scale = 2.0\n'))
    wb = plan_report(case).wb
    assert wb["CashFlows"]["C6"].value.endswith("*cash_flow_scale")
    assert wb["Compliance"]["C4"].value.endswith("*compliance_scale")
    assert named_cells(wb, "cash_flow_scale")[0].parent.title == "Scenarios"


# --- the command line ---------------------------------------------------------------------------

def test_report_scenario_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "low.xlsx"
    assert main(["report", str(EXAMPLE), "--out", str(out), "--scenario", "low"]) == 0
    lines = capsys.readouterr().out.splitlines()
    by_hand = evaluate(load_case(base_text().replace("lp_dual = 0.0155", "lp_dual = 0.018")))
    assert lines[1] == f"DO NOT PROCEED: Delta NPV {by_hand.delta_npv:,.1f} HKD m"
    assert "  scenario low (in use): DO NOT PROCEED" in lines[3]
    assert load_workbook(out)["Scenarios"]["B4"].value == "low"
    assert main(["report", str(EXAMPLE), "--out", str(tmp_path / "x.xlsx"),
                 "--scenario", "mid"]) == 2
    assert capsys.readouterr().err.strip().endswith(
        "--scenario: unknown scenario 'mid'; expected one of base, low, high")


def test_demo_prints_the_base_decision_first(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path / "d.xlsx")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "PROCEED: Delta NPV 14.7 HKD m"
    assert [line.split(":")[0] for line in lines[2:]] == [
        "  scenario base (in use)", "  scenario low", "  scenario high"]


def test_batch_compares_the_scenario_in_use(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "low.toml"
    case.write_text(EXAMPLE.read_text("utf-8").replace('active = "base"', 'active = "low"'),
                    "utf-8")
    assert main(["batch", str(case), "--out-dir", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "(scenario low)" in out and "DO NOT PROCEED" in out
    wb = load_workbook(tmp_path / "out" / "low.xlsx")
    assert wb["Scenarios"]["B4"].value == "low"


def test_a_description_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    evil = '=HYPERLINK("http://example.invalid","x")'
    case = load_case(with_scenarios(f"[scenarios.low]\ndescription = '{evil}'\n"
                                    "premia.lp_dual = 0.018\n"))
    wb = load_workbook(build_report(case, tmp_path / "r.xlsx").path)
    cell = wb["Scenarios"]["D7"]
    assert (cell.value, cell.data_type) == (evil, "s")
