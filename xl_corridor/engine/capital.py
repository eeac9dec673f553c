"""Pre-production capital of a junior miner."""

from __future__ import annotations

from typing import Any

import numpy as np

from xl_corridor.engine import _checks as ck

__all__ = ["preproduction_capital"]


def preproduction_capital(
    exploration: Any,
    feasibility: Any,
    infrastructure: Any,
    regulatory: Any,
    contingency: Any = 0.0,
) -> Any:
    """Total pre-production capital I_total (Excel: CORRIDOR_CAPEX).

    Parameters
    ----------
    exploration, feasibility, infrastructure, regulatory : float or array_like
        Capital by stage, model currency, >= 0. Each may be a list of line items; it is summed.
    contingency : float or array_like, optional
        Contingency on the total, decimal in [0, 1] (0.15 for 15%). Broadcasts. Default 0.

    Returns
    -------
    float or ndarray
        :math:`I_{total} (1 + contingency)`, model currency.

    Notes
    -----
    .. math:: I_{total} = C_{exploration} + C_{feasibility} + C_{infrastructure}
              + C_{regulatory}

    References
    ----------
    .. [1] AACE International Recommended Practice 47R-11, "Cost Estimate Classification
       System - As Applied in Engineering, Procurement, and Construction for the Mining and
       Mineral Processing Industries" (contingency by estimate class).

    Examples
    --------
    >>> round(preproduction_capital(12.0, [3.5, 1.5], 240.0, 8.0, 0.15), 6)
    304.75
    """
    total = 0.0
    for name, value in (
        ("exploration", exploration),
        ("feasibility", feasibility),
        ("infrastructure", infrastructure),
        ("regulatory", regulatory),
    ):
        total += float(np.sum(ck.amount(name, value, nonnegative=True)))
    cont = ck.fraction("contingency", contingency, "a contingency between 0 and 1, such as 0.15")
    return ck.scalar_or_array(total * (1.0 + cont))
