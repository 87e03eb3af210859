import math

import pandas as pd

from cz4042.outstanding import Wanted, outstanding_markdown, outstanding_table, reading_reruns

DERIVED = {"row_title": ("row", ("title",)), "row_title_tf1": ("row", ("title", "tf1")), "cell_fast": ("cell", ("fast",))}
RUNS = pd.DataFrame({"variant": ["row", "row", "row", "row_title"], "seconds": [400.0, 500.0, 900.0, 300.0]})
COSTS = pd.DataFrame([{"variant": "cell", "device": "cpu-2threads", "seconds_per_epoch": 7.2},
                      {"variant": "cell", "device": "h200", "seconds_per_epoch": 0.12}])
EPOCHS = {"partA": 500, "partB": 500}


def wanted(family, variant, seeds, part="partB"):
    return [Wanted(family, part, variant, s, (1, 2, 3)) for s in seeds]


def table(missing):
    return outstanding_table(missing, DERIVED, RUNS, COSTS, EPOCHS).set_index("variant")


def test_each_missing_run_says_why_it_is_asked():
    found = table(wanted("partB", "row", [4, 5]) + wanted("partB", "row_title", [2, 3])
                  + wanted("partB", "row_title_tf1", [1, 2, 3]))
    assert found.loc["row", "why"] == "report row; an sd above the band, its row's or its own (more_seeds)"
    assert found.loc["row_title", "why"] == "hypothesis title on row"
    assert found.loc["row_title_tf1", "why"] == "world variant (title + tf1) of row"
    assert found.loc["row_title_tf1", "seeds"] == "1 2 3" and found.loc["row_title_tf1", "runs"] == 3


def test_a_runs_time_comes_from_its_own_records_then_its_rows_then_the_measured_costs():
    found = table(wanted("partB", "row_title", [2]) + wanted("partB", "row_title_tf1", [1])
                  + wanted("partA", "cell_fast", [1, 2], part="partA") + wanted("partB", "unknown", [1]))
    assert found.loc["row_title", "cpu_hours"] == 300 / 3600
    assert found.loc["row_title_tf1", "cpu_hours"] == 500 / 3600  # the row's median
    assert math.isclose(found.loc["cell_fast", "cpu_hours"], 2 * 7.2 * 500 / 3600)
    assert math.isclose(found.loc["cell_fast", "h200_minutes"], 2 * 0.12 * 500 / 60)
    assert math.isnan(found.loc["unknown", "cpu_hours"]) and found.loc["unknown", "cpu_source"] == "no measure"


def test_the_markdown_totals_each_family_and_says_when_nothing_is_left():
    missing = wanted("partA", "cell_fast", [1, 2], part="partA") + wanted("partB", "row", [4])
    text = outstanding_markdown(outstanding_table(missing, DERIVED, RUNS, COSTS, EPOCHS), "Left", "records/runs")
    assert "- **partA**: 2 runs, 2.0 CPU-hours here; 2 min on one H200." in text
    assert "- **partB**: 1 run, 0.1 CPU-hours here; H200 time not measured for all." in text
    empty = outstanding_table([], DERIVED, RUNS, COSTS, EPOCHS)
    assert "Nothing: every run the verdicts read has a record." in outstanding_markdown(empty, "Left", "r")


def test_a_record_that_predates_a_reading_is_asked_again():
    """The baseline's seed 1 was made before the unscaled reading (no column); seed 2 after:
    only seed 1 is asked again, so that the reading can reach the row's seeds."""
    runs = pd.DataFrame({"variant": ["base", "base", "base", "other"], "seed": [1, 2, 3, 1],
                         "unscaled": [math.nan, 0.41, 0.40, math.nan],
                         "started": ["2026-11-28T00:00:00+00:00", "2026-12-02T05:00:00+00:00",
                                     "2026-12-02T01:00:00+00:00", "2026-11-28T00:00:00+00:00"],
                         "seconds": [3000.0, 3200.0, 3100.0, 100.0]})
    # seed 3 records the column but began before the reading's time for its row
    readings = {"unscaled": {"registered": "2026-12-02T02:28Z", "reading": "unscaled", "touches": ["base"]}}
    recorded = wanted("partA", "base", [1, 2, 3], part="partA") + wanted("partA", "other", [1], part="partA")
    again = reading_reruns(recorded, runs, readings)
    assert [(w.variant, w.seed) for w in again] == [("base", 1), ("base", 3)]  # `other` is not touched
    assert again[0].rerun == "rerun: its record predates the unscaled reading"
    again = again[:1]
    found = outstanding_table(again, DERIVED, runs, COSTS, EPOCHS).set_index("variant")
    assert found.loc["base", "why"] == "rerun: its record predates the unscaled reading"
    assert found.loc["base", "cpu_hours"] == 3100 / 3600
