"""Case files: schema, field-path errors, Damodaran defaults, round trip through a workbook."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest
from helpers import EXAMPLE

from xl_corridor.case import CaseError, evaluate, load_case
from xl_corridor.case.evaluate import sensitivity

ROOT = Path(__file__).resolve().parents[1]


def example_dict() -> dict:
    return tomllib.loads(EXAMPLE.read_text("utf-8"))


def test_packaged_example_is_the_committed_example() -> None:
    packaged = resources.files("xl_corridor").joinpath("data", "example_case.toml").read_text()
    assert packaged == EXAMPLE.read_text("utf-8")


def test_example_known_values() -> None:
    case = load_case(EXAMPLE)
    ev = evaluate(case)
    # Ke by hand with Damodaran July 2025 (ctryprem_2025-07.csv): mature ERP 0.0421, Kazakhstan
    # CRP 0.023646124545927533 on both sides (follows operations), LP 2.5% -> 1.55% (95 bp)
    crp = 0.023646  # the case rounds 0.023646124545927533 to 6 decimals
    assert ev.ke_single == pytest.approx(0.0425 + 1.2 * 0.0421 + crp + 0.025, rel=1e-12)
    assert ev.ke_dual == pytest.approx(0.0425 + 1.2 * 0.0421 + crp + 0.0155, rel=1e-12)
    # Incremental compliance cost by hand: HK audit 4.5 + HK legal 2.5 + IR 1.5 + HKEX fee 0.5
    # (HKD) + CPR RMB 1.0 x 1.0993; in today's money growing 3% (year t pays A x 1.03^t), 12
    # years (the cash-flow horizon), at Ke dual, after Kazakh CIT 20%; listing expenses off.
    annual = 4.5 + 2.5 + 1.5 + 0.5 + 1.0 * 1.0993
    kd = ev.ke_dual
    by_hand = 0.8 * sum(annual * 1.03**t / (1 + kd) ** t for t in range(1, 13))
    assert ev.annual_cost == pytest.approx(annual, rel=1e-12)
    assert ev.compliance_cost == pytest.approx(by_hand, rel=1e-12)
    assert (ev.comp_years, ev.comp_rate, ev.comp_tax) == (12, kd, 0.2)
    # Jiaxin prospectus facts carried into the case: listing expenses shown, not counted
    assert case.compliance.listing_expenses == 111.4
    assert case.compliance.include_listing_expenses is False
    assert case.deal.units == "HKD m"
    assert ev.decision in ("PROCEED", "DO NOT PROCEED")
    assert ev.delta_npv == pytest.approx(ev.pv_dual - ev.pv_single - ev.compliance_cost)


def test_npv_matches_numpy_financial() -> None:
    npf = pytest.importorskip("numpy_financial")
    case = load_case(EXAMPLE)
    ev = evaluate(case)
    # numpy-financial's npv discounts the first value at t=0; prepend 0 for Excel's NPV
    expected = npf.npv(ev.ke_single, [0.0, *case.cash_flows.values])
    assert ev.pv_single == pytest.approx(expected, rel=1e-12)


def test_crp_from_damodaran_when_omitted() -> None:
    data = example_dict()
    del data["premia"]["crp_single"]
    ev = evaluate(load_case(data))
    # ctryprem_2025-07.csv (Damodaran July 2025, the latest on or before 2025-08-28): Kazakhstan
    assert ev.crp_single == 0.023646124545927533


def test_own_crp_needs_no_country_from_the_table() -> None:
    data = example_dict()
    data["market"]["damodaran_country"] = "Turkmenistan"  # not in any vintage
    data["premia"]["crp_single"] = 0.05
    assert evaluate(load_case(data)).crp_single == 0.05
    del data["premia"]["crp_single"]
    with pytest.raises(CaseError, match="market.damodaran_country: .*Turkmenistan is not in it"):
        evaluate(load_case(data))


def test_loads_toml_text_and_dict() -> None:
    text = EXAMPLE.read_text("utf-8")
    assert load_case(text) == load_case(example_dict()) == load_case(str(EXAMPLE))


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["deal"].update(bogus=1), "deal.bogus"),
        (lambda d: d["market"].update(rf="0.04"), "market.rf"),
        (lambda d: d["market"].update(rf=4.5), "market.rf"),
        (lambda d: d["market"].pop("beta"), "market.beta"),
        (lambda d: d["compliance"]["fx_rates"].pop("USD"), "compliance.items[4].currency"),
        (lambda d: d["cash_flows"].update(timing="late"), "cash_flows.timing"),
        (lambda d: d["cash_flows"].update(dates=["2025-01-01"]), "cash_flows.dates"),
        (lambda d: d["listing"].update(reporting_code="XYZ"), "listing.reporting_code"),
        (lambda d: d["compliance"].update(tax_rate=20), "compliance.tax_rate"),
    ],
)
def test_errors_name_the_field(edit, field) -> None:
    data = example_dict()
    edit(data)
    with pytest.raises(CaseError) as info:
        load_case(data)
    assert str(info.value).startswith(f"<dict>: {field}: "), str(info.value)


def test_missing_fx_names_the_item() -> None:
    data = example_dict()
    data["compliance"]["fx_rates"].pop("USD")
    with pytest.raises(CaseError, match="AIFC legal counsel"):
        load_case(data)


def test_bad_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[deal\nname=", encoding="utf-8")
    with pytest.raises(CaseError, match=r"bad.toml: not valid TOML"):
        load_case(bad)
    with pytest.raises(CaseError, match="no such file"):
        load_case(tmp_path / "missing.toml")


def test_report_reads_back_as_the_same_case(tmp_path: Path) -> None:
    from xl_corridor.workbook.report import build_report

    case = load_case(EXAMPLE)
    out = build_report(case, tmp_path / "r.xlsx").path
    back = load_case(out)
    # a workbook holds the sensitivity axes filled in (defaults centred on the base case)
    case = case.model_copy(update={"sensitivity": sensitivity(case)})
    assert back.model_dump(exclude={"sources"}) == case.model_dump(exclude={"sources"})
    assert evaluate(back) == evaluate(case)


def test_filled_in_template_reads_as_case(tmp_path: Path) -> None:
    from xl_corridor.workbook.template import build_template

    path = build_template(tmp_path / "t.xlsx")
    assert evaluate(load_case(path)) == evaluate(load_case(EXAMPLE))


def test_packaged_parity_sample_is_the_committed_sample() -> None:
    packaged = resources.files("xl_corridor").joinpath("data", "parity_sample.csv").read_text()
    committed = (ROOT / "workbooks" / "examples" / "parity_sample.csv").read_text("utf-8")
    assert packaged == committed
    assert committed.startswith("# SYNTHETIC")


def test_parity_csv_resolves_from_file_text_and_copy(tmp_path: Path) -> None:
    from_file = load_case(EXAMPLE)
    from_text = load_case(EXAMPLE.read_text("utf-8"))  # the demo's route: the packaged sample
    copy = tmp_path / "copy.toml"
    copy.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    assert from_file.parity is not None and from_file.parity.days is not None
    assert len(from_file.parity.days) == 40
    assert from_file == from_text == load_case(copy)
    assert from_file.parity.csv is None  # the case now carries its rows


def test_optional_sections_round_trip_through_a_report(tmp_path: Path) -> None:
    from xl_corridor.case import analyze
    from xl_corridor.workbook.report import build_report

    data = example_dict()
    data["simulation"]["liquidity_reduction"] = 0.01  # a fixed reduction is (v, v, v)
    case = load_case(data)
    assert case.simulation is not None
    assert case.simulation.liquidity_reduction == (0.01, 0.01, 0.01)
    back = load_case(build_report(case, tmp_path / "r.xlsx").path)
    assert back == case.model_copy(update={"sensitivity": sensitivity(case)})
    assert analyze(back).simulation.mean == analyze(case).simulation.mean
