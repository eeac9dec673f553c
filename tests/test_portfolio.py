"""The batch comparison workbook (issue 15): built from real case evaluations, recalculated by
LibreOffice, every formula cell equal to the engine's value; the critical mass checked by
recomputing Delta NPV with the case's cash flows scaled to it."""

from __future__ import annotations

import copy
import tomllib

import numpy_financial as npf
import pytest
from helpers import EXAMPLE
from openpyxl import load_workbook

import xl_corridor as xc
from xl_corridor.case import evaluate, load_case
from xl_corridor.errors import CorridorInputError
from xl_corridor.validate.libreoffice import recalculate
from xl_corridor.workbook.portfolio import (
    PORTFOLIO_KIND,
    build_portfolio,
    plan_portfolio,
    portfolio_table,
    result_from_evaluation,
)

# Jiaxin, HKEX 3858 allotment results (Aug 2025, docs/facts.md).
JX_SHARES_POST = 439_228_800
JX_OFFER_PRICE = 10.92


def _variants():
    base = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    small = copy.deepcopy(base)
    small["deal"]["name"] = "Junior, a tenth of the cash flows"
    small["cash_flows"]["values"] = [v / 10 for v in base["cash_flows"]["values"]]
    costly = copy.deepcopy(base)
    costly["deal"]["name"] = "No premium cut"
    costly["premia"]["crp_dual"] = base["premia"]["crp_single"]
    costly["premia"]["lp_dual"] = base["premia"]["lp_single"]
    return [base, small, costly]


@pytest.fixture(scope="module")
def results():
    out = []
    for i, data in enumerate(_variants()):
        case = load_case(data)
        ev = evaluate(case)
        # Jiaxin's public share count (in millions: the amounts are HKD m) for the first case.
        extra = (
            dict(shares_outstanding=JX_SHARES_POST / 1e6, share_price=JX_OFFER_PRICE)
            if i == 0
            else {}
        )
        out.append(
            result_from_evaluation(case.deal.name, ev, units=case.deal.units, **extra)
            | ({"p_positive": 0.8} if i == 0 else {})
        )
    return out


def test_critical_mass_scales_the_case_to_zero_delta_npv(results):
    case = load_case(_variants()[0])
    ev = evaluate(case)
    cf = case.cash_flows.values
    pv_star = xc.critical_mass_from_pv(ev.pv_single, ev.pv_dual, ev.compliance_cost)
    # independent path: the engine's profile function, and numpy-financial for the scale
    cut = ev.ke_single - ev.ke_dual
    assert pv_star == pytest.approx(
        xc.critical_mass_for_flows(cf, cut, ev.compliance_cost, ev.ke_single), rel=1e-12
    )
    scale = pv_star / npf.npv(ev.ke_single, [0, *cf])
    scaled = [scale * x for x in cf]
    assert xc.dual_npv(scaled, ev.ke_dual, ev.ke_single, ev.compliance_cost) == pytest.approx(
        0.0, abs=1e-9
    )


def test_plan_values_and_per_share_from_public_share_count(results):
    plan = plan_portfolio(results)
    cached = plan.cached["Portfolio"]
    first = results[0]
    delta = first["pv_dual"] - first["pv_single"] - first["compliance_cost"]
    assert cached["I5"] == pytest.approx(first["delta_npv"], rel=1e-12)
    # HKD m over millions of shares = HK$ per share
    assert cached["N5"] == pytest.approx(delta / 439.2288)
    assert cached["P5"] == pytest.approx(delta / (439.2288 * 10.92))
    assert cached["R7"] == "no size pays"  # the case with no cut in Ke
    assert plan.wb["Portfolio"]["K7"].value is not None


def test_portfolio_recalculates_in_libreoffice_to_the_engine_values(results, tmp_path, soffice):
    path = build_portfolio(results, tmp_path / "portfolio.xlsx")
    wb = load_workbook(path)
    assert wb.properties.category == PORTFOLIO_KIND
    plan = plan_portfolio(results)
    (out,) = recalculate([path], tmp_path / "recalc")
    got = load_workbook(out, data_only=True)
    checked = 0
    for sheet, cells in plan.cached.items():
        for ref, expected in cells.items():
            value = got[sheet][ref].value
            if isinstance(expected, str):
                assert value == expected, (sheet, ref)
            elif isinstance(expected, bool):
                assert value is expected or value == expected, (sheet, ref, value)
            else:
                assert value == pytest.approx(expected, rel=1e-9, abs=1e-9), (sheet, ref)
            checked += 1
    assert checked > 30
    assert got["Checks"][_checks_ok_ref(wb)].value is True


def _checks_ok_ref(wb):
    dest = wb.defined_names["checks_ok"].attr_text
    return dest.split("!")[1].replace("$", "")


def test_table_lists_every_case(results):
    text = portfolio_table(results)
    lines = text.splitlines()
    assert len(lines) == 1 + len(results)
    assert lines[0].split()[:3] == ["case", "decision", "delta_npv"]
    assert "no size pays" in lines[3]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r.pop("pv_dual"), r"^results\[2\]\.pv_dual: expected a number, got None"),
        (lambda r: r.update(delta_npv=1.0), r"^results\[2\]\.delta_npv: expected pv_dual - "),
        (lambda r: r.update(pv_single=-1.0), r"^results\[2\]\.pv_single: expected a present"),
        (lambda r: r.update(shares_outstanding=0.0), r"^results\[2\]\.shares_outstanding: "),
        (lambda r: r.update(colour="red"), r"^results\[2\]: unknown field 'colour'"),
        (lambda r: r.update(name=""), r"^results\[2\]\.name: expected text"),
    ],
)
def test_bad_results_are_named(results, mutate, message):
    bad = [dict(r) for r in results]
    mutate(bad[1])
    with pytest.raises(CorridorInputError, match=message):
        plan_portfolio(bad)


def test_empty_or_not_a_list_is_refused():
    with pytest.raises(CorridorInputError, match=r"^results: expected a non-empty list"):
        plan_portfolio([])
    with pytest.raises(CorridorInputError, match=r"^results: expected a non-empty list"):
        portfolio_table({"name": "x"})


# --- the batch writes it, and it validates like a report -----------------------------------


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory):
    from xl_corridor.cli import main

    folder = tmp_path_factory.mktemp("batch")
    text = EXAMPLE.read_text(encoding="utf-8")
    # the second case: no [valuation] section (per share left blank), another name
    start, end = text.index("\n[valuation]"), text.index("\n[sources]")
    other = text[:start] + text[end:]
    other = other.replace('name = "Jiaxin', 'name = "Without shares, Jiaxin', 1)
    cases = [folder / "case0.toml", folder / "case1.toml"]
    cases[0].write_text(text, encoding="utf-8")
    cases[1].write_text(other, encoding="utf-8")
    (folder / "parity_sample.csv").write_bytes((EXAMPLE.parent / "parity_sample.csv").read_bytes())
    assert main(["batch", *map(str, cases), "--out-dir", str(folder / "out")]) == 0
    return folder / "out"


def test_batch_writes_the_comparison_with_public_share_count(batch_dir, capsys):
    wb = load_workbook(batch_dir / "portfolio.xlsx")
    assert wb.properties.category == PORTFOLIO_KIND
    ws = wb["Portfolio"]
    assert ws["M5"].value == JX_SHARES_POST and ws["O5"].value == JX_OFFER_PRICE
    assert ws["M6"].value is None  # the second case has no [valuation]
    case = load_case(_variants()[0])
    ev = evaluate(case)
    # per share in HK$: Delta NPV (HKD m) x 1e6 / 439,228,800 shares
    assert ws["N5"].value == "=I5*T5/M5" and ws["T5"].value == 1_000_000
    plan = plan_portfolio(
        [result_from_evaluation("x", ev, shares_outstanding=JX_SHARES_POST,
                                share_price=JX_OFFER_PRICE, currency_per_unit=1e6)])
    assert plan.cached["Portfolio"]["N5"] == pytest.approx(ev.delta_npv * 1e6 / JX_SHARES_POST)


def test_batch_comparison_validates_and_a_tampered_one_fails(batch_dir, tmp_path, soffice):
    from xl_corridor.cli import main

    good = batch_dir / "portfolio.xlsx"
    assert main(["validate", str(good)]) == 0
    wb = load_workbook(good)
    wb["Portfolio"]["I5"] = "=E5-D5"  # Delta NPV without the compliance cost
    wb.save(tmp_path / "formula.xlsx")
    wb = load_workbook(good)
    wb["Portfolio"]["D6"] = wb["Portfolio"]["D6"].value * 2  # a PV changed by hand
    wb.save(tmp_path / "value.xlsx")
    assert main(["validate", str(tmp_path / "formula.xlsx")]) == 1
    assert main(["validate", str(tmp_path / "value.xlsx")]) == 1
