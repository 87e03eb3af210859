import math

import numpy as np

from cz4042.formatting import missing, pct


def test_an_accuracy_prints_in_percent_with_its_sd_and_seeds_when_known():
    assert pct(0.5384) == "53.8"
    assert pct(0.5384, 0.0123) == "53.8 ± 1.2"
    assert pct(0.5384, 0.0123, 3) == "53.8 ± 1.2 (n=3)"
    assert pct(np.float32(0.25), math.nan, 1) == "25.0 (n=1)"


def test_a_missing_number_prints_as_a_dash_and_a_string_is_not_missing():
    assert pct(math.nan) == "—" and pct(None) == "—"
    assert missing(np.float64("nan")) and not missing(0.0) and not missing("c")
