import copy
from pathlib import Path

import pytest
import yaml
from snakemake.utils import update_config

from cz4042 import config as cfg
from cz4042 import hypotheses
from cz4042.errors import PipelineError

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
CONFIG = yaml.safe_load((ROOT / "config.yaml").read_text())


def broken(path: str, value):
    config = copy.deepcopy(CONFIG)
    *parents, last = path.split(".")
    node = config
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[last] = value
    return config


def test_shipped_config_and_quick_profile_are_valid():
    cfg.validate(CONFIG, SCHEMA)
    quick = yaml.safe_load((ROOT / "overlays/quick.yaml").read_text())
    merged = copy.deepcopy(CONFIG)
    update_config(merged, quick)  # how Snakemake overlays --configfile
    cfg.validate(merged, SCHEMA)
    # the overlay replaces the keys it names and keeps the rest of each mapping
    assert merged["partA"]["protocol"]["epochs"] == quick["partA"]["protocol"]["epochs"] != CONFIG["partA"]["protocol"]["epochs"]
    assert merged["partA"]["protocol"]["batch_size"] == CONFIG["partA"]["protocol"]["batch_size"]
    assert merged["partA"]["on_best"]["adam"] == CONFIG["partA"]["on_best"]["adam"]


@pytest.mark.parametrize("path, value, message", [
    ("partA.protocol.epochs", 0, "config key partA.protocol.epochs: 0 is less than the minimum of 1"),
    ("partA.protocol.epochs", -5, "config key partA.protocol.epochs: -5 is less than the minimum of 1"),
    ("partB.protocol.batch_size", "many", "config key partB.protocol.batch_size: 'many' does not match '^full$'"),
    ("partA.colour", "red", "config key partA: Additional properties are not allowed ('colour' was unexpected)"),
    ("partB.variants.word_gru3", {"model": "transformer"}, "config key partB.variants.word_gru3.model: 'transformer' is not one of"),
    ("partA.on_best.adam.optimizer", {"name": "adagrad", "lr": 0.1}, "config key partA.on_best.adam.optimizer.name: 'adagrad' is not one of"),
    ("partA.grid.select_by", "median", "config key partA.grid.select_by: 'median' is not one of"),
    ("text_inputs.char_field", "body", "config key text_inputs.char_field: 'body' is not one of"),
])
def test_bad_values_name_the_key(path, value, message):
    assert_rejected(path, value, message)


def test_grid_cell_twice_is_rejected():
    config = copy.deepcopy(CONFIG)
    config["partA"]["grid"]["cells"].append({"c1": 32, "c2": 64})
    with pytest.raises(PipelineError, match="config key partA.grid.cells.9: cell grid_32x64 is listed twice"):
        cfg.validate(config, SCHEMA)


def test_table_rows_must_name_known_variants():
    config = broken("partB.rnn_table", ["word_rnn", "word_gru9"])
    with pytest.raises(PipelineError, match="config key partB.rnn_table.1: unknown variant 'word_gru9'"):
        cfg.validate(config, SCHEMA)


def test_a_variant_named_twice_in_yaml_is_rejected(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("partB:\n  variants:\n    word_rnn: {model: word_rnn}\n    word_rnn: {model: char_rnn}\n")
    with pytest.raises(PipelineError, match=r"c.yaml, line 4: key 'word_rnn' is given twice"):
        cfg.check_unique_keys(str(path))


def test_variant_views_carry_only_that_variant():
    run = cfg.text_run(CONFIG, "word_lstm_2layer_clipped")
    assert run["model"] == "word_rnn"
    assert run["model_args"] == {"cell": "lstm", "layers": 2}
    assert run["protocol"]["grad_clip"] == {"mode": "value", "threshold": 2}
    assert run["protocol"]["optimizer"] == {"name": "adam", "lr": 0.01}
    grid = cfg.cifar_run(CONFIG, "grid_256x512")
    assert grid["model_args"] == {"f3": 300, "init": "starter", "c1": 256, "c2": 512}
    assert cfg.cifar_run(CONFIG, "baseline_fan_in")["model_args"] == {"f3": 300, "init": "fan_in", "c1": 50, "c2": 60}
    best = cfg.on_best_run(CONFIG, "dropout")
    assert best["model_args"]["dropout"] == 0.5 and best["protocol_overrides"] == {}
    with pytest.raises(PipelineError, match="unknown Part B variant 'nope'"):
        cfg.text_run(CONFIG, "nope")


@pytest.mark.parametrize("path, value, message", [
    ("partB.variants.word_cnn", {"model": "word_cnn", "char_field": "title"},
     "config key partB.variants.word_cnn.char_field: only char models read a char field"),
    ("partB.variants.word_cnn", {"model": "word_cnn", "dropout": 0.5, "dropout_at": "inputs"},
     "config key partB.variants.word_cnn.dropout_at: 'inputs' is not a dropout site of word_cnn; valid: features, pool"),
    ("partB.variants.char_rnn", {"model": "char_rnn", "dropout_at": "pool"},
     "config key partB.variants.char_rnn.dropout_at: 'pool' is not a dropout site of char_rnn; valid: state, inputs"),
    ("partB.variants.char_cnn", {"model": "char_cnn", "cell": "lstm"},
     "config key partB.variants.char_cnn.cell: char_cnn has no recurrent cell"),
    ("partB.variants.word_rnn", {"model": "word_rnn", "readout": "c"},
     "config key partB.variants.word_rnn.readout: only an LSTM has a cell state to read (word_rnn with cell gru)"),
    ("partB.variants.word_cnn", {"model": "word_cnn", "readout": "ch"},
     "config key partB.variants.word_cnn.readout: only an LSTM has a cell state to read (word_cnn with cell none)"),
    ("hypotheses.title.touches", ["char_cnn9"],
     "config key hypotheses.title.touches.0: 'char_cnn9' is not a row of the report"),
    ("hypotheses.title.touches", ["word_cnn"],
     "config key hypotheses (word_cnn_title).char_field: only char models read a char field"),
    ("hypotheses.norm.switch", {"grad_clip": {"mode": "value", "threshold": 2}},
     "config key hypotheses.norm.switch: changes nothing on row 'word_vanilla_2layer_clipped'"),
    ("hypotheses.full_batch.touches", ["momentum"],
     "config key hypotheses.full_batch.touches.0: row 'momentum' has no fixed variant to switch"),
    ("hypotheses.unscaled.switch", {"init": "torch"},
     "config key hypotheses.unscaled: give exactly one of switch (variant keys) or reading (a column)"),
    ("hypotheses.tf1.added", {"word_cnn": "2026-12-02T02:44Z"},
     "config key hypotheses.tf1.added.word_cnn: 'word_cnn' is not in hypotheses.tf1.touches"),
    ("hypotheses.tf1.added", {"char_rnn": "2026-11-01T00:00Z"},
     "config key hypotheses.tf1.added.char_rnn: 2026-11-01T00:00Z is before hypotheses.tf1.registered"),
    ("worlds.starter_2019.joined", {"fan_in": "2026-12-02T09:00Z"},
     "config key worlds.starter_2019.joined.fan_in: 'fan_in' is not in worlds.starter_2019.hypotheses"),
    ("worlds.starter_2019.joined", {"unscaled": "2026-12-01T00:00Z"},
     "config key worlds.starter_2019.joined.unscaled: 2026-12-01T00:00Z is before worlds.starter_2019.registered"),
    ("hypotheses.full_batch.stopped", {"why": "w", "runs": {"momentum": [1]}},
     "config key hypotheses.full_batch.stopped.runs.momentum: 'momentum' is not in hypotheses.full_batch.touches"),
    ("worlds.starter_2019.hypotheses", ["title", "unscaled", "full_batch"],
     "config key worlds.starter_2019.hypotheses.2: 'full_batch' was stopped by its plan"),
    ("worlds.starter_2019.hypotheses", ["title", "tf2"],
     "config key worlds.starter_2019.hypotheses.1: no hypothesis 'tf2'"),
    ("more_seeds.rows", ["word_gru9"], "config key more_seeds.rows.0: 'word_gru9' is not a row of the report"),
    ("more_seeds.variants", ["word_lstm_norm9"],
     "config key more_seeds.variants.0: 'word_lstm_norm9' is not a hypothesis's variant"),
])
def test_switches_and_hypotheses_a_variant_cannot_use_are_rejected(path, value, message):
    assert_rejected(path, value, message)


@pytest.mark.parametrize("path, value, message", [
    ("partB.protocol.optimizer", {"name": "sgd", "lr": 0.001, "momentum": 0.9},
     "config key partB.protocol.optimizer.momentum: optimizer sgd takes no 'momentum' (it takes lr)"),
    ("partA.on_best.adam.optimizer", {"name": "adam", "lr": 0.001, "decay": 0.9},
     "config key partA.on_best.adam.optimizer.decay: optimizer adam takes no 'decay' (it takes lr, beta1, beta2, eps)"),
    ("partA.on_best.rmsprop.optimizer", {"name": "rmsprop", "lr": 0.001, "momentum": 0.9},
     "config key partA.on_best.rmsprop.optimizer.momentum: optimizer rmsprop takes no 'momentum'"),
    ("partA.on_best.rmsprop.optimizer", {"name": "rmsprop", "lr": 0.001, "semantics": "torch", "initial_accumulator": 1.0},
     "config key partA.on_best.rmsprop.optimizer.initial_accumulator: torch's RMSProp (semantics torch) has no "
     "initial accumulator"),
    ("partA.feature_map_images", [0, 2000],
     "config key partA.feature_map_images.1: test image 2000 does not exist (the test set has 2000 images"),
])
def test_settings_that_would_not_apply_are_rejected(path, value, message):
    assert_rejected(path, value, message)


def assert_rejected(path: str, value, message: str) -> None:
    """The config with `value` at `path` fails validation with a line starting `message`."""
    with pytest.raises(PipelineError) as error:
        cfg.validate(broken(path, value), SCHEMA)
    assert str(error.value).startswith(message)


def test_a_world_applies_a_reading_to_the_rows_it_touches():
    """A world with the unscaled reading reads the baseline's unscaled column (its own
    runs, after the reading's registration); a switch on the same row keeps its variant."""
    config = broken("worlds.starter_2019.hypotheses", ["title", "unscaled", "starter_layout"])
    cfg.validate(config, SCHEMA)
    rows = hypotheses.world_rows(config, "starter_2019")
    unscaled, layout = (config["hypotheses"][n]["registered"] for n in ("unscaled", "starter_layout"))
    world = config["worlds"]["starter_2019"]
    joined = world["joined"]["unscaled"]  # later than the world: its rows' runs count as made after it from then
    assert rows["momentum"] == ["momentum", {}, unscaled, "unscaled", joined]
    assert rows["baseline"] == ["baseline_starter_layout", {"cifar_layout": "starter_reshape"}, max(unscaled, layout),
                                "unscaled", joined]
    assert rows["char_cnn"][4] == world["registered"] < joined
    assert rows["char_cnn"][3] is None


def test_yaml_null_on_the_command_line_is_null_where_the_schema_admits_null():
    """`--config course_files="{cifar_train: null, ...}"` hands over 'null', a valid path
    string, so no type error says to read it as YAML; where the key admits null it is null."""
    config = copy.deepcopy(CONFIG)
    config["course_files"] = {"cifar_train": "null", "cifar_test": "~", "dbpedia_train": "data/train.csv",
                              "dbpedia_test": "NULL"}
    config["protocol_name"] = "null"  # a string key that admits no null keeps the string
    cfg.validate(config, SCHEMA)
    assert config["course_files"] == {"cifar_train": None, "cifar_test": None, "dbpedia_train": "data/train.csv",
                                      "dbpedia_test": None}
    assert config["protocol_name"] == "null"


def test_command_line_values_given_as_strings_are_read_as_yaml():
    """What `snakemake --config seeds=[1,2] dbpedia="{archive_train_rows: 5600, ...}"`
    hands over: strings inside lists and mappings."""
    config = copy.deepcopy(CONFIG)
    config["seeds"] = ["1", "2"]
    config["dbpedia"] = {**config["dbpedia"], "archive_train_rows": "5600", "archive_test_rows": "null"}
    config["partB"]["protocol"]["grad_clip"] = "null"
    cfg.validate(config, SCHEMA)
    assert config["seeds"] == [1, 2] and config["dbpedia"]["archive_train_rows"] == 5600
    assert config["dbpedia"]["archive_test_rows"] is None and config["partB"]["protocol"]["grad_clip"] is None
    config["seeds"] = ["one"]
    with pytest.raises(PipelineError, match="config key seeds.0: 'one' is not of type 'integer'"):
        cfg.validate(config, SCHEMA)


def test_a_hypothesis_derives_one_variant_per_touched_row_and_a_world_combines_them():
    """An ablation is declared once, as a hypothesis: its variants are the rows' own
    entries plus its switch; a world's variant applies every hypothesis touching a row."""
    derived = hypotheses.derived_variants(CONFIG)
    assert {n for n, a in derived.items() if a.hypotheses == ("title",)} == {
        "char_cnn_title", "char_cnn_dropout_title", "char_rnn_title", "char_rnn_dropout_title"}
    run = cfg.text_run(CONFIG, "char_cnn_dropout_title_pool")
    assert run["model_args"] == {"dropout": 0.5, "dropout_at": "pool"} and run["protocol"]["char_field"] == "title"
    world = hypotheses.world_variants(CONFIG, "starter_2019")
    assert world["word_rnn"].name == "word_rnn_tf1" and "word_cnn" not in world
    assert cfg.cifar_run(CONFIG, "baseline_full_batch")["protocol"]["batch_size"] == "full"


@pytest.mark.parametrize("path, value, message", [
    ("ablations", {"seeds": [1], "variants": {}}, "config key ablations is no longer read: use hypotheses"),
    ("partA.extra", {}, "config key partA.extra is no longer read: use hypotheses"),
    ("reproduction.tolerance", {"accuracy_points": 0.03},
     "config key reproduction.tolerance is no longer read: use reproduction.accuracy_band"),
    ("profile", "quick", "config key profile is no longer read: use protocol_name"),
])
def test_a_key_of_an_earlier_version_names_what_replaced_it(path, value, message):
    assert_rejected(path, value, message)


def test_a_hypothesis_stopped_by_its_plan_keeps_only_the_runs_it_made():
    """full_batch stopped after the baseline's seed 1: no grid variants, one seed."""
    derived = hypotheses.derived_variants(CONFIG)
    assert "baseline_full_batch" in derived and "grid_10x10_full_batch" not in derived
    assert hypotheses.stopped_seeds(CONFIG, derived["baseline_full_batch"]) == [1]
    assert hypotheses.stopped_seeds(CONFIG, derived["baseline_starter_layout"]) is None


def test_a_switch_that_joined_a_world_later_dates_the_combined_variant_from_then():
    """title + pool on char CNN + dropout: were pool to join the world after it was
    composed, that row's combined variant counts only runs made after pool joined."""
    config = broken("worlds.starter_2019.joined", {"unscaled": "2026-12-02T07:20Z", "pool": "2026-12-03T00:00Z"})
    cfg.validate(config, SCHEMA)
    rows = hypotheses.world_rows(config, "starter_2019")
    assert rows["char_cnn_dropout"][0] == "char_cnn_dropout_title_pool"
    assert rows["char_cnn_dropout"][2] == "2026-12-03T00:00Z"
    assert rows["char_cnn"][2] < "2026-12-03T00:00Z"  # title alone: its own registration
