"""Config checks and the per-variant views the rules hand to their scripts.

The Snakefile validates `config` here before building the DAG, then asks for each
variant's hyperparameters, so that a rule's `params:` carry only what that variant
uses (and a change to one variant reruns only that variant).
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path

import jsonschema
import yaml

from . import hypotheses
from .errors import PipelineError
from .model_kinds import DROPOUT_SITES, model_kind
from .schema import OPTIMIZER_KEYS

# Keys of a variant that describe how it is trained and fed, not the network itself;
# the last three choose its inputs (char_field: the DBpedia field the char models read;
# cifar_layout and pixel_scaling: how CIFAR rows become images).
PROTOCOL_KEYS = ("epochs", "batch_size", "drop_last", "optimizer", "grad_clip", "train_subset", "eval_batch_size",
                 "char_field", "cifar_layout", "pixel_scaling", "unscaled_test_reading",
                 "gradient_chunk")
BASELINE = "baseline"


# ----------------------------------------------------------------------------- checks
def _key_path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(top level)"


# What YAML reads as null (PyYAML, YAML 1.1), the empty string aside.
YAML_NULLS = frozenset({"null", "Null", "NULL", "~"})


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
            break
    _read_yaml_nulls(config, validator)


def _read_yaml_nulls(config: dict, validator) -> None:
    """'null' is a valid string where a key admits a string or null (course_files.*), so
    no type error above reads it: read it as null wherever null adds no error."""
    errors = sum(1 for _ in validator.iter_errors(config))
    for path in _string_leaves(config, []):
        node, last = _parent(config, path)
        if node[last] not in YAML_NULLS:
            continue
        text, node[last] = node[last], None
        with_null = sum(1 for _ in validator.iter_errors(config))
        if with_null > errors:
            node[last] = text
        else:
            errors = with_null


def _string_leaves(node, path: list) -> list[list]:
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    leaves = [path] if isinstance(node, str) else []
    for key, child in items:
        leaves += _string_leaves(child, [*path, key])
    return leaves


def _parent(config: dict, path: list):
    *parents, last = path
    node = config
    for key in parents:
        node = node[key]
    return node, last


def _replace_with_yaml(config: dict, path: list) -> bool:
    node, last = _parent(config, path)
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


# Keys of earlier versions, and what took their place: an old config says so in one line.
RENAMED_KEYS = {
    ("ablations",): "hypotheses (an ablation is now declared once, as a hypothesis: docs/hypotheses.md)",
    ("partA", "extra"): "hypotheses (a Part A ablation is a hypothesis with a switch: docs/hypotheses.md)",
    ("reproduction", "tolerance"): "reproduction.accuracy_band, loss_factor, near_zero_loss, min_seeds (docs/verdicts.md)",
    ("profile",): "protocol_name (the label of a protocol; profiles/ holds Snakemake profiles only, overlays/ the "
                  "protocol overlays such as overlays/quick.yaml)",
}


def check_renamed_keys(config: dict) -> None:
    for path, now in RENAMED_KEYS.items():
        node = config
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            raise PipelineError(f"config key {'.'.join(path)} is no longer read: use {now}")


def validate(config: dict, schema: dict) -> None:
    """Raise a one-line PipelineError naming the first offending key."""
    check_renamed_keys(config)
    coerce_command_line_strings(config, schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(list(e.absolute_path)), list(map(str, e.absolute_path))))
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        raise PipelineError(f"config key {_key_path(error)}: {error.message}")
    check_semantics(config)


def check_semantics(config: dict) -> None:
    """What a schema cannot say: names used twice, table rows naming unknown variants."""
    hypotheses.check(config, row_entries(config), report_rows())  # first: names below include derived ones
    names = cifar_variant_names(config)
    seen = set()
    for index, name in enumerate(names["grid"]):
        if name in seen:
            raise PipelineError(f"config key partA.grid.cells.{index}: cell {name} is listed twice")
        seen.add(name)
    for name in config["partA"]["on_best"]:
        if name == BASELINE or name in seen:
            raise PipelineError(f"config key partA.on_best.{name}: the name is also a grid or baseline variant")
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
    check_derived_variants(config)
    for index, row in enumerate(config["more_seeds"]["rows"]):
        if row not in report_rows():
            raise PipelineError(f"config key more_seeds.rows.{index}: {row!r} is not a row of the report ({REPORT_NUMBERS.name})")
    derived = hypotheses.derived_variants(config)
    for index, variant in enumerate(config["more_seeds"].get("variants", [])):
        if variant not in derived:
            raise PipelineError(f"config key more_seeds.variants.{index}: {variant!r} is not a hypothesis's variant")


def optimizer_entries(config: dict):
    """(config key, optimizer spec) of every place that may set an optimizer."""
    a, b = config["partA"], config["partB"]
    places = [("partA.protocol", a["protocol"]), ("partA.baseline", a["baseline"]), ("partB.protocol", b["protocol"])]
    places += [(f"partA.grid.cells.{i}", cell) for i, cell in enumerate(a["grid"]["cells"])]
    for group in ("on_best",):
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
    if spec.get("semantics") == "torch" and "initial_accumulator" in spec:
        raise PipelineError(f"config key {key}.initial_accumulator: torch's RMSProp (semantics torch) has no initial "
                            "accumulator: its mean square starts at 0")


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
    kind = model_kind(entry["model"])
    family = kind.family
    if "char_field" in entry and kind.input_kind != "char":
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


def row_entries(config: dict) -> dict[str, dict]:
    """The configured entry of every row a hypothesis may switch: the Part A baseline
    and grid cells, every Part B variant."""
    part = config["partA"]
    return {BASELINE: part["baseline"], **{grid_name(cell): cell for cell in part["grid"]["cells"]},
            **config["partB"]["variants"]}


# The report's numbers, by row (the rules read the same file as REFERENCE).
REPORT_NUMBERS = Path(__file__).resolve().parents[2] / "reference" / "report_2019.csv"


def report_rows() -> set[str]:
    """Every row name of the report's tables."""
    with open(REPORT_NUMBERS, encoding="utf-8") as handle:
        return {row["variant"] for row in csv.DictReader(handle)}


def check_derived_variants(config: dict) -> None:
    """Every text variant a hypothesis or world derives is one its model can take."""
    entries = row_entries(config)
    for name, ablation in hypotheses.derived_variants(config).items():
        if ablation.part == "partB":
            check_text_variant(f"hypotheses ({name})", hypotheses.derived_entry(config, ablation, entries[ablation.row]))


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
        "derived": [n for n, a in hypotheses.derived_variants(config).items() if a.part == "partA"],
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
    entries = {BASELINE: part["baseline"], **{grid_name(cell): cell for cell in part["grid"]["cells"]}}
    derived = {n: a for n, a in hypotheses.derived_variants(config).items() if a.part == "partA"}
    if variant in derived:
        entry = hypotheses.derived_entry(config, derived[variant], entries[derived[variant].row])
    elif variant in entries:
        entry = entries[variant]
    else:
        raise PipelineError(f"unknown Part A variant {variant!r}; valid: {', '.join([*entries, *derived])}")
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


def text_variants(config: dict) -> dict[str, dict]:
    """Every Part B variant's entry: the configured ones, then those derived from the
    hypotheses and worlds."""
    entries = dict(config["partB"]["variants"])
    for name, ablation in hypotheses.derived_variants(config).items():
        if ablation.part == "partB":
            entries[name] = hypotheses.derived_entry(config, ablation, entries[ablation.row])
    return entries


def text_run(config: dict, variant: str) -> dict:
    entries = text_variants(config)
    if variant not in entries:
        raise PipelineError(f"unknown Part B variant {variant!r}; valid: {', '.join(entries)}")
    overrides, args = split_variant(entries[variant])
    model = args.pop("model")
    protocol = merged_protocol(config["partB"]["protocol"], overrides)
    if model_kind(model).input_kind == "char":  # recorded, so that a run says which field it read
        protocol.setdefault("char_field", config["text_inputs"]["char_field"])
    return {"model": model, "model_args": args, "protocol": protocol}
