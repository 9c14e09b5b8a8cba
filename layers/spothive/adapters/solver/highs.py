"""HiGHS (highspy) implementation of the domain's ``MilpSolver`` Protocol."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator, Sequence

import highspy
import numpy as np

from spothive.domain.packing.milp import MilpModel, MilpResult

_banner_lock = threading.Lock()
_banner_shown = False


@contextlib.contextmanager
def _stdout_to_devnull() -> Iterator[None]:
    """Point file descriptor 1 at /dev/null for the block (the banner is written by C++, not Python)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def new_highs() -> highspy.Highs:
    """A ``Highs`` instance without its start-up banner on stdout.

    HiGHS prints its banner from the first constructor call of a process, before any option can be
    set; stdout must stay clean for machine-readable output (``spothive plan > plan.json``)."""
    global _banner_shown
    with _banner_lock:
        if _banner_shown:
            return highspy.Highs()
        try:
            with _stdout_to_devnull():
                return highspy.Highs()
        finally:
            _banner_shown = True


class HighsSolver:
    """Solve a ``MilpModel`` with HiGHS under a time limit, warm-started when a solution is given."""

    def __init__(self, threads: int = 1) -> None:
        self.threads = threads

    def solve(
        self, model: MilpModel, time_limit_s: float, warm_start: Sequence[float] | None = None
    ) -> MilpResult:
        """Build, solve and read back; never raises for solver failures (status ``error``)."""
        h = new_highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", float(time_limit_s))
        h.setOptionValue("threads", self.threads)
        h.setOptionValue("mip_rel_gap", 1e-6)
        inf = highspy.kHighsInf
        n = len(model.costs)
        h.addVars(n, np.array(model.lower, dtype=np.float64), np.array(model.upper, dtype=np.float64))
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(model.costs, dtype=np.float64))
        ints = [i for i, flag in enumerate(model.integer) if flag]
        if ints:
            h.changeColsIntegrality(
                len(ints),
                np.array(ints, dtype=np.int32),
                np.array([highspy.HighsVarType.kInteger] * len(ints)),
            )
        if model.rows:
            starts, index, values = [], [], []
            for idx, coefs, _, _ in model.rows:
                starts.append(len(index))
                index.extend(idx)
                values.extend(coefs)
            lows = [-inf if lo == float("-inf") else lo for _, _, lo, _ in model.rows]
            highs = [inf if hi == float("inf") else hi for _, _, _, hi in model.rows]
            h.addRows(
                len(model.rows),
                np.array(lows, dtype=np.float64),
                np.array(highs, dtype=np.float64),
                len(index),
                np.array(starts, dtype=np.int32),
                np.array(index, dtype=np.int32),
                np.array(values, dtype=np.float64),
            )
        if warm_start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = list(warm_start)
            sol.value_valid = True
            h.setSolution(sol)
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        values = list(h.getSolution().col_value)
        if status == highspy.HighsModelStatus.kOptimal:
            kind = "optimal"
        elif status == highspy.HighsModelStatus.kInfeasible:
            kind = "infeasible"
        elif len(values) == n and info.primal_solution_status == 2:
            kind = "feasible"
        else:
            kind = "error"
        return MilpResult(kind, float(info.objective_function_value), values, float(info.mip_dual_bound))
