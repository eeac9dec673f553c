"""load_case and build_report from Python get the same protection as the command line."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import xl_corridor as xc
from xl_corridor.case import CaseError

EXAMPLE = Path(__file__).resolve().parents[1] / "workbooks" / "examples" / "jiaxin_boguty.toml"


def _example() -> dict:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_deeply_nested_toml_is_a_case_error_not_a_recursion_error(tmp_path):
    bad = tmp_path / "deep.toml"
    bad.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(CaseError, match="nested too deeply"):
        xc.load_case(bad)


def test_control_characters_in_text_are_refused_before_a_report_is_written(tmp_path):
    data = _example()
    data["deal"]["name"] = "Jiaxin\u0007 bell"
    with pytest.raises(CaseError, match=r"deal\.name: contains the control character U\+0007"):
        xc.load_case(data)
    with pytest.raises(CaseError):
        xc.build_report(data, tmp_path / "r.xlsx")
    assert not (tmp_path / "r.xlsx").exists()


@pytest.mark.parametrize("name", ["missing.toml", "missing_no_suffix"])
def test_missing_path_is_reported_as_a_missing_file(tmp_path, name):
    with pytest.raises(CaseError, match="no such file"):
        xc.build_report(tmp_path / name, tmp_path / "r.xlsx")
    with pytest.raises(CaseError, match="no such file"):
        xc.load_case(str(tmp_path / name))


def test_a_directory_is_not_parsed_as_toml_text(tmp_path):
    with pytest.raises(CaseError) as info:
        xc.load_case(tmp_path)
    assert "TOML" not in str(info.value)


def test_workbook_case_runs_the_preflight(tmp_path):
    bomb = tmp_path / "not_a_zip.xlsx"
    bomb.write_text("date,price\n2025-08-28,10.92\n", encoding="utf-8")
    with pytest.raises(CaseError, match="not_a_zip.xlsx"):
        xc.load_case(bomb)


@pytest.mark.parametrize("value", ["yes", "1", 1, "on"])
def test_dfs_complete_must_be_a_toml_boolean(value):
    data = _example()
    data["listing"]["dfs_complete"] = value
    with pytest.raises(CaseError, match=r"listing\.dfs_complete"):
        xc.load_case(data)
