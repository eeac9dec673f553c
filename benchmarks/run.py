"""Run every xl-corridor benchmark and print each figure with its ratio, measured in one run.

    python benchmarks/run.py                     all sections (needs LibreOffice for section 3)
    python benchmarks/run.py --quick             fewer repeats and smaller samples (~1 minute)
    python benchmarks/run.py --skip-libreoffice  sections 1, 2, 4 and the report build only
    python benchmarks/run.py --sections 6,7      only those sections; their rows replace the
                                                 same sections' rows in results.md/json

Sections: 1 the 201 x 201 sensitivity grid (one broadcast call against the 40,401 per-cell calls
an Excel Data Table makes); 2 the Monte Carlo (1,000,000 paths x 30 years against drawing the
same random numbers alone, and its peak memory); 3 report build and validation (default and
recalc=True), one by one and as a batch; 4 the Excel adapter's overhead on a scalar
CORRIDOR_KE; 5 cold ``import corridor_udfs``; 6 scalar calls against pyxirr (a compiled
peer); 7 grids against pyxirr's vectorised npv, and a grid with a rate per cell; 8 validation
of one report, of 50, from the command line cold and of the template, in both modes.

Sections 5-8 measure this tree and a BASELINE tree (``--baseline REV``, default the commit the
speed work started from) in the same run, each in fresh interpreters started from its own
folder, and report new/old ratios. pyxirr comes with ``pip install -e '.[bench]'``.

Prints a table and writes ``results.md`` and ``results.json`` (figures plus the machine: CPU
model, cores, memory, Python/numpy/LibreOffice versions, date) next to this file, or to --out.
Timings are wall clock (time.perf_counter); each is repeated and reported as best-of (min) with
the median, since the machines this runs on are shared and noisy. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLE = ROOT / "workbooks" / "examples" / "jiaxin_boguty.toml"
TREE = Path(os.environ.get("XL_CORRIDOR_BENCH_TREE", ROOT))  # the code under measurement
if TREE != ROOT:  # a baseline tree: its files, not the editable install of this one
    sys.meta_path[:] = [f for f in sys.meta_path if "_EditableFinder" not in repr(f)]
    sys.path.insert(0, str(TREE))
sys.path.insert(0, str(TREE / "udfs"))  # corridor_udfs, as the classic add-in's PYTHONPATH does

# Section 1: the grid. Section 2: the simulation (its inputs are fixed so runs compare).
GRID_ROWS = GRID_COLS = 201
GRID_PERIODS = 40
MC_PATHS = 1_000_000
MC_YEARS = 30
MC_SEED = 42
MC_CHUNK = 32_768  # simulate_delta_npv's default
REPORT_BATCH = 50
BASELINE = "3fc4a99"  # main when the second speed pass (issue 16: fast validation) started


@dataclass
class Figure:
    section: str
    what: str
    measured: str
    target: str = ""
    ratio: str = ""
    ok: bool | None = None  # None: no target


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} us"


def _per_call(fn: Callable[[], Any], number: int, repeat: int) -> list[float]:
    return [t / number for t in timeit.Timer(fn).repeat(repeat=repeat, number=number)]


def _spread(times: list[float], fmt: Callable[[float], str]) -> str:
    return f"min {fmt(min(times))}, median {fmt(statistics.median(times))}, n={len(times)}"


# --------------------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    import numpy as np

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    info: dict[str, Any] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    for mod in ("numpy_financial", "openpyxl"):
        try:
            info[mod] = __import__(mod).__version__
        except ImportError:
            info[mod] = "not installed"
    return info


def libreoffice_version() -> str:
    from xl_corridor.validate.libreoffice import find_soffice

    soffice = find_soffice()
    if soffice is None:
        return "not installed"
    try:
        out = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=60)
        return out.stdout.strip() or out.stderr.strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"


# --------------------------------------------------------------------------- 1. grid


def bench_grid(quick: bool) -> list[Figure]:
    import corridor_udfs as udfs
    import numpy as np
    import numpy_financial as npf

    import xl_corridor as xc

    years = np.arange(1, GRID_PERIODS + 1)
    # A mine: two construction years, then a ramp-up to steady production that declines late.
    cf = np.where(years <= 2, -450.0, 95.0 + 4.0 * np.minimum(years, 12) - 1.5 * (years > 30))
    kd = np.linspace(0.08, 0.16, GRID_ROWS)
    costs = np.linspace(0.0, 200.0, GRID_COLS)
    ks = 0.14
    cells = GRID_ROWS * GRID_COLS

    def engine_one() -> Any:
        return xc.dual_npv(cf, kd[:, None], ks, costs[None, :])

    # What Excel hands the adapter with ndim=2: a 1 x 40 row, a 201 x 1 column, a 1 x 201 row.
    cf_cells = [cf.tolist()]
    kd_cells = [[float(k)] for k in kd]
    cost_cells = [costs.tolist()]

    def udf_one() -> Any:
        return udfs.DUAL_NPV(cf_cells, kd_cells, [[ks]], cost_cells)

    grid = engine_one()
    assert np.allclose(np.asarray(udf_one()), grid, rtol=1e-12, atol=1e-9)
    reps = 7 if quick else 25
    t_engine = _per_call(engine_one, 3, reps)
    t_udf = _per_call(udf_one, 3, reps)

    # Per-cell: every `stride`-th cell of the table, scaled to all 40,401 cells.
    stride = 50 if quick else 5
    sample = [divmod(f, GRID_COLS) for f in range(0, cells, stride)]
    cf_list = cf.tolist()
    npf_flows = [0.0, *cf_list]  # npf.npv discounts its first value by (1+r)^0

    def per_cell_udf() -> list[float]:
        return [udfs.DUAL_NPV(cf_cells, [[float(kd[i])]], [[ks]], [[float(costs[j])]])
                for i, j in sample]

    def per_cell_engine() -> list[float]:
        return [xc.dual_npv(cf, float(kd[i]), ks, float(costs[j])) for i, j in sample]

    def per_cell_npf() -> list[float]:
        return [float(npf.npv(float(kd[i]), npf_flows) - npf.npv(ks, npf_flows) - costs[j])
                for i, j in sample]

    want = np.array([grid[i, j] for i, j in sample])
    loops = {"UDF adapter (DUAL_NPV, 1x1 lists)": per_cell_udf,
             "engine (xl_corridor.dual_npv, floats)": per_cell_engine,
             "numpy-financial npf.npv, 2 per cell": per_cell_npf}
    per_cell: dict[str, float] = {}
    for name, loop in loops.items():
        got = np.array(loop())
        assert np.allclose(got, want, rtol=1e-9, atol=1e-7), name
        runs = []
        for _ in range(1 if quick else 3):
            t0 = time.perf_counter()
            loop()
            runs.append(time.perf_counter() - t0)
        per_cell[name] = min(runs) / len(sample) * cells

    sec = "1 grid"
    note = f"{len(sample):,} of {cells:,} cells timed, scaled"
    out = [
        Figure(sec, "one call, engine: dual_npv(cf, 201x1 ke_dual, ke_single, 1x201 cost), "
               f"{GRID_PERIODS} periods", _spread(t_engine, _ms), "< 5 ms",
               ok=min(t_engine) < 5e-3),
        Figure(sec, "one call, UDF: DUAL_NPV with the 2-D lists Excel passes",
               _spread(t_udf, _ms), "< 5 ms", ok=min(t_udf) < 5e-3),
    ]
    one = {"UDF adapter (DUAL_NPV, 1x1 lists)": min(t_udf),
           "engine (xl_corridor.dual_npv, floats)": min(t_engine),
           "numpy-financial npf.npv, 2 per cell": min(t_engine)}
    for name, total in per_cell.items():
        ratio = total / one[name]
        vs = "UDF one call" if name.startswith("UDF") else "engine one call"
        out.append(Figure(sec, f"40,401 per-cell calls (a Data Table), {name} ({note})",
                          _s(total), ">= 500x slower than one call",
                          f"{ratio:,.0f}x ({vs} faster)", ok=ratio >= 500))
    return out


# --------------------------------------------------------------------------- 2. Monte Carlo


def _mc_inputs() -> tuple[Any, dict[str, Any]]:
    import numpy as np

    cf = np.concatenate([[-600.0, -200.0], np.full(MC_YEARS - 2, 120.0)])
    kw = dict(volatility=0.3, liquidity_reduction=(0.005, 0.01, 0.02),
              country_reduction=(0.0, 0.005, 0.01), overrun_sigma=0.3, n_paths=MC_PATHS,
              seed=MC_SEED, chunk_size=MC_CHUNK)
    return cf, kw


def _draw_only() -> None:
    """Draw exactly what simulate_delta_npv draws (same generators, counts, distributions, block
    structure and chunk buffers) and nothing else."""
    import numpy as np

    from xl_corridor.engine import montecarlo as mc

    b = mc.BLOCK_PATHS
    n_blocks = -(-MC_PATHS // b)
    k_max = min(-(-MC_CHUNK // b), n_blocks)
    z = np.zeros((k_max, MC_YEARS, b))
    d = np.zeros((3, k_max, b))
    for j in range(n_blocks):
        g = mc._generator(MC_SEED, j)
        i = j % k_max
        size = min(b, MC_PATHS - j * b)
        if size == b:
            g.standard_normal(out=z[i])
        else:
            z[i, :, :size] = g.standard_normal((MC_YEARS, size))
        d[0, i, :size] = g.random(size)
        d[1, i, :size] = g.random(size)
        d[2, i, :size] = g.standard_normal(size)


def _mc_child(mode: str) -> None:
    """Fresh interpreter for the memory figures: 'baseline' imports only, 'simulate' runs once."""
    import tracemalloc

    import numpy  # noqa: F401

    import xl_corridor as xc

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    traced = 0
    if mode == "simulate":
        cf, kw = _mc_inputs()
        tracemalloc.start()
        xc.simulate_delta_npv(cf, 0.14, 50.0, **kw)
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"base_kib": base, "peak_kib": peak, "traced_bytes": traced}))


def mc_memory() -> dict[str, Any]:
    """Peak RSS through RUSAGE_CHILDREN: run before any other child process of this one, the
    baseline child first, so the maximum over children is first the baseline, then the run."""
    out: dict[str, Any] = {}
    for mode in ("baseline", "simulate"):
        proc = subprocess.run([sys.executable, __file__, "--mc-child", mode], capture_output=True,
                              text=True, check=True, cwd=ROOT)
        out[mode] = json.loads(proc.stdout)
        out[mode]["children_maxrss_kib"] = resource.getrusage(
            resource.RUSAGE_CHILDREN).ru_maxrss
    return out


def bench_mc(quick: bool, memory: dict[str, Any]) -> list[Figure]:
    import xl_corridor as xc

    cf, kw = _mc_inputs()
    xc.simulate_delta_npv(cf, 0.14, 50.0, **dict(kw, n_paths=10_000))  # warm up
    draws, sims = [], []
    for _ in range(3 if quick else 7):  # alternate, so drifting machine load hits both alike
        t0 = time.perf_counter()
        _draw_only()
        t1 = time.perf_counter()
        xc.simulate_delta_npv(cf, 0.14, 50.0, **kw)
        t2 = time.perf_counter()
        draws.append(t1 - t0)
        sims.append(t2 - t1)
    pair = sorted(s / d for s, d in zip(sims, draws, strict=True))
    ratio = min(sims) / min(draws)
    sec = "2 Monte Carlo"
    base = memory["baseline"]["children_maxrss_kib"] / 1024
    peak = memory["simulate"]["children_maxrss_kib"] / 1024
    traced = memory["simulate"]["traced_bytes"] / 2**20
    return [
        Figure(sec, f"draw the random numbers alone ({MC_PATHS:,} x {MC_YEARS} normals + 3 per "
               "path, same generators and blocks)", _spread(draws, _ms)),
        Figure(sec, f"simulate_delta_npv, {MC_PATHS:,} paths x {MC_YEARS} years (GBM, triangular "
               "premia, lognormal overrun)", _spread(sims, _ms), "<= 1.5x drawing",
               f"{ratio:.2f}x (best/best); paired {pair[0]:.2f}-{pair[-1]:.2f}x, median "
               f"{statistics.median(pair):.2f}x", ok=ratio <= 1.5),
        Figure(sec, "peak RSS of a fresh interpreter running it once (RUSAGE_CHILDREN); "
               "baseline: same imports, no run", f"peak {peak:.0f} MiB (baseline {base:.0f} "
               f"MiB, +{peak - base:.0f} MiB); tracemalloc peak {traced:.0f} MiB", "< 1024 MiB",
               ok=peak < 1024),
    ]


# --------------------------------------------------------------------------- 3. reports


def bench_reports(quick: bool, libreoffice: bool) -> list[Figure]:
    import xl_corridor as xc

    sec = "3 reports"
    work = Path(tempfile.mkdtemp(prefix="xl-corridor-bench-"))
    try:
        case = xc.load_case(EXAMPLE)
        builds = []
        for i in range(3 if quick else 7):
            t0 = time.perf_counter()
            xc.build_report(case, work / f"build{i}.xlsx")
            builds.append(time.perf_counter() - t0)
        out = [Figure(sec, "build_report(example case)", _spread(builds, _s), "< 0.5 s",
                      ok=min(builds) < 0.5)]
        if not libreoffice:
            return out
        n = 10 if quick else REPORT_BATCH
        paths = []
        for i in range(n):
            path = work / f"batch{i}.xlsx"
            shutil.copyfile(work / "build0.xlsx", path)
            paths.append(path)
        for recalc, label in ((False, "default: structure + cached values, no LibreOffice"),
                              (True, "recalc=True: LibreOffice started each call")):
            singles = []
            for i in range(1 if quick else 3):
                t0 = time.perf_counter()
                result = xc.validate_workbook(work / f"build{i}.xlsx", recalc=recalc)
                singles.append(time.perf_counter() - t0)
                assert result.ok, result.failures[:3]
                assert (result.method == "recalculated in LibreOffice") == recalc, result.method
            out.append(Figure(sec, f"validate_workbook(report), {label}",
                              _spread(singles, _s), "< 1 s" if not recalc else "< 3 s",
                              ok=min(singles) < (3.0 if recalc else 1.0)))
            t0 = time.perf_counter()
            results = xc.validate_workbooks(paths, recalc=recalc)
            batch = time.perf_counter() - t0
            assert all(r.ok for r in results)
            separate = statistics.median(singles) * n
            out.append(Figure(
                sec, f"validate_workbooks({n} reports), {label.split(':')[0]}"
                + (", ONE LibreOffice per core" if recalc else ", readers on every core"),
                # the < 0.3 s goal is validate's (the default); --recalc re-proves the builder
                # in LibreOffice, whose load and recalculation of each file is its floor
                f"{_s(batch)} total, {_s(batch / n)} per report",
                "" if recalc else "< 0.3 s per report",
                f"{separate / batch:.2f}x faster than {n} separate calls ({_s(separate)}: "
                f"median single call x {n}, scaled)", ok=None if recalc else batch / n < 0.3))
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --------------------------------------------------------------------------- 4. adapter


def bench_adapter(quick: bool) -> list[Figure]:
    import corridor_udfs as udfs

    import xl_corridor as xc

    args = (0.0425, 1.2, 0.0412, 0.023254, 0.025)
    cells = tuple([[a]] for a in args)  # what Excel passes with ndim=2
    assert udfs.CORRIDOR_KE(*cells) == xc.cost_of_equity(*args)

    def engine() -> Any:
        return xc.cost_of_equity(*args)

    def adapter() -> Any:
        return udfs.CORRIDOR_KE(*cells)

    number, rounds = (2_000, 5) if quick else (10_000, 15)
    t_engine: list[float] = []
    t_adapter: list[float] = []
    for _ in range(rounds):  # interleaved, so both see the same machine load
        t_engine += _per_call(engine, number, 1)
        t_adapter += _per_call(adapter, number, 1)
    d_min = min(t_adapter) - min(t_engine)
    d_med = statistics.median(t_adapter) - statistics.median(t_engine)
    sec = "4 adapter"
    return [
        Figure(sec, "engine: cost_of_equity(5 floats)", _spread(t_engine, _us)),
        Figure(sec, "adapter: CORRIDOR_KE(5 x [[float]])", _spread(t_adapter, _us),
               "<= engine + 20 us",
               f"+{d_min * 1e6:.1f} us (min), +{d_med * 1e6:.1f} us (median); "
               f"{min(t_adapter) / min(t_engine):.2f}x", ok=d_min <= 20e-6),
    ]


# --------------------------------------------------------------------------- 5-8 old vs new


def _best(fn: Callable[[], Any], number: int, rounds: int) -> float:
    return min(timeit.timeit(fn, number=number) / number for _ in range(rounds))


def _paired(out: dict[str, float], key: str, ours: Callable[[], Any], peer: Callable[[], Any],
            number: int, rounds: int) -> None:
    """Ours / peer timed back to back in each round (load hits both alike): lowest, median and
    highest ratio of the rounds, as ``KEY_paired_lo``/``_median``/``_hi``."""
    pairs = sorted(_best(ours, number, 1) / _best(peer, number, 1) for _ in range(rounds))
    out[key + "_paired_lo"], out[key + "_paired_hi"] = pairs[0], pairs[-1]
    out[key + "_paired_median"] = pairs[len(pairs) // 2]


def _child_scalar(quick: bool) -> dict[str, float]:
    import datetime as dtm

    import numpy as np

    import xl_corridor as xc

    cf = [-450.0, -450.0] + [95.0 + 4 * min(y, 12) for y in range(3, 41)]
    d0 = dtm.date(2026, 1, 1)
    dates = [d0 + dtm.timedelta(days=91 * i) for i in range(40)]
    long_dates = [d0 + dtm.timedelta(days=7 * i) for i in range(2000)]
    long_cf = (cf * 50)[:2000]
    r = 3 if quick else 15
    out = {
        "dual_npv": _best(lambda: xc.dual_npv(cf, 0.10, 0.12, 2.0), 2000, r),
        "dual_xnpv_40": _best(lambda: xc.dual_xnpv(cf, dates, 0.10, 0.12, 2.0), 1000, r),
        "dual_xnpv_2000": _best(lambda: xc.dual_xnpv(long_cf, long_dates, 0.10, 0.12, 2.0),
                                20, r),
        "value_npv": xc.dual_npv(cf, 0.10, 0.12, 2.0),
        "value_xnpv": xc.dual_xnpv(long_cf, long_dates, 0.10, 0.12, 2.0),
    }
    try:
        import pyxirr
    except ImportError:
        return out
    out["pyxirr_npv"] = _best(lambda: pyxirr.npv(0.10, cf, start_from_zero=False)
                              - pyxirr.npv(0.12, cf, start_from_zero=False) - 2.0, 2000, r)
    out["pyxirr_xnpv_40"] = _best(lambda: pyxirr.xnpv(0.10, dates, cf)
                                  - pyxirr.xnpv(0.12, dates, cf) - 2.0, 1000, r)
    out["pyxirr_xnpv_2000"] = _best(lambda: pyxirr.xnpv(0.10, long_dates, long_cf)
                                    - pyxirr.xnpv(0.12, long_dates, long_cf) - 2.0, 20, r)
    # paired: each round times ours then pyxirr back to back, so load hits both alike
    _paired(out, "dual_npv", lambda: xc.dual_npv(cf, 0.10, 0.12, 2.0),
            lambda: pyxirr.npv(0.10, cf, start_from_zero=False)
            - pyxirr.npv(0.12, cf, start_from_zero=False) - 2.0, 2000, r)
    _paired(out, "dual_xnpv_40", lambda: xc.dual_xnpv(cf, dates, 0.10, 0.12, 2.0),
            lambda: pyxirr.xnpv(0.10, dates, cf) - pyxirr.xnpv(0.12, dates, cf) - 2.0, 1000, r)
    _paired(out, "dual_xnpv_2000", lambda: xc.dual_xnpv(long_cf, long_dates, 0.10, 0.12, 2.0),
            lambda: pyxirr.xnpv(0.10, long_dates, long_cf)
            - pyxirr.xnpv(0.12, long_dates, long_cf) - 2.0, 20, r)
    # the floor of dual_npv's fast path, its two halves timed alone: the checks and conversion
    # of the list (engine/_checks.fast_series) and the numpy kernel on the converted array
    from xl_corridor.engine import _checks as ck

    if hasattr(ck, "fast_series"):
        arr = np.asarray(cf)
        t = np.arange(1.0, len(cf) + 1.0)
        out["npv_checks_alone"] = _best(lambda: ck.fast_series(cf), 2000, r)
        out["npv_kernel_alone"] = _best(
            lambda: float(np.exp(t * -math.log1p(0.10)).dot(arr))
            - float(np.exp(t * -math.log1p(0.12)).dot(arr)) - 2.0, 2000, r)
    return out


def _udf_without_output(udfs: Any, cells: Any, rounds: int) -> float:
    """DUAL_NPV with its result handed back as the engine's array (no ``.tolist()``): the
    UDF's own work (reading Excel's lists, checks, the engine), timed directly."""
    original = udfs._result
    udfs._result = lambda value: value
    try:
        return _best(lambda: udfs.DUAL_NPV(*cells), 10, rounds)
    finally:
        udfs._result = original


def _child_grid(quick: bool) -> dict[str, float]:
    import tracemalloc

    import corridor_udfs as udfs
    import numpy as np

    import xl_corridor as xc

    years = np.arange(1, GRID_PERIODS + 1)
    cf = np.where(years <= 2, -450.0, 95.0 + 4.0 * np.minimum(years, 12) - 1.5 * (years > 30))
    kd = np.linspace(0.08, 0.16, GRID_ROWS)
    costs = np.linspace(0.0, 200.0, GRID_COLS)
    cells = ([cf.tolist()], [[float(k)] for k in kd], [[0.14]], [costs.tolist()])
    per_cell = np.linspace(0.08, 0.16, GRID_ROWS * GRID_COLS).reshape(GRID_ROWS, GRID_COLS)
    r = 3 if quick else 15
    out = {
        "engine": _best(lambda: xc.dual_npv(cf, kd[:, None], 0.14, costs[None, :]), 20, r),
        "udf": _best(lambda: udfs.DUAL_NPV(*cells), 10, r),
        "tolist": _best(lambda: xc.dual_npv(cf, kd[:, None], 0.14, costs[None, :]).tolist(),
                        10, r),
        "per_cell": _best(lambda: xc.dual_npv(cf, per_cell, 0.14, 0.0), 3, max(2, r // 3)),
        "udf_no_output": _udf_without_output(udfs, cells, r),
        "checksum": float(xc.dual_npv(cf, per_cell, 0.14, 0.0).sum()),
    }

    def engine() -> Any:
        return xc.dual_npv(cf, kd[:, None], 0.14, costs[None, :])

    def floor() -> Any:  # the engine and the .tolist() that every xlwings mode needs
        return xc.dual_npv(cf, kd[:, None], 0.14, costs[None, :]).tolist()

    _paired(out, "udf_over_floor", lambda: udfs.DUAL_NPV(*cells), floor, 10, r)
    original = udfs._result
    udfs._result = lambda value: value
    try:
        _paired(out, "udf_no_output_over_engine", lambda: udfs.DUAL_NPV(*cells), engine, 10, r)
    finally:
        udfs._result = original
    big = np.linspace(0.08, 0.16, 1001 * 1001).reshape(1001, 1001)
    tracemalloc.start()
    xc.dual_npv(cf, big, 0.14, 0.0)
    out["per_cell_1001_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    try:
        import pyxirr
    except ImportError:
        return out

    def peer() -> Any:  # the same table from pyxirr's npv over a vector of rates
        pv = np.asarray(pyxirr.npv(kd, cf, start_from_zero=False))
        return pv[:, None] - pyxirr.npv(0.14, cf, start_from_zero=False) - costs[None, :]

    assert np.allclose(peer(), xc.dual_npv(cf, kd[:, None], 0.14, costs[None, :]),
                       rtol=1e-12, atol=1e-9)
    out["pyxirr_vector"] = _best(peer, 20, r)

    def horner() -> Any:  # the floor for a rate per cell: Horner's rule, in place
        v = 1.0 / (1.0 + per_cell)
        acc = np.zeros_like(per_cell)
        for c in cf[::-1]:
            acc += c
            acc *= v
        return acc

    out["per_cell_horner"] = _best(horner, 3, max(2, r // 3))
    return out


def _child_validate(quick: bool) -> dict[str, float]:
    """Validation in this tree: one report and a batch, in the default mode and with
    ``recalc=True`` (a tree before the fast path has one mode: its default recalculates), the
    template, and the command line cold (a fresh interpreter: imports included)."""
    import inspect

    import corridor_udfs

    import xl_corridor as xc

    has_recalc = "recalc" in inspect.signature(xc.validate_workbook).parameters
    modes = {"fast": {}, "recalc": {"recalc": True} if has_recalc else {}}
    work = Path(tempfile.mkdtemp(prefix="xl-corridor-bench-"))
    try:
        report = work / "report.xlsx"
        # each tree validates the report of its own example (a baseline tree may not read
        # sections the current example has, such as [scenarios])
        xc.build_report(xc.load_case(TREE / "workbooks" / "examples" / "jiaxin_boguty.toml"),
                        report)
        from xl_corridor.workbook.template import build_template

        template = build_template(work / "template.xlsx")
        n = 10 if quick else REPORT_BATCH
        paths = []
        for i in range(n):
            paths.append(work / f"b{i}.xlsx")
            shutil.copyfile(report, paths[-1])
        out: dict[str, float] = {"n": n, "has_recalc": float(has_recalc)}
        for mode, kw in modes.items():
            singles, temps = [], []
            for _ in range(2 if quick else 3):
                t0 = time.perf_counter()
                assert xc.validate_workbook(report, **kw).ok
                singles.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                assert xc.validate_workbook(template, udfs=corridor_udfs, **kw).ok
                temps.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            assert all(r.ok for r in xc.validate_workbooks(paths, **kw))
            out[f"{mode}_batch"] = time.perf_counter() - t0
            out[f"{mode}_single"] = min(singles)
            out[f"{mode}_template"] = min(temps)
            cli = []
            drop = ("sys.meta_path[:] = [f for f in sys.meta_path if "
                    "'_EditableFinder' not in repr(f)]\n") if TREE != ROOT else ""
            code = ("import sys\n" + drop + "from xl_corridor.cli import main\n"
                    "sys.exit(main(sys.argv[1:]))")
            args = ["validate", str(report)] + (["--recalc"] if kw else [])
            for _ in range(2 if quick else 3):
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-c", code, *args], check=True,
                               capture_output=True)
                cli.append(time.perf_counter() - t0)
            out[f"{mode}_cli"] = min(cli)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


CHILDREN = {"scalar": _child_scalar, "grid": _child_grid, "validate": _child_validate}
# Pyodide (xlwings Lite) installs only numpy and xlwings: the other distributions are blocked.
_LITE_BLOCK = (
    "import importlib.abc, importlib.metadata as md, sys\n"
    "ok = {'numpy', 'xlwings', 'xl-corridor'}\n"
    "blocked = {t for t, d in md.packages_distributions().items()"
    " if not {x.lower().replace('_', '-') for x in d} & ok} - set(sys.stdlib_module_names)\n"
    "class B(importlib.abc.MetaPathFinder):\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.partition('.')[0] in blocked: raise ModuleNotFoundError(name)\n"
    "sys.meta_path.insert(0, B())\n"
)


def _tree_env(tree: Path) -> dict[str, str]:
    return {**os.environ, "XL_CORRIDOR_BENCH_TREE": str(tree),
            "PYTHONPATH": os.pathsep.join([str(tree), str(tree / "udfs")])}


def _in_tree(tree: Path, kind: str, quick: bool) -> dict[str, float]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind]
    if quick:
        cmd.append("--quick")
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tree, env=_tree_env(tree),
                          check=False)
    if proc.returncode:
        raise RuntimeError(f"benchmark child {kind} in {tree} failed: {proc.stderr[-2000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _import_ms(tree: Path, setup: str, runs: int) -> float:
    """Cold `import corridor_udfs` (cumulative, from -X importtime) in fresh interpreters."""
    drop = "import sys; sys.meta_path[:] = [f for f in sys.meta_path if " \
           "'_EditableFinder' not in repr(f)]\n"
    code = drop + setup + "import corridor_udfs\n"
    best = math.inf
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                              capture_output=True, text=True, cwd=tree, env=_tree_env(tree),
                              check=True)
        for line in proc.stderr.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[2].strip() == "corridor_udfs":
                best = min(best, int(parts[1]) / 1e3)
    return best


def baseline_tree(rev: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="xl-corridor-baseline-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "xl_corridor", "udfs",
                              "workbooks/examples"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def _ratio(new: float, old: float) -> str:
    return f"{old / new:.1f}x faster than before ({new / old:.2f} of the old time)"


def _pair_text(n: dict[str, float], key: str) -> str:
    if key + "_paired_lo" not in n:
        return ""
    return (f"; paired {n[key + '_paired_lo']:.2f}-{n[key + '_paired_hi']:.2f}x, "
            f"median {n[key + '_paired_median']:.2f}x")


def bench_old_new(quick: bool, libreoffice: bool, old: Path,
                  sections: frozenset[int] = frozenset({5, 6, 7, 8})) -> list[Figure]:
    out: list[Figure] = []
    runs = 3 if quick else 9
    sec = "5 import"
    for what, setup in (("cold `import corridor_udfs` (this environment: xlwings imports "
                         "pandas when installed)", ""),
                        ("cold import, Pyodide's install set (numpy, xlwings; the rest "
                         "blocked)", _LITE_BLOCK),
                        ("import after xlwings (what the add-in and Server pay: xlwings is "
                         "loaded first)", "import xlwings\n")):
        if 5 not in sections:
            break
        new, before = _import_ms(ROOT, setup, runs), _import_ms(old, setup, runs)
        target_ok = new < 150 if setup else None
        out.append(Figure(sec, what, f"{new:.0f} ms (before: {before:.0f} ms)",
                          "< 150 ms" if setup else "", _ratio(new, before), ok=target_ok))
    if 6 in sections:
        out += _scalar_figures(quick, old)
    if 7 in sections:
        out += _grid_figures(quick, old)
    if libreoffice and 8 in sections:
        out += _validate_figures(quick, old)
    return out


def _scalar_figures(quick: bool, old: Path) -> list[Figure]:
    out: list[Figure] = []
    sec = "6 scalar"
    n, o = _in_tree(ROOT, "scalar", quick), _in_tree(old, "scalar", quick)
    assert abs(n["value_npv"] - o["value_npv"]) <= 1e-12 * abs(o["value_npv"])
    assert abs(n["value_xnpv"] - o["value_xnpv"]) <= 1e-12 * abs(o["value_xnpv"])
    for key, what, peer, limit in (
            ("dual_npv", "dual_npv(40 floats in a list, 2 rates, cost)", "pyxirr_npv", 3.0),
            ("dual_xnpv_40", "dual_xnpv(40 flows, 40 datetime.date)", "pyxirr_xnpv_40", 3.0),
            ("dual_xnpv_2000", "dual_xnpv(2,000 flows, 2,000 datetime.date)",
             "pyxirr_xnpv_2000", 2.0)):
        ratio = n[key] / n[peer] if peer in n else math.nan
        old_ratio = o[key] / n[peer] if peer in n else math.nan
        out.append(Figure(sec, what + "; peer: two pyxirr calls",
                          f"{_us(n[key])} (before {_us(o[key])}; pyxirr {_us(n.get(peer, 0))})",
                          f"<= {limit:.0f}x pyxirr",
                          f"{ratio:.2f}x pyxirr{_pair_text(n, key)} (before {old_ratio:.1f}x); "
                          + _ratio(n[key], o[key]), ok=ratio <= limit))
    if "npv_checks_alone" in n and "pyxirr_npv" in n:
        checks, kernel, peer = n["npv_checks_alone"], n["npv_kernel_alone"], n["pyxirr_npv"]
        out.append(Figure(
            sec, "dual_npv's floor, its halves timed alone: checks and conversion of the list "
            "(one type set, one numpy conversion, one dot product for finite and <= 1e15) + "
            "the numpy kernel (two exp, two dot)",
            f"{_us(checks)} + {_us(kernel)} = {_us(checks + kernel)} (the call: "
            f"{_us(n['dual_npv'])})", "",
            f"{(checks + kernel) / peer:.2f}x pyxirr; the rest of the call (argument checks, "
            f"dispatch) {_us(n['dual_npv'] - checks - kernel)}"))
    return out


def _grid_figures(quick: bool, old: Path) -> list[Figure]:
    sec = "7 grid"
    n, o = _in_tree(ROOT, "grid", quick), _in_tree(old, "grid", quick)
    assert abs(n["checksum"] - o["checksum"]) <= 1e-9 * abs(o["checksum"])
    peer = n.get("pyxirr_vector", math.nan)
    floor = n["tolist"]  # the engine's table and its .tolist(), timed as one call
    return [
        Figure(sec, "engine, 201x1 ke_dual x 1x201 cost, 40 periods; peer: pyxirr.npv over the "
               "201 rates, same table", f"{_ms(n['engine'])} (before {_ms(o['engine'])}; "
               f"pyxirr {_ms(peer)})", "<= 1.2x pyxirr",
               f"{n['engine'] / peer:.2f}x pyxirr (before {o['engine'] / peer:.2f}x)",
               ok=n["engine"] / peer <= 1.2),
        Figure(sec, "UDF DUAL_NPV, same table as Excel passes it (lists in, lists out); floor: "
               "the engine + .tolist() of its 40,401 results, which every xlwings mode needs "
               "(it hands Excel Python objects), timed in this run",
               f"{_ms(n['udf'])} (before {_ms(o['udf'])}); floor {_ms(floor)}, of which "
               f".tolist() {_ms(floor - n['engine'])} = {floor / n['engine'] - 1:.1f}x the "
               "engine", "none: issue 16's 2x engine is below the floor; restated on the "
               "next row",
               f"{n['udf'] / floor:.2f}x its floor{_pair_text(n, 'udf_over_floor')} "
               f"({n['udf'] / n['engine']:.1f}x engine; before {o['udf'] / o['engine']:.1f}x); "
               + _ratio(n["udf"], o["udf"])),
        Figure(sec, "UDF DUAL_NPV without the .tolist() of its result (reading the lists Excel "
               "passes, checks, engine; timed directly): the restated goal",
               f"{_ms(n['udf_no_output'])} (before "
               + (f"{_ms(o['udf_no_output'])}" if "udf_no_output" in o else
                  f"~{_ms(o['udf'] - (o['tolist'] - o['engine']))}, by difference")
               + f"; engine {_ms(n['engine'])})", "<= 2x engine",
               f"{n['udf_no_output'] / n['engine']:.2f}x engine"
               f"{_pair_text(n, 'udf_no_output_over_engine')}",
               ok=n["udf_no_output"] / n["engine"] <= 2.0),
        Figure(sec, "a ke_dual per cell, 201x201, 40 periods; floor: Horner's rule in numpy",
               f"{_ms(n['per_cell'])} (before {_ms(o['per_cell'])}; Horner "
               f"{_ms(n['per_cell_horner'])})", "O(cells x periods)",
               f"{n['per_cell'] / n['per_cell_horner']:.2f}x Horner (before "
               f"{o['per_cell'] / n['per_cell_horner']:.0f}x)"),
        Figure(sec, "a ke_dual per cell, 1001x1001: tracemalloc peak",
               f"{n['per_cell_1001_peak_mib']:.0f} MiB (before "
               f"{o['per_cell_1001_peak_mib']:.0f} MiB)", "O(cells): ~8 B x cells",
               f"{o['per_cell_1001_peak_mib'] / n['per_cell_1001_peak_mib']:.0f}x less memory"),
    ]


def _validate_figures(quick: bool, old: Path) -> list[Figure]:
    out: list[Figure] = []
    sec = "8 validate"
    n, o = _in_tree(ROOT, "validate", quick), _in_tree(old, "validate", quick)
    k = int(n["n"])
    # the baseline has one mode, which recalculates: "before" is that mode for both rows
    for mode, label in (("fast", "default (structure + cached values; LibreOffice only "
                                 "when needed)"),
                        ("recalc", "--recalc (LibreOffice recalculates)")):
        out += [
            Figure(sec, f"validate_workbook(one report), {label}, wall",
                   f"{_s(n[mode + '_single'])} (before {_s(o['fast_single'])})",
                   "< 1 s" if mode == "fast" else "",
                   _ratio(n[mode + "_single"], o["fast_single"]),
                   ok=n["fast_single"] < 1.0 if mode == "fast" else None),
            Figure(sec, f"`xl-corridor validate r.xlsx`, cold (fresh interpreter, imports "
                        f"included), {label}",
                   f"{_s(n[mode + '_cli'])} (before {_s(o['fast_cli'])})",
                   "< 1 s" if mode == "fast" else "",
                   _ratio(n[mode + "_cli"], o["fast_cli"]),
                   ok=n["fast_cli"] < 1.0 if mode == "fast" else None),
            Figure(sec, f"validate_workbooks({k} reports), {label}, wall per report",
                   f"{_s(n[mode + '_batch'] / k)} (before {_s(o['fast_batch'] / k)})",
                   "< 0.3 s" if mode == "fast" else "",
                   _ratio(n[mode + "_batch"], o["fast_batch"]),
                   ok=n["fast_batch"] / k < 0.3 if mode == "fast" else None),
            Figure(sec, f"validate_workbook(template), {label.split(' (')[0]}"
                        + (": structure + engine, no formulas/scipy" if mode == "fast"
                           else ": evaluated by formulas"),
                   f"{_s(n[mode + '_template'])} (before {_s(o['fast_template'])})",
                   "< 1 s" if mode == "fast" else "",
                   _ratio(n[mode + "_template"], o["fast_template"]),
                   ok=n["fast_template"] < 1.0 if mode == "fast" else None),
        ]
    return out


# --------------------------------------------------------------------------- output


def table(figures: list[Figure]) -> str:
    head = "| section | what | measured | target | ratio | met |\n|---|---|---|---|---|---|\n"
    mark = {True: "yes", False: "**NO**", None: ""}
    return head + "".join(
        f"| {f.section} | {f.what} | {f.measured} | {f.target} | {f.ratio} | {mark[f.ok]} |\n"
        for f in figures)


def write(out_dir: Path, info: dict[str, Any], figures: list[Figure], argv: list[str],
          wall: float) -> None:
    command = "python benchmarks/run.py" + "".join(f" {a}" for a in argv)
    lines = [
        "# xl-corridor benchmark results", "",
        f"Command: `{command}` (total wall time {wall:.0f} s)", "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), "",
        table(figures),
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.md").write_text("\n".join(lines), encoding="utf-8")
    (out_dir / "results.json").write_text(json.dumps(
        {"command": command, "wall_seconds": round(wall, 1), "machine": info,
         "figures": [asdict(f) for f in figures]}, indent=2) + "\n", encoding="utf-8")


ALL_SECTIONS = frozenset(range(1, 9))


def _sections(text: str) -> frozenset[int]:
    try:
        chosen = frozenset(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected section numbers such as 6,7, got {text!r}") from None
    if not chosen or not chosen <= ALL_SECTIONS:
        raise argparse.ArgumentTypeError(f"expected section numbers 1-8, got {text!r}")
    return chosen


def _section_number(f: dict[str, Any]) -> int:
    return int(str(f["section"]).split()[0])


def merge(out_dir: Path, info: dict[str, Any], figures: list[Figure], argv: list[str],
          wall: float, sections: frozenset[int]) -> None:
    """Replace the rows of ``sections`` in results.json/md, keeping the others and their run's
    machine and command; the partial run is listed with its own machine line and date."""
    path = out_dir / "results.json"
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {
        "command": "", "wall_seconds": 0, "machine": {}, "figures": []}
    kept = [f for f in previous["figures"] if _section_number(f) not in sections]
    rows = sorted(kept + [asdict(f) for f in figures], key=_section_number)  # stable
    command = "python benchmarks/run.py" + "".join(f" {a}" for a in argv)
    partial = [p for p in previous.get("partial_runs", [])
               if not set(p["sections"]) <= sections]
    partial.append({"command": command, "sections": sorted(sections),
                    "wall_seconds": round(wall, 1), "machine": info})
    data = {**previous, "figures": rows, "partial_runs": partial}
    out_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# xl-corridor benchmark results", "",
        f"Command: `{previous['command']}` (total wall time {previous['wall_seconds']:.0f} s)",
        "", "Machine: " + "; ".join(f"{k} {v}" for k, v in previous["machine"].items()), "",
    ]
    for p in partial:
        lines += [f"Section{'s' if len(p['sections']) > 1 else ''} "
                  f"{', '.join(map(str, p['sections']))} re-run since: "
                  f"`{p['command']}` (wall time {p['wall_seconds']:.0f} s); machine: "
                  + "; ".join(f"{k} {v}" for k, v in p["machine"].items()), ""]
    lines.append(table([Figure(**f) for f in rows]))
    (out_dir / "results.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller samples")
    parser.add_argument("--skip-libreoffice", action="store_true",
                        help="run sections 1, 2, 4 and the report build; no validation")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for results.md/json")
    parser.add_argument("--baseline", default=BASELINE,
                        help=f"git revision measured as 'before' in sections 5-8 ({BASELINE})")
    parser.add_argument("--sections", type=_sections, default=ALL_SECTIONS,
                        help="comma-separated section numbers to run, e.g. 6,7 (default: all); "
                             "their figures replace those sections' rows in results.md/json, "
                             "the other rows stay as the last run left them")
    parser.add_argument("--mc-child", choices=("baseline", "simulate"), help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.mc_child:
        _mc_child(opts.mc_child)
        return 0
    if opts.child:
        print(json.dumps(CHILDREN[opts.child](opts.quick)))
        return 0
    from xl_corridor.validate.libreoffice import find_soffice

    libreoffice = not opts.skip_libreoffice and bool(opts.sections & {3, 8})
    if libreoffice and find_soffice() is None:
        print("LibreOffice (soffice) is not installed: install it, or run with "
              "--skip-libreoffice for sections 1, 2 and 4", file=sys.stderr)
        return 2
    sections: frozenset[int] = opts.sections
    start = time.perf_counter()
    # first: RUSAGE_CHILDREN must see these children before any other
    memory = mc_memory() if 2 in sections else {}
    info = machine()
    if libreoffice:
        info["libreoffice"] = libreoffice_version()
    info["mode"] = "quick" if opts.quick else "full"
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    figures: list[Figure] = []
    old = baseline_tree(opts.baseline)
    info["baseline"] = opts.baseline
    for name, numbers, run in (
            ("1 grid", {1}, lambda: bench_grid(opts.quick)),
            ("2 Monte Carlo", {2}, lambda: bench_mc(opts.quick, memory)),
            ("3 reports", {3}, lambda: bench_reports(opts.quick, libreoffice)),
            ("4 adapter", {4}, lambda: bench_adapter(opts.quick)),
            ("5-8 before/after", {5, 6, 7, 8},
             lambda: bench_old_new(opts.quick, libreoffice, old, sections))):
        if not sections & numbers:
            continue
        t0 = time.perf_counter()
        got = run()
        figures += got
        print(f"[{name}: {time.perf_counter() - t0:.0f} s]", flush=True)
        for f in got:
            print(f"  {f.what}: {f.measured}" + (f" | target {f.target}" if f.target else "")
                  + (f" | {f.ratio}" if f.ratio else "")
                  + ("" if f.ok is None else f" | {'met' if f.ok else 'NOT MET'}"), flush=True)
    shutil.rmtree(old, ignore_errors=True)
    wall = time.perf_counter() - start
    print()
    print(table(figures))
    print(f"Total wall time {wall:.0f} s")
    if sections == ALL_SECTIONS:
        write(opts.out, info, figures, argv, wall)
    else:
        merge(opts.out, info, figures, argv, wall, sections)
    print(f"Wrote {opts.out / 'results.md'} and {opts.out / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
