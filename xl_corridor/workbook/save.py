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
from xml.etree import ElementTree

from defusedxml.ElementTree import iterparse as _iterparse
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

def _parse_as_written(xml: bytes) -> ElementTree.Element:
    """Parse a part (defusedxml: no DTD, no entities) with every name spelled as written.

    ElementTree resolves ``r:id`` to ``{uri}id`` and would re-declare namespaces its own way
    on output; here each name keeps its prefix (``r:id``, ``x14:id``, or bare in the default
    namespace) and each ``xmlns`` declaration stays an attribute of the element that made it, so
    that :func:`ElementTree.tostring` gives back the part byte for byte where nothing changed.
    """
    # the xml prefix is bound by the XML specification itself, never declared (xml:space)
    prefix_of: dict[str, str] = {"http://www.w3.org/XML/1998/namespace": "xml"}
    declared: list[tuple[str, str]] = []
    root: ElementTree.Element | None = None

    def spelled(name: str) -> str:
        if not name.startswith("{"):
            return name
        uri, local = name[1:].split("}", 1)
        return f"{prefix_of[uri]}:{local}" if prefix_of[uri] else local

    for event, item in _iterparse(io.BytesIO(xml), events=("start-ns", "start")):
        if event == "start-ns":
            prefix, uri = item
            if prefix_of.setdefault(uri, prefix) != prefix:
                raise ValueError(f"namespace {uri} is bound to two prefixes")
            declared.append((prefix, uri))
            continue
        el = item
        attrib = {("xmlns:" + p if p else "xmlns"): uri for p, uri in declared}
        attrib.update((spelled(k), v) for k, v in el.attrib.items())
        declared = []
        el.tag = spelled(el.tag)
        el.attrib.clear()
        el.attrib.update(attrib)
        if root is None:
            root = el
    assert root is not None  # iterparse raises on a part with no element
    return root


def _cached(values: Mapping[str, Any], xml: bytes) -> bytes:
    """Write cached results into openpyxl's empty ``<v/>`` of each formula cell (``<c>`` holding
    ``<f>`` then an empty ``<v>``), with the cell type: ``t="b"`` for booleans, ``t="str"`` for
    text, none for numbers. Every other byte of the part is unchanged."""
    root = _parse_as_written(xml)
    for cell in root.iter("c"):
        value = values.get(cell.get("r", ""))
        children = list(cell)
        if value is None or [c.tag for c in children] != ["f", "v"] or children[1].text:
            continue
        if isinstance(value, bool):
            cell.set("t", "b")
            children[1].text = "1" if value else "0"
        elif isinstance(value, (int, float)):
            children[1].text = repr(float(value))
        else:
            cell.set("t", "str")
            children[1].text = str(value)
    prolog = 0  # the XML declaration and the white space after it, kept as they were
    if xml.startswith(b"<?xml"):
        prolog = xml.index(b"?>") + 2
        while xml[prolog:prolog + 1].isspace():
            prolog += 1
    return xml[:prolog] + ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)


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


