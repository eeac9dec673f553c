"""Cached values are written into a sheet part by an XML parse, not by pattern-matching text."""

from __future__ import annotations

from xl_corridor.workbook.save import _cached

# A part as openpyxl writes it (ElementTree style: " />", no declaration), hand-written here.
PART = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheetData><row r="1">'
    b'<c r="A1"><f>1+1</f><v>2</v></c>'
    b'<c r="B1" s="3"><f>A1&amp;"&lt;x"</f><v /></c>'
    b'<c r="C1"><f>A1&gt;1</f><v /></c>'
    b'<c r="D1"><f>A1*2</f><v /></c>'
    b'<c r="E1" t="n"><v>7</v></c>'
    b"</row></sheetData>"
    b'<drawing r:id="rId1" /></worksheet>'
)


def test_cached_values_land_in_their_own_cells_and_nothing_else_changes() -> None:
    got = _cached({"A1": 99.0, "B1": '2<x', "C1": True, "D1": 4, "E1": 1.0, "Z9": 5.0}, PART)
    want = (
        PART.replace(b'<c r="B1" s="3"><f>A1&amp;"&lt;x"</f><v /></c>',
                     b'<c r="B1" s="3" t="str"><f>A1&amp;"&lt;x"</f><v>2&lt;x</v></c>')
        .replace(b'<c r="C1"><f>A1&gt;1</f><v /></c>',
                 b'<c r="C1" t="b"><f>A1&gt;1</f><v>1</v></c>')
        .replace(b'<c r="D1"><f>A1*2</f><v /></c>', b'<c r="D1"><f>A1*2</f><v>4.0</v></c>')
    )
    # A1 already holds a value and E1 is no formula: both untouched. (The former regular
    # expression matched from A1's <f> across to B1's empty <v />, writing A1's value there.)
    assert got == want


def test_a_part_with_no_cached_value_is_returned_as_it_was() -> None:
    assert _cached({}, PART) == PART
    declared = b'<?xml version="1.0" encoding="UTF-8"?>\n' + PART
    assert _cached({}, declared) == declared
