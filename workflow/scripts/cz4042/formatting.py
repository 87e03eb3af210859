"""How the tables print a number: one place, so every table shows an accuracy alike."""

from __future__ import annotations

import math


def missing(value) -> bool:
    """None or NaN: a cell the tables print as a dash."""
    try:
        return value is None or math.isnan(value)
    except TypeError:  # a string or another non-number is a value, not a gap
        return False


def pct(mean: float, sd: float = math.nan, n: int | None = None) -> str:
    """An accuracy in percent, one decimal: `53.8`, `53.8 ± 1.2`, `53.8 ± 1.2 (n=3)`."""
    if missing(mean):
        return "—"
    text = f"{100 * mean:.1f}" + ("" if missing(sd) else f" ± {100 * sd:.1f}")
    return text + (f" (n={n})" if n else "")
