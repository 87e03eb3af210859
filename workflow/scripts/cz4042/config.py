"""Config checks and the per-variant views the rules hand to their scripts.

The Snakefile validates `config` here before building the DAG, then asks for each
variant's hyperparameters, so that a rule's `params:` carry only what that variant
uses (and a change to one variant reruns only that variant).
"""

from __future__ import annotations

import copy

import jsonschema
import yaml

from .errors import PipelineError
from .schema import OPTIMIZER_KEYS

# Keys of a variant that describe how it is trained and fed, not the network itself;
# the last three choose its inputs (char_field: the DBpedia field the char models read;
# cifar_layout and pixel_scaling: how CIFAR rows become images).
PROTOCOL_KEYS = ("epochs", "batch_size", "drop_last", "optimizer", "grad_clip", "train_subset", "eval_batch_size",
                 "char_field", "cifar_layout", "pixel_scaling", "unscaled_test_reading",
                 "gradient_chunk")
# Where dropout may act, per model family (see models.TextCNN and models.TextRNN).
DROPOUT_SITES = {"cnn": ("features", "pool"), "rnn": ("state", "inputs")}
BASELINE = "baseline"


# ----------------------------------------------------------------------------- checks
def _key_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(top level)"


def coerce_command_line_strings(config: dict, schema: dict) -> None:
    """`snakemake --config seeds=[1,2]` or `dbpedia="{archive_train_rows: 5600}"` hands
    the values inside over as strings ('2', 'null'). Where the schema refuses a string
    for its type, read it as YAML (in place), as it would have been read in a file."""
    validator = jsonschema.Draft202012Validator(schema)
    for _ in range(100):  # one fix per error, and a fix can reveal the next
        fixed = False
        for error in validator.iter_errors(config):
            for candidate in [error, *(error.context or [])]:
                if candidate.validator == "type" and isinstance(candidate.instance, str):
                    fixed |= _replace_with_yaml(config, list(candidate.absolute_path))
        if not fixed:
            return


def _replace_with_yaml(config: dict, path: list) -> bool:
    *parents, last = path
    node = config
    for key in parents:
        node = node[key]
    if not isinstance(node[last], str):  # already read, through another error on it
        return False
    try:
        value = yaml.safe_load(node[last])
    except yaml.YAMLError:
        return False
    if isinstance(value, str):
        return False
    node[last] = value
    return True


def validate(config: dict, schema: dict) -> None:
    """Raise a one-line PipelineError naming the first offending key."""
    coerce_command_line_strings(config, schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(list(e.absolute_path)), list(map(str, e.absolute_path))))
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        raise PipelineError(f"config key {_key_path(error)}: {error.message}")
    check_semantics(config)


def check_semantics(config: dict) -> None:
    """What a schema cannot say: names used twice, table rows naming unknown variants."""
    names = cifar_variant_names(config)
    seen = set()
    for index, name in enumerate(names["grid"]):
        if name in seen:
            raise PipelineError(f"config key partA.grid.cells.{index}: cell {name} is listed twice")
        seen.add(name)
    for name in config["partA"]["on_best"]:
        if name == BASELINE or name in seen:
            raise PipelineError(f"config key partA.on_best.{name}: the name is also a grid or baseline variant")
    for name in config["partA"]["extra"]:
        if name == BASELINE or name in seen or name in config["partA"]["on_best"]:
            raise PipelineError(f"config key partA.extra.{name}: the name is also a baseline, grid or on-best variant")
    variants = config["partB"]["variants"]
    for row, pair in config["partB"]["dropout_table"].items():
        for name in pair:
            if name not in variants:
                raise PipelineError(f"config key partB.dropout_table.{row}: unknown variant {name!r}")
    rows = config["partB"]["rnn_table"]
    for index, name in enumerate(rows):
        if name not in variants:
            raise PipelineError(f"config key partB.rnn_table.{index}: unknown variant {name!r}")
        if name in rows[:index]:
            raise PipelineError(f"config key partB.rnn_table.{index}: variant {name!r} is listed twice")
    for name, entry in variants.items():
        check_text_variant(f"partB.variants.{name}", entry)
    for key, entry in optimizer_entries(config):
        check_optimizer(key, entry)
    check_feature_map_images(config)
    check_ablations(config)


def optimizer_entries(config: dict):
    """(config key, optimizer spec) of every place that may set an optimizer."""
    a, b = config["partA"], config["partB"]
    places = [("partA.protocol", a["protocol"]), ("partA.baseline", a["baseline"]), ("partB.protocol", b["protocol"])]
    places += [(f"partA.grid.cells.{i}", cell) for i, cell in enumerate(a["grid"]["cells"])]
    for group in ("on_best", "extra"):
        places += [(f"partA.{group}.{name}", entry) for name, entry in a[group].items()]
    places += [(f"partB.variants.{name}", entry) for name, entry in b["variants"].items()]
    return [(f"{key}.optimizer", entry["optimizer"]) for key, entry in places if "optimizer" in entry]


def check_optimizer(key: str, spec: dict) -> None:
    """A key the named optimizer does not take would be silently dropped: refuse it."""
    allowed = OPTIMIZER_KEYS[spec["name"]]
    for extra in spec:
        if extra not in ("name", "lr", *allowed):
            takes = ", ".join(("lr",) + allowed)
            raise PipelineError(f"config key {key}.{extra}: optimizer {spec['name']} takes no {extra!r} (it takes {takes})")


def check_feature_map_images(config: dict) -> None:
    """Feature maps are drawn of test images that exist (n_test, or the official
    test_batch's 10,000): known before any training."""
    limit = config["cifar10"]["n_test"] or 10_000
    for index, image in enumerate(config["partA"]["feature_map_images"]):
        if image >= limit:
            raise PipelineError(f"config key partA.feature_map_images.{index}: test image {image} does not exist "
                                f"(the test set has {limit} images, cifar10.n_test)")


def check_text_variant(key: str, entry: dict) -> None:
    """Keys that the variant's model family cannot use are an error, never ignored."""
    kind, family = entry["model"].split("_", 1)
    if "char_field" in entry and kind != "char":
        raise PipelineError(f"config key {key}.char_field: only char models read a char field ({entry['model']} reads words)")
    if "dropout_at" in entry and entry["dropout_at"] not in DROPOUT_SITES[family]:
        raise PipelineError(f"config key {key}.dropout_at: {entry['dropout_at']!r} is not a dropout site of "
                            f"{entry['model']}; valid: {', '.join(DROPOUT_SITES[family])}")
    rnn_only = [k for k in ("cell", "layers", "hidden") if k in entry]
    if family == "cnn" and rnn_only:
        raise PipelineError(f"config key {key}.{rnn_only[0]}: {entry['model']} has no recurrent cell")
    if entry.get("readout", "h") != "h" and entry.get("cell") != "lstm":
        raise PipelineError(f"config key {key}.readout: only an LSTM has a cell state to read "
                            f"({entry['model']} with cell {entry.get('cell', 'gru' if family == 'rnn' else 'none')})")
    if family == "rnn" and "dropout_after_pool1" in entry:
        raise PipelineError(f"config key {key}.dropout_after_pool1: {entry['model']} has no pooling layer")


def check_ablations(config: dict) -> None:
    """Each ablation names a variant of its part, and the report's variant it targets."""
    known = {"partA": set(config["partA"]["extra"]), "partB": set(config["partB"]["variants"])}
    names = cifar_variant_names(config)
    targets = {"partA": {BASELINE, *names["on_best"], "grid_best", *names["grid"]},
               "partB": set(config["partB"]["variants"])}
    for name, entry in config["ablations"]["variants"].items():
        part = entry["part"]
        if name not in known[part]:
            where = "partA.extra" if part == "partA" else "partB.variants"
            raise PipelineError(f"config key ablations.variants.{name}: no such variant in {where}")
        if entry["targets"] not in targets[part]:
            raise PipelineError(f"config key ablations.variants.{name}.targets: unknown {part} variant {entry['targets']!r}")


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a mapping naming the same key twice (PyYAML would
    silently keep the last one, hiding a variant)."""


def _construct_unique_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise PipelineError(f"{node.start_mark.name}, line {key_node.start_mark.line + 1}: key {key!r} is given twice")
        seen.add(key)
    return loader.construct_mapping(node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def check_unique_keys(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        yaml.load(handle, Loader=_UniqueKeyLoader)


# ----------------------------------------------------------------------------- views
def grid_name(cell: dict) -> str:
    return f"grid_{cell['c1']}x{cell['c2']}"


def cifar_variant_names(config: dict) -> dict[str, list[str]]:
    part = config["partA"]
    return {
        "baseline": [BASELINE],
        "grid": [grid_name(cell) for cell in part["grid"]["cells"]],
        "on_best": list(part["on_best"]),
        "extra": list(part["extra"]),
    }


def split_variant(entry: dict) -> tuple[dict, dict]:
    """(protocol overrides, model arguments) of a variant entry."""
    overrides = {k: v for k, v in entry.items() if k in PROTOCOL_KEYS}
    model_args = {k: v for k, v in entry.items() if k not in PROTOCOL_KEYS}
    return overrides, model_args


def merged_protocol(base: dict, overrides: dict) -> dict:
    protocol = copy.deepcopy(base)
    protocol.update(copy.deepcopy(overrides))
    return protocol


def cifar_run(config: dict, variant: str) -> dict:
    """Model arguments and protocol of a baseline or grid variant."""
    part = config["partA"]
    if variant == BASELINE:
        entry = part["baseline"]
    elif variant in part["extra"]:
        entry = part["extra"][variant]
    else:
        cells = {grid_name(cell): cell for cell in part["grid"]["cells"]}
        if variant not in cells:
            raise PipelineError(f"unknown Part A variant {variant!r}; valid: {', '.join([BASELINE, *part['extra'], *cells])}")
        entry = cells[variant]
    overrides, args = split_variant(entry)
    return {"model": "cifar_cnn", "model_args": {**part["model"], **args},
            "protocol": merged_protocol(part["protocol"], overrides)}


def grid_cells(config: dict) -> list[dict]:
    """Each grid cell's variant name, maps and protocol overrides (for best-cell selection)."""
    cells = []
    for cell in config["partA"]["grid"]["cells"]:
        overrides, args = split_variant(cell)
        cells.append({"variant": grid_name(cell), "c1": args["c1"], "c2": args["c2"], "protocol_overrides": overrides})
    return cells


def on_best_run(config: dict, variant: str) -> dict:
    """A variant trained on the best grid cell. Its c1/c2 and the cell's own protocol
    overrides come from the best-cell file at run time; these are the rest."""
    part = config["partA"]
    if variant not in part["on_best"]:
        raise PipelineError(f"unknown Part A on-best variant {variant!r}; valid: {', '.join(part['on_best'])}")
    overrides, args = split_variant(part["on_best"][variant])
    return {"model": "cifar_cnn", "model_args": {**part["model"], **args},
            "protocol": part["protocol"], "protocol_overrides": overrides}


def input_kind(model: str) -> str:
    """Text models are named <input>_<architecture>: char_cnn reads char ids, word_rnn
    word ids (the registry in models.py says the same; a test checks they agree)."""
    return model.split("_", 1)[0]


def text_run(config: dict, variant: str) -> dict:
    part = config["partB"]
    if variant not in part["variants"]:
        raise PipelineError(f"unknown Part B variant {variant!r}; valid: {', '.join(part['variants'])}")
    overrides, args = split_variant(part["variants"][variant])
    model = args.pop("model")
    return {"model": model, "model_args": args, "protocol": merged_protocol(part["protocol"], overrides)}
