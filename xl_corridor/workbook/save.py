"""Saving a workbook: atomic, deterministic, with the engine's values cached in its formulas."""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from xl_corridor.workbook.marks import FIXED_TIME, TEMP_PREFIX, TEMP_SUFFIX

_CELL_F = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*)><f([^>]*)>(.*?)</f><v\s*/></c>', re.S)


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cached(values: Mapping[str, Any], xml: bytes) -> bytes:
    """Insert cached results into openpyxl's empty ``<v/>`` of each formula cell."""

    def sub(m: re.Match[bytes]) -> bytes:
        ref = m.group(1).decode()
        if ref not in values or values[ref] is None:
            return m.group(0)
        v = values[ref]
        attrs = m.group(2)
        if isinstance(v, bool):
            t, text = ' t="b"', "1" if v else "0"
        elif isinstance(v, (int, float)):
            t, text = "", repr(float(v))
        else:
            t, text = ' t="str"', _xml_escape(str(v))
        return (b'<c r="' + m.group(1) + b'"' + attrs + t.encode() + b"><f" + m.group(3) + b">"
                + m.group(4) + b"</f><v>" + text.encode() + b"</v></c>")

    return _CELL_F.sub(sub, xml)


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def save_workbook(
    wb: Workbook,
    path: str | os.PathLike[str],
    *,
    kind: str,
    cached: Mapping[str, Mapping[str, Any]] | None = None,
) -> Path:
    """Save ``wb`` atomically and deterministically, with cached formula results.

    openpyxl writes formulas without results, so readers that do not calculate (pandas,
    openpyxl ``data_only``) would see nothing. ``cached`` maps sheet title -> cell -> the
    engine's value; each is written into the formula cell's ``<v>``. The workbook also asks
    Excel for a full recalculation on load, so Excel never trusts these values blindly.
    Written to a temporary file in the target folder, then moved into place (``os.replace``).
    """
    target = Path(path)
    wb.properties.creator = "xl-corridor"
    wb.properties.lastModifiedBy = "xl-corridor"
    wb.properties.category = kind
    wb.properties.created = FIXED_TIME
    wb.calculation.fullCalcOnLoad = True
    raw = io.BytesIO()
    wb.save(raw)
    sheet_xml = {f"xl/worksheets/sheet{i + 1}.xml": ws.title for i, ws in enumerate(wb.worksheets)}
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(raw) as src, \
                zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                title = sheet_xml.get(info.filename)
                if cached is not None and title is not None and title in cached:
                    data = _cached(cached[title], data)
                elif info.filename == "docProps/core.xml":
                    data = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
                out = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
                out.compress_type = zipfile.ZIP_DEFLATED
                out.external_attr = 0o644 << 16
                dst.writestr(out, data)
            dst.close()
            fh.flush()
            os.fsync(fh.fileno())  # the bytes are on disk before the rename makes them visible
        # mkstemp creates the file 0600; give it the permissions an ordinary save would have,
        # so colleagues on a shared drive can open the report.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


