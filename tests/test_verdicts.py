"""The verdict rules of docs/verdicts.md, on hand-made runs."""

import math
import pathlib
import re

import pandas as pd
import pytest

from cz4042 import claims, explain, reproduction_tables, verdict_markdown, verdicts

RULES = verdicts.Rules(statistic="final", accuracy_band=0.03, loss_factor=3, near_zero_loss=0.01, time_factor=1.3, min_seeds=3,
                       unstable_seeds=5, confidence=0.95)
PROTOCOL = {
    "partB": {"epochs": 500, "batch_size": 128, "train_examples": 5600, "optimizer": {"name": "adam", "lr": 0.01},
              "precision": "fp32", "dropout": 0, "grad_clip": None},
    "rows": {"sib": {"dropout": 0.5}},
}
REFERENCE = pd.DataFrame([
    {"part": "partB", "table": "partB_dropout", "variant": "near", "label": "Near", "test_accuracy": 0.80, "train_seconds": 100.0,
     "final_train_loss": 0.5, "same_number_as": None},
    {"part": "partB", "table": "partB_dropout", "variant": "gap", "label": "Gap", "test_accuracy": 0.40, "train_seconds": None,
     "final_train_loss": 1.9e-5, "same_number_as": None},
    {"part": "partB", "table": "partB_dropout", "variant": "sib", "label": "Sibling", "test_accuracy": 0.70, "train_seconds": None,
     "final_train_loss": None, "same_number_as": None},
    {"part": "partB", "table": "partB_dropout", "variant": "wide", "label": "Wide", "test_accuracy": 0.81, "train_seconds": None,
     "final_train_loss": None, "same_number_as": None},
    {"part": "partB", "table": "partB_rnn_variants", "variant": "near", "label": "Near again", "test_accuracy": 0.80,
     "train_seconds": None, "final_train_loss": None, "same_number_as": "partB_dropout near"},
])


def run(variant, seed, final, loss=0.4, started="2026-12-01T00:00:00+00:00", **protocol):
    base = {"epochs": 500, "batch_size": 128, "train_examples": 5600, "optimizer": {"name": "adam", "lr": 0.01},
            "precision": "fp32", "dropout": 0.5 if variant.startswith("sib") else 0, "grad_clip": None}
    base.update(protocol)
    return {"variant": variant, "seed": seed, "final": final, "best": final + 0.02, "last10": final,
            "unscaled": math.nan, "loss_mean": loss, "loss_last_batch": loss * 2, "seconds": 50.0,
            "started": started, "device": "cpu", "torch": "2.13.0", "threads": 1, "history_path": "", **base}


def seeds(variant, finals, **kw):
    return [run(variant, i + 1, f, **kw) for i, f in enumerate(finals)]


HYPOTHESES = {
    # fits `gap` with 3 seeds and leaves `sib` where it was: explains gap
    "good": {"registered": "2026-11-30T00:00Z", "claim": "c", "switch": {"x": 1}, "touches": ["gap", "sib"]},
    # fits `gap` but pushes `sib` far from the report: inconsistent
    "greedy": {"registered": "2026-11-30T00:00Z", "claim": "c", "switch": {"x": 2}, "touches": ["gap", "sib"]},
    # lands inside with one seed only: explains nothing yet
    "lucky": {"registered": "2026-11-30T00:00Z", "claim": "c", "switch": {"x": 3}, "touches": ["gap"]},
}
RUN_ROWS = (
    seeds("near", [0.79, 0.80, 0.81], loss=0.3)
    + seeds("gap", [0.62, 0.63, 0.61], loss=2.44e-6)
    + seeds("sib", [0.71, 0.70, 0.72])
    # wide: one seed collapsed; no seed within 3 points of the report's 81
    + seeds("wide", [0.556, 0.856, 0.850], unscaled=0.80)
    + seeds("gap_good", [0.41, 0.40, 0.42], loss=2e-5) + seeds("sib_good", [0.71, 0.70, 0.72])
    + seeds("gap_greedy", [0.40, 0.41, 0.40]) + seeds("sib_greedy", [0.30, 0.31, 0.29])
    + seeds("gap_lucky", [0.41])
    # a run of another protocol never counts
    + [run("near", 4, 0.10, optimizer={"name": "sgd", "lr": 0.01}), run("near", 5, 0.10, precision="bf16")]
)
RUNS = pd.DataFrame(RUN_ROWS)


STARTER = {"gap": reproduction_tables.WorldRow("gap_good", {"x": 1}, "2026-11-30T00:00Z", None, "2026-11-30T00:00Z"),
           "wide": reproduction_tables.WorldRow("wide", {}, "2026-11-30T00:00Z", "unscaled", "2026-12-01T00:00Z")}


@pytest.fixture(scope="module")
def built():
    table, effects = reproduction_tables.reproduction_table(
        REFERENCE, RUNS, {}, PROTOCOL, HYPOTHESES, {"starter": STARTER},
        pd.DataFrame(columns=["row", "metric", "number"]), RULES)
    return table.set_index(["table", "variant", "metric"]), effects


def verdict(built, variant, metric="test_accuracy", table="partB_dropout"):
    return built[0].loc[(table, variant, metric)]


def test_within_the_fixed_band_is_reproduced_and_other_protocols_do_not_count(built):
    near = verdict(built, "near")
    assert near["verdict"] == "reproduced" and near["seeds"] == 3  # the sgd and bf16 runs are left out
    assert near["ci_low"] == pytest.approx(0.80 - 4.3027 * 0.01 / math.sqrt(3), abs=1e-4)


def test_a_collapsed_seed_does_not_widen_the_band(built):
    """55.6 / 85.6 / 85.0 against 81: the mean is 5.6 points off, and no sd widens the
    3-point band: within our seed range, not reproduced, and it needs 5 seeds."""
    wide = verdict(built, "wide")
    assert wide["verdict"] == "within our seed range"
    assert "needs 5 seeds" in wide["flags"]


def test_a_number_printed_twice_is_counted_once(built):
    twin = verdict(built, "near", table="partB_rnn_variants")
    assert not twin["counted"] and twin["verdict"] == "reproduced"
    counts = verdicts.verdict_counts(built[0].reset_index())
    assert len(built[0]) == 8 and sum(counts.values()) == built[0]["counted"].sum() == 7


def test_a_consistent_hypothesis_with_enough_seeds_explains_its_row(built):
    assert verdict(built, "gap")["verdict"] == "explained by good"
    assert explain.judge("good", built[1]) == ("consistent: fits gap, sib", ["gap", "sib"])


def test_a_hypothesis_that_breaks_its_sibling_is_inconsistent_and_explains_nothing(built):
    status, rows = explain.judge("greedy", built[1])
    assert status == "inconsistent: fits gap; breaks sib" and rows == []


def test_a_single_seed_ablation_explains_nothing(built):
    status, rows = explain.judge("lucky", built[1])
    assert status.startswith("incomplete: gap (needs seeds)") and rows == []


def test_a_hypothesis_on_a_row_whose_sd_exceeds_the_band_needs_its_five_seeds():
    """`wide` (55.6 / 85.6 / 85.0, sd 17) needs 5 seeds: three steady seeds of a hypothesis
    landing inside the band of its 81 % explain nothing yet."""
    runs = pd.DataFrame(RUN_ROWS + seeds("wide_steady", [0.80, 0.81, 0.82]))
    steady = {"steady": {"registered": "2026-11-30T00:00Z", "claim": "c", "switch": {"x": 5}, "touches": ["wide"]}}
    effects = explain.effects(runs, PROTOCOL, {"wide": 0.81}, {"wide": "partB"}, steady, RULES)
    assert effects[0].status == "inside" and effects[0].provisional
    assert explain.judge("steady", effects) == ("incomplete: wide (needs seeds)", [])


def test_a_run_made_before_its_hypothesis_was_registered_explains_nothing():
    early = pd.DataFrame(RUN_ROWS + seeds("gap_late", [0.40, 0.40, 0.41], started="2026-11-01T00:00:00+00:00"))
    late = {"late": {"registered": "2026-11-30T00:00Z", "claim": "c", "switch": {"x": 4}, "touches": ["gap"]}}
    effects = explain.effects(early, PROTOCOL, {"gap": 0.40}, {"gap": "partB"}, late, RULES)
    assert explain.judge("late", effects) == ("incomplete: gap (run before registration)", [])


def test_losses_by_a_fixed_factor_and_both_near_zero_is_not_reproduced(built):
    """2.44e-6 against 1.9e-5 is x7.8: both near zero, its own verdict; a hypothesis
    that explains the row's accuracy explains its loss only within the factor."""
    assert verdicts.plain_verdict("final_train_loss", 1.9e-5, verdicts.Stats(2.44e-6, 0, 3, 0, 0), RULES) \
        == "both near zero"
    assert verdict(built, "gap", "final_train_loss")["verdict"] == "explained by good"  # 2e-5 vs 1.9e-5
    assert verdict(built, "near", "final_train_loss")["verdict"] == "reproduced"  # 0.3 vs 0.5


def test_times_are_not_comparable_and_every_reading_is_a_column(built):
    assert verdict(built, "near", "train_seconds")["verdict"] == "not comparable"
    near = verdict(built, "near")
    assert near["best_mean"] == pytest.approx(0.82) and near["loss_last_batch_mean"] == pytest.approx(0.6)


def test_a_world_judges_its_own_variant_of_a_row(built):
    gap = verdict(built, "gap")
    assert gap["starter_ours"] == pytest.approx(0.41) and gap["starter_verdict"] == "reproduced"
    assert verdict(built, "near")["starter_variant"] == "near"


def test_the_summary_says_how_many_reproduced_are_provisional_or_rest_on_runs_before_the_world():
    """`wide`'s runs started at the moment the world was composed (after); `gap`'s world
    runs (its accuracy and its loss) before: they count as reproduced, but not as made after."""
    runs = RUNS.assign(started=RUNS["started"].where(RUNS["variant"] != "gap_good", "2026-11-30T12:00:00+00:00"))
    worlds = {"starter": {"gap": reproduction_tables.WorldRow("gap_good", {"x": 1}, "2026-11-30T00:00Z", None,
                                                            "2026-12-01T00:00Z"),
                          "wide": reproduction_tables.WorldRow("wide", {}, "2026-11-30T00:00Z", "unscaled",
                                                               "2026-12-01T00:00Z")}}
    table, _ = reproduction_tables.reproduction_table(REFERENCE, runs, {}, PROTOCOL, HYPOTHESES, worlds,
                                                      pd.DataFrame(columns=["row", "metric", "number"]), RULES)
    lines = verdict_markdown.summary_lines(table, ["starter"])
    assert lines[1].endswith("Of those reproduced, 0 provisional; 3 on rows the world changes, 1 of them only on "
                             "runs made after the world was composed.")
    assert "Of those reproduced, 0 provisional." in lines[0]


def test_a_row_added_to_a_hypothesis_later_counts_runs_only_from_then():
    """`good` touched only `gap` when registered; `sib` joined its list on 2026-12-02,
    after the sibling's runs (2026-12-01): those runs were made before its registration."""
    late = {**HYPOTHESES["good"], "added": {"sib": "2026-12-02T00:00Z"}}
    effects = explain.effects(RUNS, PROTOCOL, {"gap": 0.40, "sib": 0.70}, {"gap": "partB", "sib": "partB"},
                              {"good": late}, RULES)
    assert [e.status for e in effects] == ["inside", "run before registration"]
    assert explain.effects_table(effects, {"good": late})["registered"].tolist() == ["2026-11-30T00:00Z",
                                                                                    "2026-12-02T00:00Z"]


def test_a_world_reading_reads_its_column_of_the_rows_own_runs(built):
    wide = verdict(built, "wide")
    assert wide["starter_variant"] == "wide" and wide["starter_ours"] == pytest.approx(0.80)
    assert wide["starter_verdict"] == "reproduced" and wide["verdict"] == "within our seed range"
    assert wide["starter_reading"] == "unscaled" and verdict(built, "gap")["starter_reading"] == ""
    shown = verdict_markdown.reproduction_markdown(built[0].reset_index(), ["starter"], "T", [], 3)
    assert "| 80.0 (n=3) unscaled: reproduced |" in shown


def test_the_protocol_match_takes_a_switch_into_account():
    switch_runs = pd.DataFrame([run("gap_full", 1, 0.4, batch_size="full")])
    expected = verdicts.expected_protocol(PROTOCOL, "partB", "gap", {"batch_size": "full", "gradient_chunk": 128})
    assert verdicts.matches(switch_runs, expected).all()
    assert not verdicts.matches(switch_runs, verdicts.expected_protocol(PROTOCOL, "partB", "gap")).any()


def test_claims_are_judged_holds_contradicted_undecided_or_not_run():
    table = pd.DataFrame([
        {"id": "1", "section": "s", "quote": "q", "kind": "higher", "a": "near", "b": "gap", "epoch": None},
        {"id": "2", "section": "s", "quote": "q", "kind": "higher", "a": "gap", "b": "near", "epoch": None},
        {"id": "3", "section": "s", "quote": "q", "kind": "higher", "a": "sib", "b": "sib_good", "epoch": None},
        {"id": "4", "section": "s", "quote": "q", "kind": "not_higher", "a": "sib", "b": "sib_good", "epoch": None},
        {"id": "5", "section": "s", "quote": "q", "kind": "best_of", "a": "gap", "b": "near sib", "epoch": None},
        {"id": "6", "section": "s", "quote": "q", "kind": "higher", "a": "adam", "b": "near", "epoch": None},
        # the best by less than the band is no best; a row whose sd exceeds the band is provisional
        {"id": "7", "section": "s", "quote": "q", "kind": "best_of", "a": "sib", "b": "sib_good gap", "epoch": None},
        {"id": "8", "section": "s", "quote": "q", "kind": "higher", "a": "near", "b": "wide", "epoch": None},
        # a stated gain: 80 vs 62 is +18 points, within the band of 16, not of 12
        {"id": "9", "section": "s", "quote": "q", "kind": "higher_by", "a": "near", "b": "gap", "epoch": None,
         "points": 16},
        {"id": "10", "section": "s", "quote": "q", "kind": "higher_by", "a": "near", "b": "gap", "epoch": None,
         "points": 12},
    ])
    judged = claims.judge_claims(table, RUNS[:18], {}, {}, RULES).set_index("id")["verdict"]
    assert judged.to_dict() == {"1": "holds", "2": "contradicted", "3": "undecided", "4": "holds",
                                "5": "contradicted", "6": "not run", "7": "undecided",
                                "8": "holds (provisional: wide: sd 17.1 > band: needs 5 seeds)", "9": "holds",
                                "10": "contradicted"}


def test_a_time_claim_is_not_made_provisional_by_an_accuracy_spread():
    runs = pd.DataFrame([{**r, "epoch_seconds": 1.0 if r["variant"] == "wide" else 2.0} for r in RUN_ROWS[:12]])
    claim = {"id": "t", "section": "s", "quote": "q", "kind": "faster", "a": "wide", "b": "near", "epoch": None}
    assert claims.judge_claims(pd.DataFrame([claim]), runs, {}, {}, RULES)["verdict"].tolist() == ["holds"]


@pytest.mark.parametrize("change, message", [
    ({"kind": "higher_than"}, "claim x: unknown kind 'higher_than'"),
    ({"kind": "higher_by"}, "claim x: higher_by needs `points`, the gain it states (> 0)"),
    ({"b": None}, "claim x: higher compares `a` with `b`; `b` is empty"),
    ({"kind": "loss_spike"}, "claim x: loss_spike needs `epoch`"),
])
def test_a_malformed_claim_is_refused_naming_it(change, message):
    from cz4042.errors import PipelineError

    claim = {"id": "x", "section": "s", "quote": "q", "kind": "higher", "a": "near", "b": "gap", "epoch": None,
             "points": None, **change}
    with pytest.raises(PipelineError, match=re.escape(f"report_claims.csv: {message}")):
        claims.judge_claims(pd.DataFrame([claim]), RUNS, {}, {}, RULES)


def test_a_row_short_of_seeds_says_what_its_runs_would_take():
    costs = pd.DataFrame([{"variant": "gap", "device": "cpu-2threads", "seconds_per_epoch": 7.2},
                          {"variant": "gap", "device": "h200", "seconds_per_epoch": 0.12}])
    one = verdicts.Stats(0.6, math.nan, 1, 0.6, 0.6)
    text = reproduction_tables.missing_runs(costs, "gap", "test_accuracy", one, 500, RULES)
    assert text == "2 seed(s) x 500 epochs: 2.0 h on cpu-2threads; 2 seed(s) x 500 epochs: 2 min on h200"
    assert reproduction_tables.missing_runs(costs, "gap", "test_accuracy", verdicts.Stats(0.6, 0, 3, 0.6, 0.6),
                                            500, RULES) == ""


def test_a_record_counts_only_as_its_variant_is_configured_now():
    """Model arguments and the training protocol must equal config's view of the variant:
    a char run recorded with another field, or a word run with another cell, is not it."""
    protocol = {"epochs": 500, "batch_size": 128, "optimizer": {"name": "adam", "lr": 0.01}, "eval_batch_size": 1000}
    views = {"char_cnn": {"model": "char_cnn", "model_args": {}, "protocol": {**protocol, "char_field": "text"}},
             "word_rnn": {"model": "word_rnn", "model_args": {}, "protocol": protocol},
             "adam": {"model": "cifar_cnn", "model_args": {"f3": 300}, "protocol": protocol,
                      "protocol_overrides": {"optimizer": {"name": "adam", "lr": 0.001}}}}
    runs = pd.DataFrame([
        {"variant": "char_cnn", "model_args": {}, "recorded_protocol": protocol},  # an old record: the paragraph
        {"variant": "char_cnn", "model_args": {}, "recorded_protocol": {**protocol, "char_field": "title"}},
        {"variant": "word_rnn", "model_args": {"vocab_size": 9000}, "recorded_protocol": {**protocol, "eval_batch_size": 7}},
        {"variant": "word_rnn", "model_args": {"cell": "lstm", "vocab_size": 9000}, "recorded_protocol": protocol},
        {"variant": "adam", "model_args": {"f3": 300, "c1": 256, "c2": 512},
         "recorded_protocol": {**protocol, "optimizer": {"name": "adam", "lr": 0.001}}},
        {"variant": "adam", "model_args": {"f3": 300, "c1": 256, "c2": 512}, "recorded_protocol": protocol},
        {"variant": "unknown", "model_args": {}, "recorded_protocol": protocol},
    ])
    assert verdicts.as_configured(runs, views).tolist() == [True, False, True, False, True, False, False]


def test_a_run_of_unknown_start_or_resumed_after_registration_counts_as_before():
    assert verdicts.earliest_start({"started": None, "total_seconds": 5}) is None
    resumed = {"started": "2026-12-01T10:00:00+00:00", "ended": "2026-12-01T11:00:00+00:00", "total_seconds": 7200}
    assert verdicts.earliest_start(resumed).startswith("2026-12-01T09:00")
    runs = pd.DataFrame({"started": [None, "2026-12-01T09:00:00+00:00", "2026-12-01T12:00:00+00:00"]})
    assert explain.started_after(runs, "2026-12-01T10:00Z").tolist() == [False, False, True]


def test_a_loss_spike_is_large_in_factor_and_in_size():
    import numpy as np

    quiet = pd.DataFrame({"epoch": np.arange(1, 501), "train_loss": np.full(500, 1e-4)})
    jitter = quiet.assign(train_loss=np.where(quiet["epoch"] == 350, 5e-3, 1e-4))  # x50, but tiny
    spike = quiet.assign(train_loss=np.where(quiet["epoch"] == 360, 2.0, 1e-4))
    assert claims.loss_spike("adam", 350, {"adam": [jitter]})[0] == "contradicted"
    assert claims.loss_spike("adam", 350, {"adam": [spike]})[0] == "holds"


def test_a_speed_claim_reads_each_runs_fastest_epoch_and_needs_the_time_factor():
    def timed(variant, epoch_seconds, total):
        return [{**run(variant, seed, 0.5), "epoch_seconds": epoch_seconds, "seconds": total} for seed in (1, 2, 3)]
    # `busy` took longest in all (it shared the machine) but its fastest epoch is quickest.
    runs = pd.DataFrame(timed("busy", 1.0, 900.0) + timed("idle", 1.5, 600.0) + timed("close", 1.1, 500.0))
    said = lambda a, b: claims.compare("faster", a, b, runs, RULES)  # noqa: E731
    assert said("busy", "idle")[0] == "holds"
    assert said("idle", "busy")[0] == "contradicted"
    assert said("busy", "close")[0] == "undecided"
    assert "whole runs 900 s vs 600 s" in said("busy", "idle")[1]


def test_a_claim_is_also_judged_on_the_reports_own_numbers_by_the_same_rules():
    """The report's Part A dropout claim (45.0 'higher than' 49.1) fails on its own table;
    a curve claim has no printed numbers; a name the report does not print says so."""
    reference = pd.DataFrame([{"variant": "dropout", "test_accuracy": 0.45, "train_seconds": None},
                              {"variant": "grid_best", "test_accuracy": 0.491, "train_seconds": None},
                              {"variant": "char", "test_accuracy": 0.40, "train_seconds": 26241.0},
                              {"variant": "word", "test_accuracy": 0.82, "train_seconds": 2716.0}])
    table = pd.DataFrame([
        {"id": "d", "section": "s", "quote": "q", "kind": "higher", "a": "dropout", "b": "grid_best", "epoch": None},
        {"id": "t", "section": "s", "quote": "q", "kind": "faster", "a": "word", "b": "char", "epoch": None},
        {"id": "c", "section": "s", "quote": "q", "kind": "loss_spike", "a": "word", "b": None, "epoch": 350},
        {"id": "m", "section": "s", "quote": "q", "kind": "higher", "a": "momentum", "b": "word", "epoch": None},
    ])
    judged = claims.judge_claims(table, RUNS.assign(epoch_seconds=1.0), {}, {}, RULES, reference)
    judged = judged.set_index("id")["report_numbers"]
    assert judged.to_dict() == {"d": "contradicted: dropout 45.0 vs grid_best 49.1: -4.1 pts",
                                "t": "holds: word 2716 s vs char 26241 s: x9.66", "c": "—", "m": "not printed"}


def test_similar_loss_holds_only_within_the_loss_factor_early_and_at_every_50th_epoch():
    import numpy as np

    epochs = np.arange(1, 501)
    base = pd.DataFrame({"epoch": epochs, "train_loss": 2.0 / epochs})
    close = base.assign(train_loss=base["train_loss"] * 2.5)  # x2.5 everywhere: within x3
    apart = base.assign(train_loss=np.where(epochs == 250, base["train_loss"] * 4, base["train_loss"]))
    histories = {"gd": [base], "close": [close], "apart": [apart]}
    assert claims.similar_loss("close", "gd", histories, RULES)[0] == "holds"
    verdict, said = claims.similar_loss("apart", "gd", histories, RULES)
    assert verdict == "contradicted" and "epoch 250" in said
    assert claims.similar_loss("momentum", "gd", histories, RULES)[0] == "not run"
    early = base.assign(train_loss=np.where(epochs == 5, base["train_loss"] * 4, base["train_loss"]))
    assert claims.similar_loss("early", "gd", {**histories, "early": [early]}, RULES)[0] == "contradicted"
    tiny = pd.DataFrame({"epoch": epochs, "train_loss": 1e-6}), pd.DataFrame({"epoch": epochs, "train_loss": 1e-4})
    assert claims.similar_loss("t0", "t1", {"t0": [tiny[0]], "t1": [tiny[1]]}, RULES)[0] == "holds"  # both ~0
    short = {"s": [base.head(3)], "gd": [base.head(3)]}
    assert claims.similar_loss("s", "gd", short, RULES)[0] == "holds"  # epoch 1 is compared
    assert claims.similar_loss("s", "gd", {"s": [base.iloc[[1]]], "gd": [base.iloc[[1]]]}, RULES)[0] == "not run"


def test_a_report_accuracy_no_count_over_the_test_set_gives_is_a_caveat_not_a_verdict():
    """7.37 % and 5.26 % are k/700 for no k (51/700 = 7.29, 52/700 = 7.43); 88 % and 66.3 %
    are (616/700, 464/700 = 66.29); the caveat leaves the verdict as it is."""
    assert not verdicts.is_a_count(0.0737, 700) and not verdicts.is_a_count(0.0526, 700)
    assert verdicts.is_a_count(0.88, 700) and verdicts.is_a_count(0.663, 700) and verdicts.is_a_count(0.491, 700)
    assert not verdicts.is_a_count(0.0737, 2000) and verdicts.is_a_count(0.35, 2000)
    main = verdicts.Stats(0.082, 0.011, 3, 0.071, 0.093, 0.081)
    assert verdicts.caveats("test_accuracy", 0.0737, main, 700, RULES) == ["report 7.37 % is not k/700 for any k"]
    assert verdicts.caveats("final_train_loss", 0.0737, main, 700, RULES) == []


def test_a_spread_wider_than_the_band_at_full_seeds_is_a_caveat_when_the_median_disagrees():
    """Five seeds, one collapsed: the mean 74.3 lies inside 75.6's band, the median 78.9 not."""
    finals = pd.Series([0.594, 0.789, 0.741, 0.793, 0.800])
    lstm = verdicts.seed_stats(pd.DataFrame({"variant": "l", "final": finals}), "l", "final")
    assert lstm.n == 5 and lstm.median == pytest.approx(0.789)
    assert verdicts.caveats("test_accuracy", 0.756, lstm, None, RULES) == [
        "sd 8.7 > band at n=5; median 78.9 outside the band"]
    assert verdicts.flags("test_accuracy", lstm, RULES) == []  # the verdict stays final
    assert verdicts.caveats("test_accuracy", 0.70, lstm, None, RULES) == []  # both outside: nothing to weigh


def test_a_hypothesis_whose_own_sd_exceeds_the_band_is_provisional_short_of_5_seeds():
    stable, spread = verdicts.Stats(0.77, 0.02, 3, 0.75, 0.79), verdicts.Stats(0.77, 0.038, 3, 0.73, 0.81)
    assert explain.seeds_needed(stable, stable, RULES) == 3
    assert explain.seeds_needed(stable, spread, RULES) == 5
    assert explain.seeds_needed(spread, stable, RULES) == 5


def test_peers_give_a_range_beside_the_report_and_an_unverified_number_stays_out_of_it():
    peers = pd.DataFrame([
        {"row": "baseline", "metric": "accuracy", "number": 0.397, "protocol_note": "final acc"},
        {"row": "baseline", "metric": "accuracy", "number": 0.507, "protocol_note": "early stopping"},
        {"row": "baseline", "metric": "accuracy", "number": 0.548, "protocol_note": "UNVERIFIED column: 4th"},
        {"row": "other", "metric": "accuracy", "number": 0.10, "protocol_note": ""},
    ])
    found = reproduction_tables.peer_columns(peers, "baseline", "test_accuracy", 0.35, RULES.accuracy_band)
    assert found == {"peers": 2, "peer_low": 0.397, "peer_high": 0.507, "report_outside_peers": True,
                     "peers_unverified": 1, "peer_inputs": ""}
    inside = reproduction_tables.peer_columns(peers, "baseline", "test_accuracy", 0.38, RULES.accuracy_band)
    assert not inside["report_outside_peers"]  # 38 is within the band of 39.7
    assert verdict_markdown.peers(*found.values()) == "39.7–50.7 (n=2) report outside by > band (+1 unverified)"


def test_peers_reading_the_chars_differently_are_ranged_apart():
    """66.3 lies inside the mixed range 42.0-70.0 but outside both the title peers'
    (42.0-42.1) and the paragraph peer's (70.0, by 3.7 points): outside."""
    peers = pd.DataFrame([
        {"row": "char_rnn", "metric": "accuracy", "number": 0.420, "char_input": "title", "protocol_note": ""},
        {"row": "char_rnn", "metric": "accuracy", "number": 0.421, "char_input": "title", "protocol_note": ""},
        {"row": "char_rnn", "metric": "accuracy", "number": 0.700, "char_input": "paragraph", "protocol_note": ""},
    ])
    found = reproduction_tables.peer_columns(peers, "char_rnn", "test_accuracy", 0.663, RULES.accuracy_band)
    assert found["report_outside_peers"] and found["peer_inputs"] == "title: 42.0–42.1 (n=2); paragraph: 70.0 (n=1)"
    near = reproduction_tables.peer_columns(peers, "char_rnn", "test_accuracy", 0.68, RULES.accuracy_band)
    assert not near["report_outside_peers"]


def test_every_peer_number_names_a_report_row_and_an_accuracy_is_a_fraction():
    from cz4042.config import report_rows

    peers = pd.read_csv(pathlib.Path(__file__).parents[1] / "workflow/reference/peers.csv")
    assert set(peers["row"]) <= report_rows(), set(peers["row"]) - report_rows()
    assert set(peers["metric"]) <= {"accuracy", "seconds"} and peers["repository"].str.contains("/").all()
    assert peers.loc[peers["metric"] == "accuracy", "number"].between(0, 1).all()


def test_breaking_is_leaving_the_band_even_by_a_little_or_moving_away_by_more_than_it():
    """As docs/verdicts.md states: a row 2.9 points from the report moved to 3.1 breaks
    (it was reproduced and is not); a row outside moved 2 points further is only outside."""
    row = lambda mean: verdicts.Stats(mean, 0.01, 3, mean, mean)  # noqa: E731
    assert explain.row_status(0.70, row(0.729), row(0.731), False, RULES) == "breaks"
    assert explain.row_status(0.70, row(0.75), row(0.77), False, RULES) == "outside"
    assert explain.row_status(0.70, row(0.75), row(0.79), False, RULES) == "breaks"
    assert explain.row_status(0.70, row(0.75), row(0.72), False, RULES) == "inside"
