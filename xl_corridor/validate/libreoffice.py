"""Run LibreOffice headless to recalculate workbooks (used by the validator only).

One ``soffice --convert-to xlsx`` invocation converts a whole batch, with a fresh user profile
whose settings force a full recalculation on load: LibreOffice otherwise trusts the cached
results stored in an .xlsx (``OOXMLRecalcMode``; 0 = always recalculate, 1 = never, 2 = ask).
The re-saved files are read for their values and thrown away; they are never shipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

__all__ = ["LibreOfficeError", "find_soffice", "recalculate"]

# org.openoffice.Office.Calc/Formula/Load: 0 = always recalculate on load (Excel 2007+ and ODF).
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class LibreOfficeError(RuntimeError):
    """LibreOffice is missing or failed to convert a workbook."""


def find_soffice() -> str | None:
    """Path of the LibreOffice binary (``$XL_CORRIDOR_SOFFICE`` first), or None."""
    env = os.environ.get("XL_CORRIDOR_SOFFICE")
    if env:
        return env
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(paths: Sequence[Path], out_dir: Path, *, timeout: float = 300.0) -> list[Path]:
    """Recalculate ``paths`` with one LibreOffice process; return the re-saved copies.

    ``$XL_CORRIDOR_SOFFICE_TIMEOUT`` (seconds), if set, replaces ``timeout``.

    Inputs are copied under neutral names first (LibreOffice names outputs after inputs, so two
    ``report.xlsx`` from different folders would collide). The outputs land in ``out_dir`` in
    the order of ``paths``.

    Raises
    ------
    LibreOfficeError
        If soffice is not installed or cannot be run, times out, or did not write an output.
    """
    soffice = find_soffice()
    if soffice is None:
        raise LibreOfficeError("LibreOffice (soffice) is not installed; it is needed to "
                               "recalculate report workbooks")
    work = Path(tempfile.mkdtemp(prefix="xl-corridor-lo-"))
    try:
        profile = work / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
        src = work / "in"
        src.mkdir()
        inputs = []
        for i, path in enumerate(paths):
            copy = src / f"wb{i:05d}.xlsx"
            shutil.copyfile(path, copy)
            inputs.append(copy)
        out_dir.mkdir(parents=True, exist_ok=True)
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
               "--norestore", "--nolockcheck", "--nodefault", "--nofirststartwizard",
               "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir),
               *map(str, inputs)]
        timeout = float(os.environ.get("XL_CORRIDOR_SOFFICE_TIMEOUT") or timeout)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise LibreOfficeError(f"LibreOffice ({soffice}) did not finish within "
                                   f"{timeout:.0f} s") from None
        except OSError as exc:  # missing, not executable, not a program
            raise LibreOfficeError(f"cannot run LibreOffice at {soffice} ({exc.strerror or exc});"
                                   " install LibreOffice or point XL_CORRIDOR_SOFFICE at its "
                                   "soffice") from None
        outputs = [out_dir / p.name for p in inputs]
        missing = [str(paths[i]) for i, p in enumerate(outputs) if not p.is_file()]
        if missing:
            raise LibreOfficeError(
                f"LibreOffice did not convert {', '.join(missing)} (exit {proc.returncode}): "
                f"{(proc.stderr or proc.stdout).strip()[:500]}")
        return outputs
    finally:
        shutil.rmtree(work, ignore_errors=True)
