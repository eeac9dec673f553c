"""The listing rules written into a workbook, so that the listing path is a live lookup.

The engine's tables (``data/reporting_codes.csv``, ``data/resource_categories.csv``,
``data/listing_paths.csv``) are written to a Rules sheet with defined names;
:func:`listing_block` writes the chain of lookups that gives the path code and its reason,
each step in its own labelled cell, so a banker can follow why the path is what it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xl_corridor.engine import listing
from xl_corridor.workbook import formulas as fx
from xl_corridor.workbook.styles import BOLD, TITLE, define, header, print_setup, put_text

__all__ = ["ListingCells", "listing_block", "write_rules_sheet"]

SHEET = "Rules"


def write_rules_sheet(wb: Workbook) -> None:
    """The reporting-code and resource-category tables, one row per accepted spelling."""
    ws = wb.create_sheet(SHEET)
    put_text(ws, "A1", "HKEX Chapter 18 rule tables (read by the Listing formulas)", TITLE)
    put_text(ws, "A2", "Sources: HKEX Main Board Listing Rules Chapter 18, Rules 18.01, "
             "18.03(2), 18.29 (consulted 2026-11-22); the DFS deferral is the framework's "
             "advice, not a rule.")
    header(ws, 4, ["Spelling", "Code", "Status", "Kind"])
    codes = listing.code_table()
    for i, row in enumerate(codes):
        r = 5 + i
        for col, key in zip("ABCD", ("word", "code", "status", "kind"), strict=True):
            put_text(ws, f"{col}{r}", row[key])
    last = 4 + len(codes)
    for name, col in (("code_words", "A"), ("code_canonical", "B"), ("code_status", "C"),
                      ("code_kind", "D")):
        define(wb, name, SHEET, f"{col}5:{col}{last}")
    header(ws, 4, ["Kind|spelling", "Category", "Meets 18.03(2)"], col=6)
    cats = listing.category_table()
    for i, row in enumerate(cats):
        r = 5 + i
        put_text(ws, f"F{r}", f"{row['kind']}|{row['word']}")
        put_text(ws, f"G{r}", row["category"])
        put_text(ws, f"H{r}", row["meets_chapter18"])
    last = 4 + len(cats)
    for name, col in (("cat_keys", "F"), ("cat_names", "G"), ("cat_meets", "H")):
        define(wb, name, SHEET, f"{col}5:{col}{last}")
    for col, width in zip("ABCDEFGH", (24, 12, 12, 10, 4, 34, 20, 14), strict=True):
        ws.column_dimensions[col].width = width
    print_setup(ws, "A5")


@dataclass(frozen=True)
class ListingCells:
    """Where :func:`listing_block` put the path code and the reason."""

    code: str
    reason: str


def listing_block(ws: Worksheet, top: int, *, code: str = "reporting_code",
                  category: str = "resource_category", dfs: str = "dfs_complete",
                  col: str = "B") -> tuple[ListingCells, list[tuple[str, str, str]]]:
    """Write the lookup chain's labels from ``top`` down in column A; return the cells of the
    code and reason, and (step, cell, formula) for each step, which the caller writes with the
    value :func:`listing_values` gives for that step (the cell's cached value).
    """
    c = col
    r = {k: f"{c}{top + i}" for i, k in enumerate(
        ("row", "canonical", "kind", "status", "word", "cat_row", "category", "meets", "code",
         "reason"))}
    steps = [
        ("row", f"MATCH({fx.normalised(code)},code_words,0)", "Row of the reporting code"),
        ("canonical", f"INDEX(code_canonical,{r['row']})", "Reporting code"),
        ("kind", f"INDEX(code_kind,{r['row']})", "Kind (mineral, petroleum)"),
        ("status", f"INDEX(code_status,{r['row']})", "Chapter 18 status (accepted, reconcile)"),
        ("word", fx.normalised(category), "Category as typed, normalised"),
        ("cat_row", "MATCH(" + fx.category_key(r["canonical"], r["kind"], r["word"], "cat_keys")
         + ",cat_keys,0)", "Row of the category"),
        ("category", f"INDEX(cat_names,{r['cat_row']})", "Resource category"),
        ("meets", f"INDEX(cat_meets,{r['cat_row']})", "Meets Rule 18.03(2)"),
        ("code", fx.path_code(r["status"], r["meets"], dfs), "Listing path"),
        ("reason", fx.listing_reason(r["code"], {"name": r["canonical"], "cat": r["category"],
                                                 "threshold": fx.threshold(r["kind"])}),
         "Recommended path and the rule behind it"),
    ]
    out = []
    for key, formula, label in steps:
        row = int(r[key][len(c):])
        put_text(ws, f"A{row}", label, BOLD if key in ("code", "reason") else None)
        out.append((key, r[key], "=" + formula))
    return ListingCells(code=r["code"], reason=r["reason"]), out


def listing_values(code: str, category: str, dfs: bool) -> dict[str, object]:
    """The value each cell of :func:`listing_block` holds for these inputs (its cached value):
    the same lookups over the same tables, ending in :func:`engine.listing.listing_path`."""
    path = listing.listing_path(code, category, dfs)
    codes, cats = listing.code_table(), listing.category_table()

    def norm(text: str) -> str:  # Excel's TRIM(SUBSTITUTE(SUBSTITUTE(x, "_", " "), "-", " "))
        return " ".join(w for w in text.replace("_", " ").replace("-", " ").split(" ") if w)

    code_row = next(i for i, r in enumerate(codes) if r["word"] == norm(code).casefold())
    crow = codes[code_row]
    word = norm(category)
    keys = [f"{r['kind']}|{r['word']}" for r in cats]
    key = f"{crow['kind']}|{word.casefold()}"
    if crow["code"] == "GKZ" and key not in keys:
        key = f"gkz|{word.casefold()}"
    cat_row = keys.index(key)
    return {"row": code_row + 1, "canonical": crow["code"], "kind": crow["kind"],
            "status": crow["status"], "word": word, "cat_row": cat_row + 1,
            "category": cats[cat_row]["category"], "meets": cats[cat_row]["meets_chapter18"],
            "code": path.code, "reason": str(path)}
