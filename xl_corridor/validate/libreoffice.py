"""Run LibreOffice headless to recalculate workbooks (used by the validator only).

Every workbook is recalculated in full by LibreOffice Calc, never trusted for its cached results:
the fresh user profile forces a full recalculation on load (``OOXMLRecalcMode``; 0 = always
recalculate, 1 = never, 2 = ask) and the UNO path calls ``calculateAll`` on top.

Two ways, the first when it can:

* warm LibreOffice over UNO: up to one ``soffice`` per core, each started once with a UNO pipe
  listener and driven by a small worker (``_uno_worker.py``, run by a Python that can ``import
  uno``: LibreOffice's own, Debian's ``python3-uno``, or ``$XL_CORRIDOR_UNO_PYTHON``); files are
  dealt out to the workers as they finish, so a batch is recalculated in parallel and pays the
  start-up once per worker. :func:`recalculated_values` reads the values in LibreOffice (no
  xlsx written or parsed); :func:`recalculate` stores re-saved copies.
* ``soffice --convert-to xlsx`` when UNO is missing: the batch split over the same number of
  processes, each with its own profile.

Either way each LibreOffice runs in a process group of its own that is killed whole on every
exit: normal, exception, timeout, SIGTERM (a handler turns it into an exception while a
recalculation runs), interpreter exit (atexit); a worker also kills its group when its parent
dies. The timeout scales with the number of files. The re-saved files are read for their values
and thrown away; they are never shipped.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "LibreOfficeError",
    "Session",
    "find_soffice",
    "find_uno_python",
    "recalculate",
    "recalculated_values",
    "timeout_for",
]

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
_WORKER = Path(__file__).with_name("_uno_worker.py")
_FILTER = "xlsx:Calc MS Excel 2007 XML"
# Timeout: LibreOffice's start-up, then each file a worker handles (a report takes well under a
# second on a loaded 2-core machine; the allowance is for slow disks and huge workbooks).
START_SECONDS = 60.0
PER_FILE_SECONDS = 30.0
MAX_WORKERS = 4
_UNO_MISSING = 3  # _uno_worker.py's exit code when `import uno` fails

Cells = Mapping[str, Sequence[str]]

# Process groups of LibreOffice still running in this process (killed at exit if ever left).
_LIVE: set[int] = set()
_LIVE_LOCK = threading.Lock()



class LibreOfficeError(RuntimeError):
    """LibreOffice is missing or failed to convert a workbook."""


def find_soffice() -> str | None:
    """Path of the LibreOffice binary (``$XL_CORRIDOR_SOFFICE`` first), or None.

    ``$XL_CORRIDOR_SOFFICE_TIMEOUT`` (seconds), if set, bounds a session's recalculation."""
    env = os.environ.get("XL_CORRIDOR_SOFFICE")
    if env:
        return env
    return shutil.which("soffice") or shutil.which("libreoffice")


def _runnable(soffice: str) -> None:
    """Refuse a ``soffice`` that is missing or not executable, before starting anything."""
    path = shutil.which(soffice)  # a name on PATH or a path; None if missing or not executable
    if path is None or not os.path.isfile(path):
        why = "not executable" if os.path.exists(soffice) else "no such file"
        raise LibreOfficeError(f"cannot run LibreOffice at {soffice} ({why}); install "
                               "LibreOffice or point XL_CORRIDOR_SOFFICE at its soffice")


def find_uno_python(soffice: str | None = None) -> str | None:
    """A Python interpreter that may import ``uno``, or None: ``$XL_CORRIDOR_UNO_PYTHON``
    (empty: never use UNO), LibreOffice's bundled Python next to ``soffice``, this interpreter
    if it has ``uno``, then the system's ``/usr/bin/python3`` (Debian's python3-uno). Whether
    ``uno`` really imports is learnt when the worker starts (it exits with code 3 if not)."""
    env = os.environ.get("XL_CORRIDOR_UNO_PYTHON")
    if env is not None:
        return env or None
    if soffice:
        program = Path(os.path.realpath(soffice)).parent
        for name in ("python", "python.exe", "python3"):
            if (program / name).is_file():
                return str(program / name)
    import importlib.util

    if importlib.util.find_spec("uno") is not None:
        return sys.executable
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def timeout_for(files: int, workers: int = 1) -> float:
    """Seconds allowed to recalculate ``files`` files over ``workers`` LibreOffice processes."""
    per_worker = -(-max(files, 1) // max(workers, 1))
    return START_SECONDS + PER_FILE_SECONDS * per_worker


def _workers(files: int) -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(files, cores, MAX_WORKERS))


# --------------------------------------------------------------------------- process groups


def _group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs. Zombies do not count: a container's init
    may take seconds to reap them, and a zombie writes no files."""
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for entry in proc_dir.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) ": state ppid pgrp
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in "ZX":
            return True
    return False


def _kill_group(proc: subprocess.Popen[Any]) -> None:
    """Kill the process group ``proc`` leads (LibreOffice and everything it started)."""
    _kill_groups([proc])


def _kill_groups(procs: Sequence[subprocess.Popen[Any]]) -> None:
    """SIGKILL every group first, then reap the leaders and wait (at most 5 s) until no process
    of any group runs, so that the caller can delete their folder."""
    for proc in procs:
        with _LIVE_LOCK:
            _LIVE.discard(proc.pid)
        try:
            if os.name == "posix":
                os.killpg(proc.pid, signal.SIGKILL)
            else:  # Windows: the process tree
                subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)],
                               capture_output=True, check=False)
        except (ProcessLookupError, PermissionError):
            pass
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    if os.name == "posix":
        deadline = time.monotonic() + 5.0
        while any(_group_alive(p.pid) for p in procs) and time.monotonic() < deadline:
            time.sleep(0.01)


def _kill_all_live() -> None:
    with _LIVE_LOCK:
        groups = list(_LIVE)
        _LIVE.clear()
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, AttributeError):
            pass


atexit.register(_kill_all_live)


def _spawn(cmd: Sequence[str], work: Path, owned: list[subprocess.Popen[Any]],
           **kwargs: Any) -> subprocess.Popen[Any]:
    """Start ``cmd`` as the leader of a new process group, put on record in ``owned`` (which
    the caller kills) and in ``_LIVE`` (killed at exit) before any signal can interrupt. Its
    temporary files (LibreOffice leaves lu*.tmp when killed) go under ``work``, deleted after."""
    tmp = work / "tmp"
    tmp.mkdir(exist_ok=True)
    kwargs["env"] = {**os.environ, "TMPDIR": str(tmp), "TMP": str(tmp), "TEMP": str(tmp)}
    if os.name != "posix":
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        proc = subprocess.Popen(list(cmd), **kwargs)
        owned.append(proc)
        with _LIVE_LOCK:
            _LIVE.add(proc.pid)
        return proc
    kwargs["start_new_session"] = True
    # SIGTERM waits until the new group is on record, so no unwinding can miss it.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        proc = subprocess.Popen(list(cmd), **kwargs)
        owned.append(proc)
        with _LIVE_LOCK:
            _LIVE.add(proc.pid)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    return proc


class _Terminated(SystemExit):
    """SIGTERM arrived while LibreOffice ran: unwind (killing it), then exit 128 + 15."""


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """While LibreOffice runs, SIGTERM raises (so every ``finally`` kills its group) instead of
    ending the interpreter on the spot. Only the main thread can install signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise _Terminated(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _profile(folder: Path) -> str:
    """A fresh LibreOffice user profile that recalculates every file on load; its URI."""
    (folder / "user").mkdir(parents=True)
    (folder / "user" / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
    return folder.as_uri()


# --------------------------------------------------------------------------- UNO workers


class _UnoMissing(Exception):
    """The worker's Python cannot import uno: use ``soffice --convert-to``."""


class _Worker:
    """One warm LibreOffice and the UNO worker driving it, in their own process group."""

    def __init__(self, python: str, soffice: str, work: Path, index: int,
                 owned: list[subprocess.Popen[Any]]) -> None:
        self.errors = work / f"worker{index}.err"
        pipe = f"xlcorridor{os.getpid()}_{index}_{time.monotonic_ns()}"
        self.started = False
        with open(self.errors, "wb") as err:
            self.proc = _spawn(
                [python, str(_WORKER), soffice, _profile(work / f"profile{index}"), pipe], work,
                owned, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True,
                encoding="utf-8", bufsize=1)

    def _line(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            if code == _UNO_MISSING:
                raise _UnoMissing
            detail = self.errors.read_text(encoding="utf-8", errors="replace").strip()[-500:]
            raise LibreOfficeError(
                f"LibreOffice stopped (worker exit {code})" + (f": {detail}" if detail else ""))
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ready(self) -> None:
        answer = self._line()
        if "fatal" in answer:  # soffice exited or never listened: the worker says which
            raise LibreOfficeError(f"LibreOffice stopped: {answer['fatal']}")

    def run(self, job: Mapping[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        return self._line()

class Session:
    """Warm LibreOffice workers for one batch of files.

    ``start()`` spawns the workers and returns at once (LibreOffice starts while the caller
    reads its files); :meth:`values` and :meth:`convert` deal files out to them; leaving the
    ``with`` block kills every process group and deletes the temporary folder. Without a Python
    that has UNO the same calls fall back to ``soffice --convert-to``.
    """

    def __init__(self, expected_files: int = 1, *, timeout: float | None = None) -> None:
        self.expected = max(1, expected_files)
        env_timeout = os.environ.get("XL_CORRIDOR_SOFFICE_TIMEOUT")  # seconds, for all files
        self.timeout = float(env_timeout) if timeout is None and env_timeout else timeout
        self.work = Path(tempfile.mkdtemp(prefix="xl-corridor-lo-"))
        self.workers: list[_Worker] = []
        self.procs: list[subprocess.Popen[Any]] = []  # every group this session started
        self.uno = True
        self._inputs = 0
        self._sigterm = _sigterm_unwinds()

    def __enter__(self) -> Session:
        self._sigterm.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.close()
        finally:
            self._sigterm.__exit__(None, None, None)

    def close(self) -> None:
        _kill_groups(self.procs)
        self.procs = []
        self.workers = []
        for _ in range(20):  # a process killed a moment ago may still have created a file
            shutil.rmtree(self.work, ignore_errors=True)
            if not self.work.exists():
                break
            time.sleep(0.05)

    def _soffice(self) -> str:
        soffice = find_soffice()
        if soffice is None:
            raise LibreOfficeError("LibreOffice (soffice) is not installed; it is needed to "
                                   "recalculate report workbooks")
        _runnable(soffice)
        return soffice

    def start(self) -> None:
        """Start the workers now (idempotent); nothing if UNO cannot be used."""
        if self.workers or not self.uno:
            return
        soffice = find_soffice()
        if soffice is None:
            return  # said when a file is to be recalculated
        _runnable(soffice)
        python = find_uno_python(soffice)
        if not python:
            self.uno = False
            return
        for i in range(_workers(self.expected)):
            self.workers.append(_Worker(python, soffice, self.work, i, self.procs))

    def _copies(self, paths: Sequence[Path]) -> list[Path]:
        # Copies under neutral names: LibreOffice never touches (or leaves lock files next to)
        # the user's file, and two report.xlsx from different folders cannot collide.
        src = self.work / "in"
        src.mkdir(exist_ok=True)
        inputs = []
        for path in paths:
            copy = src / f"wb{self._inputs:05d}.xlsx"
            self._inputs += 1
            shutil.copyfile(path, copy)
            inputs.append(copy)
        return inputs

    def _run(self, jobs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]] | None:
        """Deal ``jobs`` out to the workers; the answers in order, or None without UNO."""
        self.start()
        if not self.uno:
            return None
        workers = self.workers
        limit = (self.timeout if self.timeout is not None
                 else timeout_for(len(jobs), len(workers)))
        answers: list[dict[str, Any] | None] = [None] * len(jobs)
        failures: queue.Queue[BaseException] = queue.Queue()
        lock = threading.Lock()
        todo = iter(range(len(jobs)))

        def drive(worker: _Worker) -> None:
            try:
                if not worker.started:
                    worker.ready()
                    worker.started = True
                while True:
                    with lock:
                        i = next(todo, None)
                    if i is None:
                        return
                    answers[i] = worker.run(jobs[i])
            except BaseException as exc:  # reported to the main thread
                failures.put(exc)

        threads = [threading.Thread(target=drive, args=(w,), daemon=True) for w in workers]
        for t in threads:
            t.start()
        deadline = time.monotonic() + limit
        for t in threads:
            t.join(max(0.0, deadline - time.monotonic()))
        if any(t.is_alive() for t in threads):
            self.close()  # unblocks the threads: their pipes close
            raise LibreOfficeError(f"LibreOffice did not finish {len(jobs)} file(s) within "
                                   f"{limit:.0f} s")
        if not failures.empty():
            exc = failures.get()
            if isinstance(exc, _UnoMissing):
                self.close()
                self.work = Path(tempfile.mkdtemp(prefix="xl-corridor-lo-"))
                self.uno = False
                return None
            raise exc
        return [a if a is not None else {"ok": False, "error": "no answer"} for a in answers]

    def convert(self, paths: Sequence[Path], out_dir: Path) -> list[Path]:
        """Re-saved xlsx copies of ``paths``, in order, in ``out_dir``."""
        soffice = self._soffice()
        out_dir = out_dir.resolve()  # LibreOffice stores to a URL: a relative one fails
        out_dir.mkdir(parents=True, exist_ok=True)
        inputs = self._copies(paths)
        outputs = [out_dir / p.name for p in inputs]
        answers = self._run([{"src": str(i), "dst": str(o)}
                             for i, o in zip(inputs, outputs, strict=True)])
        if answers is None:
            _run_convert(soffice, inputs, out_dir, self.work, self.timeout)
            answers = [{"ok": True}] * len(inputs)
        missing = [f"{paths[i]}" + (f" ({a.get('error')})" if a.get("error") else "")
                   for i, (a, o) in enumerate(zip(answers, outputs, strict=True))
                   if not (a.get("ok") and o.is_file())]
        if missing:
            raise LibreOfficeError(f"LibreOffice did not convert {', '.join(missing)}")
        return outputs

    def values(self, paths: Sequence[Path], cells: Sequence[Cells]
               ) -> list[dict[str, dict[str, Any]]]:
        """See :func:`recalculated_values`."""
        if len(cells) != len(paths):
            raise ValueError("recalculated_values: one cell list per path")
        self._soffice()
        plain = [{sheet: list(refs) for sheet, refs in c.items()} for c in cells]
        inputs = self._copies(paths)
        answers = self._run([{"src": str(i), "cells": c}
                             for i, c in zip(inputs, plain, strict=True)])
        if answers is None:
            return self._values_from_copies(paths, plain)
        bad = [f"{paths[i]} ({a.get('error')})" for i, a in enumerate(answers) if not a.get("ok")]
        if bad:
            raise LibreOfficeError(f"LibreOffice could not recalculate {', '.join(bad)}")
        return [a["values"] for a in answers]

    def _values_from_copies(self, paths: Sequence[Path], cells: Sequence[dict[str, list[str]]]
                            ) -> list[dict[str, dict[str, Any]]]:
        from openpyxl import load_workbook

        files = self.convert(paths, self.work / "out")
        result = []
        for file, wanted in zip(files, cells, strict=True):
            wb = load_workbook(file, data_only=True)
            try:
                result.append({
                    sheet: {ref: (wb[sheet][ref].value if sheet in wb.sheetnames else None)
                            for ref in refs}
                    for sheet, refs in wanted.items()})
            finally:
                wb.close()
        return result


# --------------------------------------------------------------------------- convert-to


def _run_convert(soffice: str, inputs: Sequence[Path], out_dir: Path, work: Path,
                 timeout: float | None) -> None:
    """``soffice --convert-to xlsx`` over ``inputs``, split across processes run in parallel."""
    n = _workers(len(inputs))
    limit = timeout if timeout is not None else timeout_for(len(inputs), n)
    chunks = [list(inputs[i::n]) for i in range(n)]
    procs: list[subprocess.Popen[Any]] = []
    try:
        for i, chunk in enumerate(chunks):
            cmd = [soffice, f"-env:UserInstallation={_profile(work / f'profile{i}')}",
                   "--headless", "--invisible", "--norestore", "--nolockcheck", "--nodefault",
                   "--nofirststartwizard", "--convert-to", _FILTER, "--outdir", str(out_dir),
                   *map(str, chunk)]
            _spawn(cmd, work, procs, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + limit
        for proc in procs:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise LibreOfficeError(f"LibreOffice did not finish {len(inputs)} file(s) "
                                       f"within {limit:.0f} s") from None
    finally:
        _kill_groups(procs)


# --------------------------------------------------------------------------- public


def recalculate(paths: Sequence[Path], out_dir: Path, *,
                timeout: float | None = None) -> list[Path]:
    """Recalculate ``paths`` in LibreOffice; return re-saved xlsx copies, in order, in ``out_dir``.

    ``timeout`` (seconds) defaults to :func:`timeout_for` the number of files.

    Raises
    ------
    LibreOfficeError
        If soffice is not installed, times out, or did not write an output.
    """
    paths = [Path(p) for p in paths]
    with Session(len(paths), timeout=timeout) as session:
        return session.convert(paths, out_dir)


def recalculated_values(paths: Sequence[Path], cells: Sequence[Cells], *,
                        timeout: float | None = None) -> list[dict[str, dict[str, Any]]]:
    """The values LibreOffice computes for ``cells[i]`` ({sheet: [A1 refs]}) of ``paths[i]``.

    Values are as openpyxl reads them from an xlsx re-saved by LibreOffice: float or str, bool
    for TRUE/FALSE, an Excel error value as its text ("#DIV/0!"), None for an empty cell or a
    sheet that is missing. Over UNO nothing is written: LibreOffice is asked for the values;
    without UNO the files are re-saved and read back with openpyxl.

    Raises
    ------
    LibreOfficeError
        If soffice is not installed, times out, or cannot open a file.
    """
    paths = [Path(p) for p in paths]
    with Session(len(paths), timeout=timeout) as session:
        return session.values(paths, cells)
