"""Case files through the CLI: malformed, wrong, hostile. Each exits 2 with one line
``FILE: field: problem`` (or ``FILE: problem``), no traceback, no output, no temporary file.
Then: formula injection through every free-text field, and `batch` exit codes."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from helpers import EXAMPLE

from xl_corridor.cli import main

TEXT = EXAMPLE.read_text("utf-8")


def _sub(pattern: str, repl: str) -> Callable[[], str]:
    def make() -> str:
        out, n = re.subn(pattern, repl, TEXT, count=1, flags=re.M)
        assert n == 1, pattern
        return out
    return make


def _values(n: int) -> str:
    return "values = [" + ", ".join(["-600.0"] + ["100.0"] * (n - 1)) + "]"


# name -> (file content (text or bytes) or None for "no file" / "directory", message suffix)
CASES: dict[str, tuple[Callable[[], str | bytes] | str | None, str]] = {
    "syntax_error": (lambda: "[deal\nname = 'x'\n", ": not valid TOML"),
    "duplicate_key": (lambda: TEXT.replace("beta = 1.20", "beta = 1.20\nbeta = 1.3"),
                      ": not valid TOML"),
    "binary_garbage": (lambda: bytes(range(256)) * 40, ": is a binary file"),
    "not_utf8": (lambda: TEXT.encode("utf-8").replace(b"Jiaxin", b"Jiax\xe9n"), ": is not UTF-8"),
    "empty_file": (lambda: "", ": deal: required section is missing"),
    "utf16": (lambda: TEXT.encode("utf-16"), ": is UTF-16 text"),
    "utf16_no_bom": (lambda: TEXT.encode("utf-16-le"), ": is UTF-16 text"),
    "fifty_mb": (lambda: TEXT + "\n# " + "x" * (50 * 1024 * 1024) + "\n", ": file is 50.0 MiB"),
    "deeply_nested": (lambda: "a = " + "[" * 100_000 + "\n", ": not valid TOML"),
    "zip_named_toml": (lambda: b"PK\x03\x04" + bytes(100), ": is a workbook or archive"),
    "missing_required": (_sub(r"^rf = .*$", ""), ": market.rf: required field is missing"),
    "missing_table": (_sub(r"^\[capital\]", "[capitol]"),
                      ": capitol: unknown section; did you mean capital?"),
    "unknown_field": (_sub(r"^beta = ", "betta = 1.2\nbeta = "), ": market.betta: unknown field"),
    "text_for_rate": (_sub(r"^rf = 0.0425", 'rf = "0.0425"'), ": market.rf: Input should be"),
    "list_for_scalar": (_sub(r"^beta = 1.20", "beta = [1.2]"), ": market.beta: Input should be"),
    "bool_for_number": (_sub(r"^beta = 1.20", "beta = true"), ": market.beta: Input should be"),
    "text_for_bool": (_sub(r"^dfs_complete = true", 'dfs_complete = "maybe"'),
                      ": listing.dfs_complete: Input should be"),
    "bad_date": (_sub(r"^valuation_date = 2025-08-28", 'valuation_date = "28/08/2025"'),
                 ": deal.valuation_date: "),
    "negative_years": (_sub(r"^growth = 0.03", "years = -3\ngrowth = 0.03"),
                       ": compliance.years: expected a whole"),
    "float_years": (_sub(r"^growth = 0.03", "years = 10.5\ngrowth = 0.03"),
                    ": compliance.years: Input should be"),
    "empty_cash_flows": (_sub(r"^values = \[.*\]$", "values = []"), ": cash_flows.values: "),
    "text_in_cash_flows": (_sub(r"^values = \[-600.0,", 'values = [-600.0, "n/a",'),
                           ": cash_flows.values[2]: Input should be"),
    "nan_rate": (_sub(r"^rf = 0.0425", "rf = nan"), ": market.rf: "),
    "inf_amount": (_sub(r"^exploration = 45.0", "exploration = inf"), ": capital.exploration: "),
    "fx_rate_missing": (_sub(r'^currency = "KZT"', 'currency = "EUR"'),
                        ": compliance.items[2].currency: no FX rate for EUR"),
    "lowercase_currency": (_sub(r'^currency = "USD"', 'currency = "usd"'),
                           ": compliance.items[4].currency: "),
    "percent_as_4_5": (_sub(r"^rf = 0.0425", "rf = 4.25"),
                       ": market.rf: expected a decimal rate such as 0.045, got 4.25"),
    "percent_premium": (_sub(r"^lp_dual = 0.015", "lp_dual = 1.5"), ": premia.lp_dual: expected"),
    "unknown_timing": (_sub(r'^timing = "end"', 'timing = "middle"'), ": cash_flows.timing: "),
    "unknown_source": (_sub(r"^rf = \"Assumption", 'rff = "Assumption'),
                       ": sources: unknown input name 'rff'"),
    "control_character": (_sub(r'^name = "Jiaxin', r'name = "\\u0007Jiaxin'),
                          ": deal.name: contains the control character U+0007"),
    "overlong_text": (_sub(r'^issuer = "Jiaxin', 'issuer = "' + "J" * 40_000),
                      ": deal.issuer: text of 40,"),
    "too_many_cash_flows": (_sub(r"^values = \[.*\]$", _values(5000)),
                            ": cash_flows.values: expected at most"),
    "nonexistent_file": (None, ": no such file"),
    "directory": ("dir", ": is a directory, not a case file"),
    "nonexistent_no_suffix": ("missing", ": no such file"),
}


def _materialize(folder: Path, name: str) -> Path:
    content, _ = CASES[name]
    if content is None:
        return folder / f"{name}.toml"
    if content == "dir":
        path = folder / f"{name}.toml"
        path.mkdir()
        return path
    if content == "missing":
        return folder / name
    assert callable(content)
    data = content()
    path = folder / f"{name}.toml"
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, "utf-8")
    return path


def test_case_count() -> None:
    assert len(CASES) == 36


@pytest.mark.parametrize("name", list(CASES))
def test_bad_case_file(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = _materialize(tmp_path, name)
    before = sorted(p.name for p in tmp_path.iterdir())
    out = tmp_path / "out.xlsx"
    assert main(["report", str(case), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()  # every problem of the file, each "FILE: field: problem"
    assert all(line.startswith(f"{case}: ") for line in lines), captured.err
    assert lines[0].startswith(f"{case}{CASES[name][1]}"), lines[0]
    assert "Traceback" not in captured.err and "unexpected error" not in captured.err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no temp files either


@pytest.mark.slow
def test_bad_cases_in_a_real_process_and_in_batch(tmp_path: Path) -> None:
    """All the bad cases at once, through the installed entry point: `batch` reads every
    one, lists each failure, writes nothing, and exits 2 because no report was written."""
    cases = [_materialize(tmp_path, name) for name in CASES if name != "fifty_mb"]
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "xl_corridor.cli", "batch", *map(str, cases),
                        "--out-dir", str(out)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stderr[-2000:]
    assert "Traceback" not in p.stderr and "unexpected error" not in p.stderr
    assert f"{len(cases)} of {len(cases)} case(s) failed" in p.stderr
    for name, case in zip([n for n in CASES if n != "fifty_mb"], cases, strict=True):
        assert f"  {case}{CASES[name][1]}" in p.stderr, name
    assert list(out.iterdir()) == []


@pytest.mark.slow
def test_batch_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.toml"
    good.write_text(TEXT, "utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(TEXT.replace("rf = 0.0425", "rf = 4.25"), "utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(good), "--out-dir", str(out)]) == 0
    assert main(["batch", str(bad), str(good), "--out-dir", str(out)]) == 1
    err = capsys.readouterr().err
    assert "1 of 2 case(s) failed" in err and f"  {bad}: market.rf: expected a decimal" in err
    assert main(["batch", str(bad), str(tmp_path / "nope.toml"), "--out-dir", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'nope.toml'}: no such file" in err
    # two cases with the same file name would write the same report: the second is refused
    twin = tmp_path / "sub" / "good.toml"
    twin.parent.mkdir()
    twin.write_text(TEXT, "utf-8")
    assert main(["batch", str(good), str(twin), "--out-dir", str(out)]) == 1
    assert "would overwrite the one for" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["good.xlsx", "portfolio.xlsx"]


# --- formula injection ----------------------------------------------------------------------

PAYLOADS = [
    "=XLC_PWN()+1",
    "+XLC_PWN()",
    "-XLC_PWN()",
    "@XLC_PWN()",
    "\t=XLC_PWN()",
    "\r=XLC_PWN()",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid/XLC_PWN","click")',
    "=1+1",
]
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _cells(path: Path) -> list[tuple[str, str, str | None, str | None]]:
    """(part, type, formula, text) for every cell of every worksheet in the saved XML."""
    out = []
    with zipfile.ZipFile(path) as zf:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in zf.namelist():
            root = ET.fromstring(zf.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{NS}t")) for si in root]
        for name in zf.namelist():
            if not name.startswith("xl/worksheets/sheet"):
                continue
            for c in ET.fromstring(zf.read(name)).iter(f"{NS}c"):
                t = c.get("t", "n")
                f = c.find(f"{NS}f")
                text = None
                if t == "inlineStr":
                    text = "".join(x.text or "" for x in c.iter(f"{NS}t"))
                elif t == "s":
                    text = shared[int(c.findtext(f"{NS}v") or 0)]
                out.append((name, t, None if f is None else (f.text or ""), text))
    return out


def _assert_text_only(report: Path, expected: list[str]) -> None:
    cells = _cells(report)
    formulas = [f for _, _, f, _ in cells if f is not None]
    assert formulas  # the report does have its own formulas
    assert not [f for f in formulas if "XLC_PWN" in f or "cmd|" in f or f == "1+1"]
    texts = {}
    for _part, t, f, text in cells:
        if text is not None:
            texts.setdefault(text.replace("\r\n", "\n").replace("\r", "\n"), []).append((t, f))
    for payload in expected:
        key = payload.replace("\r", "\n")  # XML parsing normalizes CR to LF
        assert key in texts, payload
        assert all(t in ("s", "inlineStr") and f is None for t, f in texts[key]), payload


def _toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def test_injection_through_every_case_text_field(tmp_path: Path) -> None:
    p = PAYLOADS

    def put(text: str, key: str, value: str, count: int = 1) -> str:
        # a function replacement: re.sub would otherwise expand the backslash escapes
        return re.sub(rf'^{key} = ".*"$', lambda m: f"{key} = {_toml_str(value)}", text,
                      count=count, flags=re.M)

    text = put(put(put(TEXT, "name", p[0]), "issuer", p[1]), "units", p[2])
    labels = itertools.cycle(p[3:] + p[:1])
    text = re.sub(r'^label = ".*"$', lambda m: f"label = {_toml_str(next(labels))}", text,
                  flags=re.M)
    text = text.replace("[compliance.fx_rates]", f"[compliance.fx_rates]\n{_toml_str(p[6])} = 2.0")
    for key, payload in zip(("rf", "mrp", "crp_single", "crp_dual", "lp_dual",
                             "comp_listing_expenses"),
                            p[3:], strict=False):
        text = put(text, key, payload)
    case = tmp_path / "evil.toml"
    case.write_text(text, "utf-8")
    out = tmp_path / "evil.xlsx"
    assert main(["report", str(case), "--out", str(out)]) == 0
    _assert_text_only(out, PAYLOADS)


def test_injection_through_a_filled_in_template(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    template = tmp_path / "t.xlsx"
    assert main(["template", "--out", str(template)]) == 0
    wb = load_workbook(template)

    def cell(name: str, i: int = 0):  # noqa: ANN202 - openpyxl cell
        (sheet, ref), = wb.defined_names[name].destinations
        first = ref.replace("$", "").split(":")[0]
        return wb[sheet][first].offset(row=i)

    def put(c, value: str) -> None:  # noqa: ANN001 - what a banker types after an apostrophe
        c.value = value
        c.data_type = "s"

    put(cell("deal_name"), PAYLOADS[0])
    put(cell("issuer"), PAYLOADS[1])
    put(cell("units"), PAYLOADS[2])
    for i, payload in enumerate(PAYLOADS[3:6]):
        put(cell("comp_labels", i), payload)
    put(cell("rf").offset(column=2), PAYLOADS[6])  # the source note beside an input
    put(cell("mrp").offset(column=2), PAYLOADS[7])
    put(cell("beta").offset(column=2), PAYLOADS[8])
    wb.save(template)
    out = tmp_path / "r.xlsx"
    assert main(["report", str(template), "--out", str(out)]) == 0
    _assert_text_only(out, PAYLOADS)
