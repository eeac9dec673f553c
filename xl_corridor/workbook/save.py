"""Saving a workbook: atomic, deterministic, with the engine's values cached in its formulas."""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from xl_corridor.workbook.marks import (
    CONTENT_HASH_PROPERTY,
    FIXED_TIME,
    INPUTS_HASH_PROPERTY,
    TEMP_PREFIX,
    TEMP_SUFFIX,
)

#: The part holding the fingerprints; the content fingerprint covers every other part.
CUSTOM_PART = "docProps/custom.xml"
_PLACEHOLDER = b"0" * 64

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


def content_fingerprint(parts: Mapping[str, bytes]) -> str:
    """SHA-256 over every part but ``docProps/custom.xml``, in name order (name, size, bytes).

    Stamped into ``docProps/custom.xml`` at write time; a workbook whose parts no longer give
    this digest was changed after xl-corridor wrote it (filled in, re-saved by Excel or
    LibreOffice), and is not overwritten without ``--force``.
    """
    digest = hashlib.sha256()
    for name in sorted(parts):
        if name == CUSTOM_PART:
            continue
        data = parts[name]
        digest.update(name.encode("utf-8") + b"\0" + str(len(data)).encode() + b"\0")
        digest.update(data)
    return digest.hexdigest()


def stamped_fingerprints(custom_xml: bytes) -> dict[str, str]:
    """The fingerprints found in a ``docProps/custom.xml`` (property name -> hex digest)."""
    out: dict[str, str] = {}
    for prop in (CONTENT_HASH_PROPERTY, INPUTS_HASH_PROPERTY):
        m = re.search(rb'name="' + re.escape(prop.encode()) + rb'"[^>]*>\s*<vt:lpwstr>'
                      rb"([0-9a-f]{64})</vt:lpwstr>", custom_xml)
        if m:
            out[prop] = m.group(1).decode()
    return out


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _existing_mode(target: Path) -> int | None:
    """Permission bits of the file being replaced (None if there is none)."""
    try:
        st = target.stat()
    except OSError:
        return None
    return stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else None


def save_workbook(
    wb: Workbook,
    path: str | os.PathLike[str],
    *,
    kind: str,
    cached: Mapping[str, Mapping[str, Any]] | None = None,
    input_refs: frozenset[str] | None = None,
) -> Path:
    """Save ``wb`` atomically and deterministically, with cached formula results.

    openpyxl writes formulas without results, so readers that do not calculate (pandas,
    openpyxl ``data_only``) would see nothing. ``cached`` maps sheet title -> cell -> the
    engine's value; each is written into the formula cell's ``<v>``. The workbook also asks
    Excel for a full recalculation on load, so Excel never trusts these values blindly.
    Written to a temporary file in the target folder, then moved into place (``os.replace``).
    ``input_refs``: the editable cells whose values are fingerprinted (default: the listing
    Inputs sheet's, :func:`xl_corridor.workbook.inputs.input_cells`).
    """
    from openpyxl.packaging.custom import StringProperty

    from xl_corridor.workbook.inputs import inputs_fingerprint

    target = Path(path)
    mode = _existing_mode(target)
    props = wb.custom_doc_props
    for prop in (CONTENT_HASH_PROPERTY, INPUTS_HASH_PROPERTY):
        if prop in props.names:
            del props[prop]
    props.append(StringProperty(name=CONTENT_HASH_PROPERTY, value=_PLACEHOLDER.decode()))
    if "Inputs" in wb.sheetnames or input_refs is not None:
        props.append(StringProperty(name=INPUTS_HASH_PROPERTY,
                                    value=inputs_fingerprint(wb, input_refs)))
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
            parts: dict[str, bytes] = {}
            for info in src.infolist():
                data = src.read(info.filename)
                title = sheet_xml.get(info.filename)
                if cached is not None and title is not None and title in cached:
                    data = _cached(cached[title], data)
                elif info.filename == "docProps/core.xml":
                    data = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
                parts[info.filename] = data
            digest = content_fingerprint(parts).encode()
            parts[CUSTOM_PART] = parts[CUSTOM_PART].replace(_PLACEHOLDER, digest, 1)
            for info in src.infolist():
                data = parts[info.filename]
                out = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
                out.compress_type = zipfile.ZIP_DEFLATED
                out.external_attr = 0o644 << 16
                dst.writestr(out, data)
            dst.close()
            fh.flush()
            os.fsync(fh.fileno())  # the bytes are on disk before the rename makes them visible
        # mkstemp creates the file 0600; give it the permissions an ordinary save would have,
        # so colleagues on a shared drive can open the report; a file being replaced keeps its
        # own mode (a 0600 report stays private).
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


