"""Learning-rate schedules: a factor of the base learning rate as a function of the epochs completed.

The engine sets every optimizer's learning rate to base × factor(epoch) before each step, with the fractional
epochs completed; a schedule is a pure function of them, so a resumed run follows it exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable

Schedule = Callable[[float], float]
BURDA_STAGES = 8


def burda(epochs: int) -> Schedule:
    """Burda et al. 2015's schedule fitted into ``epochs``: 8 stages whose lengths grow as 3^i (1, 3, 9, ... 2187
    epochs of their 3,280), stage i at 10^(−i/7) of the base rate. With ``epochs=3280`` it is theirs exactly."""
    total = (3**BURDA_STAGES - 1) / 2  # 3,280
    ends = [epochs * (3 ** (i + 1) - 1) / 2 / total for i in range(BURDA_STAGES)]

    def factor(epoch: float) -> float:
        stage = next((i for i, end in enumerate(ends) if epoch < end - 1e-9), BURDA_STAGES - 1)
        return 10 ** (-stage / 7)

    return factor


def cosine(epochs: float) -> Schedule:
    """Half a cosine from the base rate at epoch 0 to 0 at ``epochs`` (Loshchilov & Hutter 2017, no restarts): most
    of a short run near the base rate, then a smooth anneal, where Burda et al.'s stages spend two thirds of any
    budget at a tenth of it."""

    def factor(epoch: float) -> float:
        return 0.5 * (1 + math.cos(math.pi * min(epoch / epochs, 1.0)))

    return factor


SCHEDULES: dict[str, Callable[[int], Schedule]] = {"burda": burda, "cosine": cosine}


def named(name: str | None, epochs: float) -> Schedule | None:
    """The schedule ``name`` (a key of ``SCHEDULES``) fitted into ``epochs``; None for None: ``lr`` throughout."""
    return SCHEDULES[name](epochs) if name else None
