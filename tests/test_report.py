"""Report workbooks: native formulas, cached values, defined names, text safety, atomic write."""

from __future__ import annotations

import re
import tomllib
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from helpers import EXAMPLE
from openpyxl import load_workbook

from xl_corridor.case import evaluate, load_case
from xl_corridor.workbook.report import build_report

REQUIRED_NAMES = ["rf", "beta", "mrp", "crp_single", "crp_dual", "lp_single", "lp_dual",
                  "ke_single", "ke_dual", "cash_flows", "compliance_cost", "delta_npv",
                  "decision"]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):
    return build_report(EXAMPLE, tmp_path_factory.mktemp("r") / "report.xlsx")


def test_result(report) -> None:
    ev = evaluate(load_case(EXAMPLE))
    assert report.delta_npv == ev.delta_npv
    assert report.decision == ("PROCEED" if ev.delta_npv > 0 else "DO NOT PROCEED")
    assert report.units == "HKD m"


def test_defined_names_point_at_the_right_values(report) -> None:
    wb = load_workbook(report.path, data_only=True)
    ev = report.evaluation
    for name in REQUIRED_NAMES:
        assert name in wb.defined_names, name
    def value(name: str):
        (sheet, ref), = wb.defined_names[name].destinations
        return wb[sheet][ref.replace("$", "")].value
    assert value("rf") == 0.0425
    assert value("ke_single") == pytest.approx(ev.ke_single, rel=1e-15)
    assert value("delta_npv") == pytest.approx(ev.delta_npv, rel=1e-15)
    assert value("decision") == ev.decision


def test_every_key_quantity_is_a_native_formula(report) -> None:
    wb = load_workbook(report.path)
    assert wb["Ke"]["B8"].value == "=SUM(B4:B7)"
    assert wb["Summary"]["B8"].value == "=pv_dual-pv_single-compliance_cost"
    assert wb["Summary"]["B7"].value.startswith("=IF(NOT(ISNUMBER(delta_npv))")
    formulas = [c.value for ws in wb for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    # no add-in needed: no call of a CORRIDOR_ or DUAL_ function (path codes are mere text)
    assert not [f for f in formulas if re.search(r"\b(CORRIDOR|DUAL)_[A-Z_]+\(", f)]
    assert wb.calculation.fullCalcOnLoad


def test_pandas_sees_cached_engine_numbers(report) -> None:
    ev = report.evaluation
    summary = pd.read_excel(report.path, sheet_name="Summary", header=None)
    assert summary.iloc[6, 1] == ev.decision
    assert summary.iloc[7, 1] == pytest.approx(ev.delta_npv, rel=1e-15)
    cash = pd.read_excel(report.path, sheet_name="CashFlows", header=4)
    assert cash["PV single"].iloc[:12].sum() == pytest.approx(ev.pv_single, rel=1e-12)
    checks = pd.read_excel(report.path, sheet_name="Checks", header=4)
    end = checks.index[checks["Quantity"] == "All checks pass"][0]
    assert checks["OK"].iloc[: end + 1].dropna().astype(bool).all()


def test_formula_injection_lands_as_text(tmp_path: Path) -> None:
    data = tomllib.loads(EXAMPLE.read_text("utf-8"))
    evil = ['=HYPERLINK("http://example.invalid","x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]
    data["deal"]["name"] = evil[0]
    data["deal"]["issuer"] = evil[1]
    data["compliance"]["items"][0]["label"] = evil[2]
    data["compliance"]["items"][1]["label"] = evil[3]
    out = build_report(data, tmp_path / "evil.xlsx").path
    wb = load_workbook(out)
    assert wb["Summary"]["A2"].value == evil[0] and wb["Summary"]["A2"].data_type == "s"
    assert wb["Summary"]["A3"].value == evil[1] and wb["Summary"]["A3"].data_type == "s"
    labels = [c.value for c in wb["Inputs"]["A"] if c.value in evil]
    assert set(labels) == set(evil[2:])
    assert all(c.data_type == "s" for c in wb["Inputs"]["A"] if c.value in evil)
    with zipfile.ZipFile(out) as zf:
        xml = "".join(zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets"))
    assert "<f>HYPERLINK" not in xml and "<f>cmd" not in xml and "<f>SUM(1)" not in xml


def test_dated_and_mid_year_cases_build(tmp_path: Path) -> None:
    data = tomllib.loads(EXAMPLE.read_text("utf-8"))
    data["cash_flows"]["timing"] = "mid"
    assert build_report(data, tmp_path / "mid.xlsx").delta_npv == pytest.approx(
        evaluate(load_case(data)).delta_npv)
    import datetime as dt
    data["cash_flows"]["dates"] = [dt.date(2026 + i, 6, 30) for i in range(12)]
    res = build_report(data, tmp_path / "dated.xlsx")
    wb = load_workbook(res.path)
    # dated flows are discounted from the valuation date (docs/design.md, amendments)
    assert wb["CashFlows"]["D7"].value == '=IF(B7="",0,(B7-valuation_date)/365)'


def test_atomic_write_leaves_no_temp_and_no_file_on_bad_case(tmp_path: Path) -> None:
    from xl_corridor.case import CaseError

    with pytest.raises(CaseError):
        build_report({"deal": {}}, tmp_path / "x.xlsx")
    assert list(tmp_path.iterdir()) == []
    build_report(EXAMPLE, tmp_path / "ok.xlsx")
    assert [p.name for p in tmp_path.iterdir()] == ["ok.xlsx"]


def test_chart_and_print_setup(report) -> None:
    wb = load_workbook(report.path)
    with zipfile.ZipFile(report.path) as zf:
        assert any(n.startswith("xl/charts/chart") for n in zf.namelist())
    assert wb["CashFlows"].freeze_panes == "B6"
    assert wb["Ke"]["B8"].number_format == "0.00%_);(0.00%)"  # negatives in parentheses
