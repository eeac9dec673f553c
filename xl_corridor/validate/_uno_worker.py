"""Recalculate workbooks in one warm LibreOffice, driven over UNO (run by a Python that has UNO).

Started by :mod:`xl_corridor.validate.libreoffice` as the leader of a new process group, with a
Python interpreter that can ``import uno`` (LibreOffice's own, or Debian's ``python3-uno``): it
imports nothing from xl_corridor. It starts ``soffice`` headless with a UNO pipe listener (a
child in the same process group, so the caller kills both at once), then reads jobs from stdin,
one JSON object per line, ``{"src": path, "dst": path}`` or ``{"src": path, "cells": {sheet:
[refs]}}``. Each file is loaded hidden, with macros never run and links never updated,
recalculated in full (``calculateAll``, on top of the profile's recalculate-on-load setting),
then either stored as xlsx at ``dst`` or read for the values of ``cells``, and closed; the
worker answers one JSON line per job on stdout: ``{"ok": true}`` (with ``"values"`` when cells
were asked for) or ``{"ok": false, "error": "..."}``.

Usage: python3 _uno_worker.py SOFFICE PROFILE_URI PIPE_NAME

Exit: 3 if ``uno`` cannot be imported (the caller falls back to ``soffice --convert-to``);
otherwise, when stdin closes or anything fails (4: LibreOffice did not start or accept the
connection; a line ``{"fatal": "..."}`` says why first), the worker kills its own process
group, LibreOffice included: it is killed by SIGKILL. A watchdog thread does the same if the
caller dies.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

try:
    import uno
    from com.sun.star.beans import PropertyValue
    from com.sun.star.connection import NoConnectException
except ImportError:  # checked when run as a script (exit 3); importable for doctest collection
    uno = None

CONNECT_SECONDS = 60.0
FILTER = "Calc MS Excel 2007 XML"
LOGICAL = 1024  # com.sun.star.util.NumberFormat.LOGICAL: a number shown as TRUE/FALSE
ERROR_RESULT = 4  # com.sun.star.sheet.FormulaResult.ERROR
# LibreOffice's error codes as Excel's error values (what its xlsx export writes for them).
EXCEL_ERRORS = {519: "#VALUE!", 532: "#DIV/0!", 32767: "#N/A", 524: "#REF!", 525: "#NAME?",
                503: "#NUM!", 521: "#NULL!"}


def _props(**values):
    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name = name
        prop.Value = value
        out.append(prop)
    return tuple(out)


def _fatal(message):
    """Tell the caller why LibreOffice is unusable (one JSON line), then exit 4."""
    print(json.dumps({"fatal": message}), flush=True)
    sys.exit(4)


def _connect(soffice, profile_uri, pipe):
    proc = subprocess.Popen(
        [soffice, f"-env:UserInstallation={profile_uri}", "--headless", "--invisible",
         "--norestore", "--nolockcheck", "--nodefault", "--nofirststartwizard",
         f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            if proc.poll() is not None:
                _fatal(f"{soffice} exited with status {proc.returncode} before accepting a "
                       "connection")
            if time.monotonic() > deadline:
                _fatal(f"{soffice} did not accept a connection within {CONNECT_SECONDS:.0f} s")
            time.sleep(0.02)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    # Warm up: the first spreadsheet loaded initialises Calc (most of a second); do it now,
    # while the caller is still reading its files, not when the first real one arrives.
    blank = desktop.loadComponentFromURL("private:factory/scalc", "_blank", 0,
                                         _props(Hidden=True))
    blank.close(True)
    return proc, desktop


def _column(letters):
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _split(ref):
    i = 0
    while ref[i].isalpha():
        i += 1
    return int(ref[i:]) - 1, _column(ref[:i].upper())


def _addresses(ranges):
    for a in ranges.getRangeAddresses():
        for row in range(a.StartRow, a.EndRow + 1):
            for col in range(a.StartColumn, a.EndColumn + 1):
                yield row, col


def _read(doc, cells):
    """The recalculated values of ``cells`` ({sheet: [A1 refs]}), as an xlsx re-saved by
    LibreOffice and read by openpyxl would give them: float or str, bool for a number shown as
    TRUE/FALSE, an Excel error value as its text ("#DIV/0!"), None for an empty cell or a
    missing sheet. A few calls per sheet, not per cell: each call crosses the UNO bridge."""
    sheets = doc.Sheets
    formats = doc.getNumberFormats()
    kinds = {}
    out = {}
    for name, refs in cells.items():
        if not refs or not sheets.hasByName(name):
            out[name] = {ref: None for ref in refs}
            continue
        sheet = sheets.getByName(name)
        spots = {ref: _split(ref) for ref in refs}
        top = min(r for r, _ in spots.values())
        left = min(c for _, c in spots.values())
        bottom = max(r for r, _ in spots.values())
        right = max(c for _, c in spots.values())
        block = sheet.getCellRangeByPosition(left, top, right, bottom)
        data = block.getDataArray()
        errors = set(_addresses(block.queryFormulaCells(ERROR_RESULT)))
        empty = set(_addresses(block.queryEmptyCells()))
        # A number shown as TRUE/FALSE (LibreOffice has no boolean type; openpyxl reads these
        # as bool from the xlsx LibreOffice writes): only 0 and 1 can be, so only they are
        # looked at, one cell each (there are few).
        logical = set()
        for row, col in spots.values():
            value = data[row - top][col - left]
            if isinstance(value, float) and value in (0.0, 1.0):
                key = sheet.getCellByPosition(col, row).getPropertyValue("NumberFormat")
                if key not in kinds:
                    kinds[key] = formats.getByKey(key).Type
                if kinds[key] & LOGICAL:
                    logical.add((row, col))
        values = {}
        for ref, (row, col) in spots.items():
            if (row, col) in empty:  # range addresses are the sheet's, not the block's
                values[ref] = None
                continue
            value = data[row - top][col - left]
            if (row, col) in errors:
                cell = sheet.getCellByPosition(col, row)
                code = cell.getError()
                text = cell.getString()
                value = EXCEL_ERRORS.get(code, text if text.startswith("#") else "#VALUE!")
            elif isinstance(value, float) and value in (0.0, 1.0) and (row, col) in logical:
                value = value == 1.0
            values[ref] = value
        out[name] = values
    return out


def _orphan_watch():
    """If the caller dies (even by SIGKILL), kill this process group: LibreOffice with it."""
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os.killpg(os.getpgrp(), signal.SIGKILL)


def main(argv):
    soffice, profile_uri, pipe = argv[1:4]
    if os.name == "posix":
        threading.Thread(target=_orphan_watch, daemon=True).start()
    proc, desktop = _connect(soffice, profile_uri, pipe)
    # MacroExecMode NEVER_EXECUTE = 0; UpdateDocMode NO_UPDATE = 0 (external links stay as saved).
    load = _props(Hidden=True, ReadOnly=True, MacroExecutionMode=0, UpdateDocMode=0)
    store = _props(FilterName=FILTER, Overwrite=True)
    print(json.dumps({"ready": True}), flush=True)  # a dead caller: BrokenPipeError, see below
    for line in sys.stdin:
        job = json.loads(line)
        doc = None
        try:
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["src"]), "_blank", 0,
                                               load)
            if doc is None:
                raise RuntimeError("LibreOffice could not open the file")
            doc.calculateAll()
            if job.get("cells") is not None:  # the values only: no xlsx to write and parse
                answer = {"ok": True, "values": _read(doc, job["cells"])}
            else:
                doc.storeToURL(uno.systemPathToFileUrl(job["dst"]), store)
                answer = {"ok": True}
        except Exception as exc:  # a UNO exception carries its message; report, go on
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
        finally:
            if doc is not None:
                try:
                    doc.close(True)
                except Exception:
                    pass
        print(json.dumps(answer), flush=True)
    return 0  # stdin closed: the caller has what it needs; LibreOffice goes with the group


if __name__ == "__main__":
    if uno is None:
        sys.exit(3)
    try:
        main(sys.argv)
    finally:  # however main ended (even an exception), LibreOffice must not outlive it
        if os.name == "posix":
            os.killpg(os.getpgrp(), signal.SIGKILL)
        else:
            os.kill(os.getpid(), signal.SIGTERM)
