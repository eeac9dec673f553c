"""Analytics sheets of a report: premia grid, tornado, Monte Carlo, parity, Dim Sum funding.

Expected values come from sources independent of the report builder: LibreOffice's recalculation
of the native formulas (through the validator), direct engine calls with the case's settings,
the sample CSV read by ``load_parity_csv``, and the CIP formula written out by hand.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import EXAMPLE
from openpyxl import load_workbook

from xl_corridor.case import CaseError, analyze, evaluate, load_case
from xl_corridor.cli import main
from xl_corridor.engine.montecarlo import simulate_delta_npv
from xl_corridor.engine.parity import analyze_parity, arbitrage_band, load_parity_csv
from xl_corridor.validate.validator import validate_workbooks
from xl_corridor.workbook.report import build_report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "workbooks" / "examples" / "parity_sample.csv"


def example_dict() -> dict:
    return tomllib.loads(EXAMPLE.read_text("utf-8"))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):
    return build_report(EXAMPLE, tmp_path_factory.mktemp("a") / "report.xlsx")


def _named(wb, name: str):
    (sheet, ref), = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "")]


# --- LibreOffice recalculation against the engine ----------------------------------------------


def test_libreoffice_recalculation_matches_engine_and_tampering_is_caught(
        report, tmp_path: Path, soffice: str) -> None:
    # a case without the optional sections, and a tampered premia-grid input
    plain = example_dict()
    for key in ("simulation", "funding", "parity"):
        del plain[key]
    bare = build_report(plain, tmp_path / "plain.xlsx").path
    tampered = tmp_path / "tampered.xlsx"
    wb = load_workbook(report.path)
    _named(wb, "sens_lr_hi").value = 0.015  # the Checks sheet still holds the engine's grid corner
    wb.save(tampered)
    formula = tmp_path / "formula.xlsx"
    wb = load_workbook(report.path)
    wb["Tornado"]["E6"].value = "=1"
    wb.save(formula)
    ok, plain_res, bad_input, bad_formula = validate_workbooks(
        [report.path, bare, tampered, formula], recalc=True)
    assert ok.ok, [str(f) for f in ok.failures][:5]
    assert plain_res.ok, [str(f) for f in plain_res.failures][:5]
    # every new sheet's formula cells were compared (not only present)
    assert ok.checked > plain_res.checked + 300
    # an edited input is valid (docs/design.md, amendments): the engine column is stale, said so
    assert bad_input.ok, [str(f) for f in bad_input.failures][:5]
    assert any(n.startswith("stale:") for n in bad_input.notes)
    assert not bad_formula.ok
    assert any(f.cell == "Tornado!E6" for f in bad_formula.failures)


# --- premia grid and tornado -------------------------------------------------------------------


def test_premia_grid_is_native_and_two_dimensional(report) -> None:
    # rows: liquidity-premium reduction dLP (country reduction held at the case's), columns:
    # cash-flow scale 0.5x..1.5x; expected from the textbook PV sum, computed here.
    case = load_case(EXAMPLE)
    ev = evaluate(case)
    m, p, cf = case.market, case.premia, case.cash_flows
    lr = np.linspace(0.0, 2 * (p.lp_single - p.lp_dual), 7)  # default: centred on the case
    scale = np.linspace(0.5, 1.5, 7)
    shift = {"end": 0.0, "mid": 0.5, "begin": 1.0}[cf.timing]
    t = np.arange(1, len(cf.values) + 1) - shift
    values = np.asarray(cf.values)

    def pv(k: float) -> float:
        return float(np.sum(values / (1 + k) ** t))

    ks = m.rf + m.beta * m.mrp + m.country_exposure * ev.crp_single + p.lp_single
    dcrp = ev.crp_single - p.crp_dual
    expected = np.array([[s * (pv(ks - d - m.country_exposure * dcrp) - pv(ks))
                          - ev.compliance_cost for s in scale] for d in lr])
    wb = load_workbook(report.path)
    (sheet, ref), = wb.defined_names["premia_grid"].destinations
    cells = wb[sheet][ref.replace("$", "")]
    assert all("SUMPRODUCT(" in c.value for row in cells for c in row)
    cached = load_workbook(report.path, data_only=True)[sheet][ref.replace("$", "")]
    got = np.array([[c.value for c in row] for row in cached])
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    # the middle cell is the base case: the case's dLP and scale 1
    assert got[3, 3] == pytest.approx(ev.delta_npv, rel=1e-10)
    # two-dimensional in fact: no anti-diagonal repeats (each cell differs from its
    # up-right neighbour)
    assert np.all(np.abs(got[1:, :-1] - got[:-1, 1:]) > 1e-6)


def test_breakevens_and_tornado(report) -> None:
    wb = load_workbook(report.path)
    ws = wb["Sensitivity"]
    labels = {c.value: c.row for c in ws["A"] if isinstance(c.value, str)}
    row = labels["Break-even compliance cost"]
    assert ws[f"C{row}"].value == "=pv_dual-pv_single"
    t = wb["Tornado"]
    an = report.analytics
    assert len(an.tornado) == 10  # every input of the decision model
    swings = [r.swing for r in an.tornado]
    assert swings == sorted(swings, reverse=True)
    for i in range(10):
        assert t[f"E{6 + i}"].value.startswith("=")
        assert "SUMPRODUCT" in t[f"E{6 + i}"].value
    cached = pd.read_excel(report.path, sheet_name="Tornado", header=4)
    # rows keep the inputs' order (an edit never moves one); the ranked view (column O) leads
    # with the engine's largest swing
    assert cached["Swing"].iloc[:10].max() == pytest.approx(an.tornado[0].swing, rel=1e-12)
    assert t["O6"].value.startswith("=INDEX(")
    assert cached["Swing.1"].iloc[0] == pytest.approx(an.tornado[0].swing, rel=1e-12)
    # the compliance-cost bar is exactly -/+ 20% of the cost (Delta NPV is linear in it)
    cost_row = next(r for r in an.tornado if r.name == "compliance_cost")
    assert cost_row.swing == pytest.approx(0.4 * report.evaluation.compliance_cost, rel=1e-12)


# --- Monte Carlo ---------------------------------------------------------------------------------


def test_montecarlo_sheet_equals_engine_with_same_seed(report) -> None:
    case = load_case(EXAMPLE)
    ev = evaluate(case)
    sim = case.simulation
    direct = simulate_delta_npv(
        case.cash_flows.values, ev.ke_single, ev.compliance_cost,
        liquidity_reduction=(0.007, 0.0095, 0.012), country_reduction=0.0,
        country_exposure=1.0, price_model="gbm", drift=0.0, volatility=0.25,
        overrun_sigma=0.2, n_paths=20_000, seed=20250828, bins=20)
    assert sim is not None and sim.seed == 20250828 and sim.n_paths == 20_000
    wb = load_workbook(report.path, data_only=True)
    ws = wb["MonteCarlo"]
    p = _named(wb, "p_delta_npv_positive")
    assert p.coordinate == "B5" and p.parent.title == "MonteCarlo"
    # stamped values go through openpyxl's number writer: 15+ significant digits
    assert p.value == pytest.approx(direct.probability_positive, rel=1e-14)
    values = {ws[f"A{r}"].value: ws[f"B{r}"].value for r in range(5, 14)}
    assert values["Mean"] == pytest.approx(direct.mean, rel=1e-14)
    assert values["Standard deviation (ddof 1)"] == pytest.approx(direct.std, rel=1e-14)
    assert [values["P5"], values["P50 (median)"], values["P95"]] == pytest.approx(
        [direct.p5, direct.p50, direct.p95], rel=1e-14)
    assert values["Paths"] == 20_000 and values["Seed"] == 20250828
    # values, not formulas
    raw = load_workbook(report.path)["MonteCarlo"]
    # simulation output is values; the one formula says whether they are stale
    assert [c.coordinate for row in raw.iter_rows() for c in row if c.data_type == "f"] == ["A3"]
    assert "seed 20250828" in raw["A2"].value and "20,000 paths" in raw["A2"].value
    hist = pd.read_excel(report.path, sheet_name="MonteCarlo", header=None)
    counts = [int(v) for v in hist.iloc[:, 2].dropna().iloc[1:]]
    assert counts == direct.histogram_counts.tolist()
    assert sum(counts) == 20_000


# --- parity and funding --------------------------------------------------------------------------


def test_parity_sheet_equals_analyze_parity_on_the_csv(report) -> None:
    case = load_case(EXAMPLE)
    par = case.parity
    assert par is not None and "SYNTHETIC" in (par.source or "")
    band = arbitrage_band(par.cost_hk, par.cost_aix, par.conversion_fee, par.fx_spread,
                          case.market.rf, par.settlement_days, par.conversion_days)
    expected = analyze_parity(load_parity_csv(SAMPLE), band)
    wb = load_workbook(report.path, data_only=True)
    assert _named(wb, "arb_band").value == pytest.approx(band, rel=1e-15)
    assert _named(wb, "parity_outside_band").value == pytest.approx(
        expected.share_outside_band, rel=1e-15)
    assert _named(wb, "parity_phi").value == pytest.approx(expected.phi, rel=1e-12)
    assert _named(wb, "parity_hhi").value == pytest.approx(expected.herfindahl, rel=1e-12)
    formulas = load_workbook(report.path)
    assert _named(formulas, "arb_band").value.startswith("=MIN(")
    assert _named(formulas, "parity_phi").value.startswith("=SLOPE(")
    assert formulas.defined_names["par_dates"].attr_text.startswith("'Parity'!$A$")


def test_funding_sheet_is_the_cip_formula(report) -> None:
    # CIP by hand at the issuer's credit in both currencies (spread 3.5%):
    # (1 + 1.7% + 3.5%)(1 + 4.0%)/(1 + 1.7% - 0.2%) - 1, against a USD bond at 4.0% + 3.5%
    hedged = 1.052 * 1.04 / (1 + 0.017 - 0.002) - 1
    wb = load_workbook(report.path, data_only=True)
    assert _named(wb, "dimsum_cost").value == pytest.approx(hedged, rel=1e-12)
    assert _named(wb, "dimsum_saving").value == pytest.approx(0.075 - hedged, rel=1e-12)
    # issue 12: at the same credit the saving is -0.29%, about the basis (-0.20%)
    assert round(_named(wb, "dimsum_saving").value, 4) == -0.0029
    assert load_workbook(report.path)["Funding"]["B9"].value == "=(1+B4)*(1+B5)/(1+B6+B7)-1"


def test_pandas_sees_cached_values_on_new_sheets(report) -> None:
    for sheet in ("Sensitivity", "Tornado", "Parity", "Funding", "Checks"):
        frame = pd.read_excel(report.path, sheet_name=sheet, header=None)
        numbers = frame.apply(pd.to_numeric, errors="coerce")
        assert numbers.notna().sum().sum() > 5, sheet
    checks = pd.read_excel(report.path, sheet_name="Checks", header=4)
    names = set(checks["Quantity"].dropna())
    assert {"Premia grid, first cell", "Dim Sum hedged USD cost", "No-arbitrage band",
            "Break-even compliance cost"} <= names
    assert checks["OK"].dropna().astype(bool).all()


# --- optional sections ---------------------------------------------------------------------------


def test_case_without_optional_sections_builds_as_before(tmp_path: Path) -> None:
    data = example_dict()
    for key in ("simulation", "funding", "parity"):
        del data[key]
    res = build_report(data, tmp_path / "plain.xlsx")
    wb = load_workbook(res.path)
    assert "MonteCarlo" not in wb.sheetnames and "Parity" not in wb.sheetnames
    assert "Funding" not in wb.sheetnames
    assert "p_delta_npv_positive" not in wb.defined_names
    assert res.delta_npv == evaluate(load_case(EXAMPLE)).delta_npv
    an = analyze(load_case(data))
    assert an.simulation is None and an.parity is None and an.dimsum_cost is None


def test_parity_without_sample_gives_band_only(tmp_path: Path) -> None:
    data = example_dict()
    data["parity"] = {"cost_aix": 0.001}
    case = load_case(data)
    an = analyze(case)
    assert an.parity is None
    # costs default to venue_costs.toml and financing to market.rf
    assert case.parity is not None and case.parity.financing_rate == 0.0425
    assert an.band == pytest.approx(arbitrage_band(0.001105, 0.001, 0.0005, 0.0005, 0.0425, 2, 2))
    wb = load_workbook(build_report(case, tmp_path / "b.xlsx").path)
    assert "arb_band" in wb.defined_names and "par_dates" not in wb.defined_names


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["simulation"].update(n_paths=0), "simulation.n_paths"),
        (lambda d: d["simulation"].update(seed=-1), "simulation.seed"),
        (lambda d: d["simulation"].update(price_model="jump"), "simulation.price_model"),
        (lambda d: d["simulation"].update(volatility=-0.1), "simulation.volatility"),
        (lambda d: d["simulation"].update(liquidity_reduction=[0.02, 0.01, 0.03]),
         "simulation.liquidity_reduction"),
        (lambda d: d["simulation"].update(colour="red"), "simulation.colour"),
        (lambda d: d["simulation"].pop("country_reduction"), "simulation.country_reduction"),
        (lambda d: d["funding"].update(cnh_yield=2.95), "funding.cnh_yield"),
        (lambda d: d["funding"].update(usd_credit_spread=3.5), "funding.usd_credit_spread"),
        (lambda d: d["funding"].pop("cnh_credit_spread"), "funding"),
        (lambda d: d["funding"].update(basis="-0.002"), "funding.basis"),
        (lambda d: d["funding"].pop("usd_rate"), "funding.usd_rate"),
        (lambda d: d["parity"].update(csv="missing.csv"), "parity.csv"),
        (lambda d: d["parity"].update(cost_hk=1.5), "parity.cost_hk"),
        (lambda d: d["parity"].update(settlement_days=-1.0), "parity.settlement_days"),
        (lambda d: d["sensitivity"].update(liquidity_reduction=[0.0, 0.5]),
         "sensitivity.liquidity_reduction"),
        (lambda d: d["sensitivity"].update(tornado_shift=0.0), "sensitivity.tornado_shift"),
    ],
)
def test_bad_values_name_the_field(edit, field, tmp_path: Path, capsys) -> None:
    data = example_dict()
    edit(data)
    with pytest.raises(CaseError) as info:
        load_case(data)
    assert str(info.value).startswith(f"<dict>: {field}: "), str(info.value)


def test_cli_exit_2_with_field_path(tmp_path: Path, capsys) -> None:
    text = EXAMPLE.read_text("utf-8").replace("volatility = 0.25", "volatility = 25.0")
    bad = tmp_path / "bad.toml"
    bad.write_text(text, "utf-8")
    out = tmp_path / "out.xlsx"
    assert main(["report", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}: simulation.volatility: "), err
    assert not out.exists()


def test_bad_csv_row_names_the_file_row(tmp_path: Path) -> None:
    lines = SAMPLE.read_text("utf-8").splitlines()
    lines[7] = lines[7].replace("CNY,", "CNY,abc", 1).replace("abc1.", "abc", 1)
    (tmp_path / "s.csv").write_text("\n".join(lines) + "\n", "utf-8")
    data = example_dict()
    data["parity"]["csv"] = str(tmp_path / "s.csv")
    with pytest.raises(CaseError, match=r"^<dict>: parity.csv: fx_aix_to_hkd: .*row 8"):
        load_case(data)


def test_dated_case_with_simulation_notes_it_was_not_run(tmp_path: Path) -> None:
    import datetime as dt

    data = example_dict()
    data["cash_flows"]["dates"] = [dt.date(2026 + i, 6, 30) for i in range(12)]
    res = build_report(data, tmp_path / "dated.xlsx")
    ws = load_workbook(res.path)["MonteCarlo"]
    assert ws["A2"].value.startswith("Not run")
    assert not math.isnan(res.analytics.premia_grid[0][0])


def test_cash_flows_that_never_pay_back_still_give_a_valid_report(tmp_path, soffice):
    # All outflows: no ke_dual can recover the compliance cost, so there is no break-even Ke.
    # The report must say so in words (not an empty or NaN cell) and still validate.
    from xl_corridor.validate.validator import validate_workbook

    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["cash_flows"]["values"] = [-600.0, -50.0, -20.0, -10.0]
    data.pop("parity", None)
    out = build_report(data, tmp_path / "never.xlsx")
    assert out.evaluation.breakeven_ke is None
    shown = load_workbook(out.path, data_only=True)["Summary"]  # cached values, as a reader sees
    texts = [c.value for row in shown.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("none: no Ke dual") for t in texts)
    result = validate_workbook(out.path)
    assert result.ok, result.failures
