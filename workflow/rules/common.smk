# Helpers shared by every stage: config checks, input selection, per-variant params.
import functools
import importlib.util
from pathlib import Path

from snakemake.exceptions import WorkflowError

SCHEMA = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"
PACKAGE = Path(workflow.basedir) / "workflow" / "scripts" / "cz4042"


def check_package_is_this_workflows():
    """The one check that this Python runs this checkout's package: an environment with
    another checkout's installed (pip install -e) would run that code under this
    workflow's name. It runs before any job, and every job (a cluster job too) runs a
    Snakemake that reads it; a rule script imports what this Python does (or, in a
    conda env, which installs no cz4042, this workflow's scripts folder). It locates
    the package without importing it: another checkout's code may not even import."""
    found = importlib.util.find_spec("cz4042")
    if found is None:
        raise WorkflowError(
            "the package cz4042 is not installed in this Python: run "
            "`pip install -e .` in the repository root (see README, Install and run)"
        )
    package = Path(found.submodule_search_locations[0]).resolve()
    if package != PACKAGE.resolve():
        raise WorkflowError(
            f"this Python imports cz4042 from {package}, but this workflow's package is "
            f"{PACKAGE.resolve()}: pip install -e the checkout you run, or use one "
            "environment per checkout"
        )


check_package_is_this_workflows()

from cz4042 import codedeps
from cz4042 import config as cfg
from cz4042 import hardware
from cz4042 import hypotheses
from cz4042 import protocol_mark, records
from cz4042.errors import PipelineError
from cz4042.model_kinds import model_kind


@functools.cache
def code_digest(script):
    """A hash of what the rule script `script` computes (its code and the package modules
    it runs, following its imports, less the number-neutral ones), normalised so that
    comments, docstrings and error messages do not count. Each rule takes it as a param, so
    an edit that can change its outputs reruns it; a touch or a checkout does not."""
    return codedeps.code_digest(PACKAGE.parent / script, PACKAGE)


REFERENCE = "workflow/reference/report_2019.csv"
REPORT_PROTOCOL = "workflow/reference/report_protocol.yaml"
REPORT_CLAIMS = "workflow/reference/report_claims.csv"
PEERS = "workflow/reference/peers.csv"
RUN_COSTS = "workflow/reference/run_costs.csv"


def check_config():
    """Fail before any job with one line naming the offending key or file."""
    import yaml

    try:
        for path in workflow.configfiles:
            cfg.check_unique_keys(path)
        cfg.validate(config, yaml.safe_load(SCHEMA.read_text()))
        hardware.check_device(config)
        protocol_mark.check(config["protocol_name"], workflow.configfiles)
        for key, path in config["course_files"].items():
            if path is not None and not Path(path).is_file():
                raise PipelineError(
                    f"config key course_files.{key}: no such file {path}"
                )
    except PipelineError as error:
        raise WorkflowError(str(error)) from None


def mark_results_protocol():
    """A call that runs jobs: results/ holds this protocol's outputs from now on."""
    protocol_mark.write(config["protocol_name"], workflow.configfiles)


# ----------------------------------------------------------------------------- data
def course_file(key):
    return config["course_files"][key]


def cifar_source(split):
    """Course file or the official archive, as the preparation script expects it."""
    path = course_file(f"cifar_{split}")
    if path:
        return {"file": path, "key": f"course_files.cifar_{split}"}
    batches = config["cifar10"]["train_batches"] if split == "train" else ["test_batch"]
    return {"archive": "resources/downloads/cifar-10-python.tar.gz", "batches": batches}


def dbpedia_source(split):
    path = course_file(f"dbpedia_{split}")
    if path:
        return {"file": path, "key": f"course_files.dbpedia_{split}"}
    return {"archive": "resources/downloads/dbpedia_csv.tgz"}


# Every batch of the official archive, whatever the config uses, so that changing
# cifar10.train_batches never fetches the archive again.
CIFAR_ARCHIVE_MEMBERS = [
    f"cifar-10-batches-py/{name}"
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
]


def source_inputs(sources):
    return sorted({s.get("file") or s["archive"] for s in sources})


def cifar_inputs(wildcards):
    return source_inputs([cifar_source("train"), cifar_source("test")])


def dbpedia_inputs(wildcards):
    return source_inputs([dbpedia_source("train"), dbpedia_source("test")])


# ----------------------------------------------------------------------------- runs
def records_root():
    """Where tables, figures and verdicts read run records: `results` (this pipeline's
    own runs, trained when missing) or a folder of committed records."""
    return config["reproduction"]["records"].rstrip("/")


def reading_records():
    return records_root() != "results"


def run_dir(family, variant, seed):
    return f"{records_root()}/runs/{family}/{variant}/seed{seed}"


def best_cell_record():
    return f"{records_root()}/partA/best_cell.json"


def run_outputs(family, variant, seed, name="metrics.json"):
    return f"{run_dir(family, variant, seed)}/{name}"


@functools.cache
def derived_variants():
    """The variants derived from the hypotheses and worlds, once per call: the config
    is fixed while the DAG is built, and seeds_of asks for every run path."""
    return hypotheses.derived_variants(config)


def seeds_of(variant):
    """A variant's seeds: `seeds`, and more_seeds for a row (or a hypothesis's variant)
    that needs them; a variant
    derived from a hypothesis has its row's seeds (it explains only with as many), or
    only those its plan made if the plan stopped it."""
    derived = derived_variants()
    stopped = (
        hypotheses.stopped_seeds(config, derived[variant])
        if variant in derived
        else None
    )
    if stopped:  # its plan stopped it: only the runs it made
        return stopped
    row = derived[variant].row if variant in derived else variant
    more = config["more_seeds"]
    unstable = row in more["rows"] or variant in more.get("variants", [])
    return config["seeds"] + (more["seeds"] if unstable else [])


def all_runs(family, variants, name="metrics.json"):
    """File `name` of every seed of every variant; reading committed records, only those
    that exist (tables then show each row's n)."""
    paths = [run_outputs(family, v, s, name) for v in variants for s in seeds_of(v)]
    return [p for p in paths if Path(p).exists()] if reading_records() else paths


def run_histories(*groups):
    """{history.parquet path: variant} of every seed of each (family, variants) group,
    as all_runs lists them: a curve figure's input (the paths) and, passed as params,
    the variant of each, so that no script reads a variant out of a path."""
    return {
        path: variant
        for family, variants in groups
        for variant in variants
        for path in all_runs(family, [variant], "history.parquet")
    }


def variant_pattern(names):
    return "|".join(names) if names else "^$"


def partA_names():
    return cfg.cifar_variant_names(config)


def training_params(part, view, wildcards):
    """A training job's params.run: the variant's view of the config (cfg.cifar_run,
    cfg.on_best_run or cfg.text_run), its seed and how to run it. training.run_spec
    makes it, with the job's files, the RunSpec that the engine reads."""
    return {
        **view,
        "name": wildcards.variant,
        "seed": int(wildcards.seed),
        "precision": config["precision"],
        "device": config["device"],
        "deterministic": config["deterministic"],
        "checkpoint_every": config["checkpoint_every"],
        "configured_threads": config[part]["resources"]["threads"],
    }


def partA_run(wildcards):
    return training_params("partA", cfg.cifar_run(config, wildcards.variant), wildcards)


def partA_best_run(wildcards):
    return training_params(
        "partA", cfg.on_best_run(config, wildcards.variant), wildcards
    )


def partB_run(wildcards):
    return training_params("partB", cfg.text_run(config, wildcards.variant), wildcards)


def char_fields():
    """Every field some char model reads: text_inputs.char_field and the variants' own."""
    fields = {config["text_inputs"]["char_field"]}
    fields |= {
        v["char_field"] for v in cfg.text_variants(config).values() if "char_field" in v
    }
    return sorted(fields)


def partB_inputs(wildcards):
    """Char models read the char ids of their field (the variant's char_field, else
    text_inputs.char_field); word models the word ids and the vocabulary."""
    run = cfg.text_run(config, wildcards.variant)
    if model_kind(run["model"]).input_kind == "word":
        return {
            "train": "resources/dbpedia/word_ids_train.parquet",
            "test": "resources/dbpedia/word_ids_test.parquet",
            "vocab": "resources/dbpedia/vocab.parquet",
        }
    field = run["protocol"].get("char_field", config["text_inputs"]["char_field"])
    return {
        "train": f"resources/dbpedia/char_ids_{field}_train.parquet",
        "test": f"resources/dbpedia/char_ids_{field}_test.parquet",
    }


def resume_state(family):
    """Where a run's resumable state lives: outside results/ and undeclared, so that
    Snakemake never deletes it as an incomplete output before a restart resumes it."""

    def path(wildcards):
        return f"resources/resume/{family}/{wildcards.variant}/seed{wildcards.seed}.pt"

    return path


def packing_group(family):
    """The job group a training run joins on a cluster: small runs (every Part B run,
    Part A cells of at most packing.partA_max_maps C1 x C2 maps) are packed, so that
    the profile's --group-components submits N of them as one job sharing one GPU;
    a bigger cell is a job of its own. (Locally, Snakemake ignores groups.)"""

    def group(wildcards):
        if family == "partB":
            return "train_small"
        run = partA_run(wildcards) if family == "partA" else None
        if run is None:  # on-best variants: their cell is known only at run time
            return None
        maps = run["model_args"]["c1"] * run["model_args"]["c2"]
        return "train_small" if maps <= config["packing"]["partA_max_maps"] else None

    return group


# ----------------------------------------------------------------------------- targets
def partA_figures():
    images = config["partA"]["feature_map_images"]
    return [
        "results/figures/partA_baseline_curves.png",
        *[f"results/figures/partA_feature_maps_{i}.png" for i in images],
        "results/figures/partA_grid_heatmap.png",
        "results/figures/partA_optimizers.png",
        "results/figures/partA_comparison.png",
    ]


def partA_tables():
    return [
        f"results/tables/partA_{name}.{ext}"
        for name in ("grid", "comparison")
        for ext in ("csv", "md")
    ]


def partB_figures():
    models = list(config["partB"]["dropout_table"])
    return [
        *[f"results/figures/partB_{m}_curves.png" for m in models],
        "results/figures/partB_rnn_variants.png",
        "results/figures/partB_comparison.png",
    ]


def partB_tables():
    return [
        f"results/tables/partB_{name}.{ext}"
        for name in ("dropout", "rnn_variants", "all")
        for ext in ("csv", "md")
    ]


def verdict_outputs():
    return [
        f"results/tables/{name}.{ext}"
        for name in ("reproduction", "ablations", "claims", "outstanding_runs")
        for ext in ("csv", "md")
    ] + ["results/figures/reproduction.png"]


def final_outputs():
    return (
        partA_tables()
        + partA_figures()
        + partB_tables()
        + partB_figures()
        + verdict_outputs()
    )


# ----------------------------------------------------------------------------- captions
MISSING_REPORT_ITEMS = []


def in_report(path, caption):
    """`path` as an item of the HTML report, under its part (from the partA_/partB_ file
    name) and kind (results/tables or results/figures), captioned by
    workflow/report/<caption>.rst. Only a file that exists is flagged, so that
    `snakemake --report` builds a report of what exists instead of failing."""
    if not Path(path).exists():
        MISSING_REPORT_ITEMS.append(path)
        return path
    name = Path(path).name
    part = (
        "Part A"
        if name.startswith("partA_")
        else "Part B" if name.startswith("partB_") else "Verdicts"
    )
    kind = "Tables" if path.startswith("results/tables/") else "Figures"
    return report(
        path, caption=f"../report/{caption}.rst", category=part, subcategory=kind
    )


def warn_of_missing_report_items():
    """Under --report, say in one line what the report will lack and how to make it."""
    import sys

    if MISSING_REPORT_ITEMS and "--report" in sys.argv:
        logger.warning(
            f"report: {len(MISSING_REPORT_ITEMS)} tables and figures do not exist yet "
            f"(first: {MISSING_REPORT_ITEMS[0]}); the report shows the rest. Run "
            "`snakemake --cores 4 all` (or the target you want) first."
        )


def protocol_caption(part):
    """What a table or figure was run with, for its caption."""
    protocol = config[part]["protocol"]
    optimizer = " ".join(
        str(v) if k == "name" else f"{k} {v}" for k, v in protocol["optimizer"].items()
    )
    text = (
        f"Protocol '{config['protocol_name']}': {protocol['epochs']} epochs, batch {protocol['batch_size']}, "
        f"{optimizer}; seeds {config['seeds']}; accuracy = final-epoch test accuracy."
    )
    if part == "partA":
        overridden = [
            cfg.grid_name(cell)
            for cell in config["partA"]["grid"]["cells"]
            if set(cell) - {"c1", "c2"}
        ]
        if overridden:
            text += f" Cells {', '.join(overridden)} override the protocol (see the 'epochs' and 'train n' columns)."
    return text


def derived_names(part):
    """The variants derived from the hypotheses and worlds (config `hypotheses`, `worlds`)."""
    return [n for n, a in derived_variants().items() if a.part == part]


def recorded(runs):
    """The protocol as the runs recorded it, for the HTML report's captions (which state it,
    never the protocol the config holds when the report is built): `runs` are files of the
    runs (any file of each), or the input key that names them."""
    if isinstance(runs, str):
        return lambda wildcards, input: recorded(list(getattr(input, runs)))
    return records.RecordedProtocol(
        sorted({str(Path(p).with_name("metrics.json")) for p in runs})
    )


def verdict_rules():
    """The numbers of docs/verdicts.md (config `reproduction`, but where records live)."""
    return {k: v for k, v in config["reproduction"].items() if k != "records"}


def world_rows():
    """{world: {row: [variant, switch, registered, reading, composed]}} for the rows each world changes."""
    return {world: hypotheses.world_rows(config, world) for world in config["worlds"]}


def run_views():
    """{variant: config's view of it} for every variant the verdicts read: a record
    counts only if it is that variant as configured now (verdicts.as_configured)."""
    names = partA_names()
    views = {v: cfg.cifar_run(config, v) for v in ["baseline"] + names["grid"]}
    views.update({v: cfg.cifar_run(config, v) for v in names["derived"]})
    views.update({v: cfg.on_best_run(config, v) for v in names["on_best"]})
    views.update({v: cfg.text_run(config, v) for v in cfg.text_variants(config)})
    return views


def report_row_parts():
    """{row: part} of every variant that stands for a report row."""
    names = partA_names()
    rows = {v: "partA" for v in ["baseline"] + names["grid"] + names["on_best"]}
    rows.update(
        {v: "partB" for v in partB_dropout_variants() + config["partB"]["rnn_table"]}
    )
    return rows


@functools.cache
def verdict_run_keys():
    """(family, variant, seed) of every run behind the verdicts: every variant with a
    report number and every variant derived from a hypothesis or world, with its seeds;
    once per call (the config is fixed while the DAG is built; three inputs ask for it).
    """
    names = partA_names()
    groups = [
        ("partA", ["baseline"] + names["grid"]),
        ("partA_best", names["on_best"]),
        ("partB", partB_dropout_variants() + config["partB"]["rnn_table"]),
        ("partA", derived_names("partA")),
        ("partB", derived_names("partB")),
    ]
    keys = [(f, v, s) for f, variants in groups for v in variants for s in seeds_of(v)]
    return tuple(dict.fromkeys(keys))


def verdict_runs(name):
    """The runs (file `name` of each) behind the verdicts. Reading committed records,
    only those that exist: the verdict of a missing run is `not run`."""
    paths = [run_outputs(*key, name) for key in verdict_run_keys()]
    return [p for p in paths if Path(p).exists()] if reading_records() else paths


def wanted_runs():
    """Every run behind the verdicts, as the outstanding-runs table reads them."""
    return [
        {
            "family": family,
            "part": "partB" if family == "partB" else "partA",
            "variant": variant,
            "seed": seed,
            "base_seeds": config["seeds"],
            "path": run_outputs(family, variant, seed),
        }
        for family, variant, seed in verdict_run_keys()
    ]


def verdict_inputs(wildcards):
    inputs = {
        "metrics": verdict_runs("metrics.json"),
        "histories": verdict_runs("history.parquet"),
    }
    if not reading_records() or Path(best_cell_record()).exists():
        inputs["best_cell"] = best_cell_record()
    if Path(
        RUN_COSTS
    ).exists():  # measured seconds per epoch, for what missing runs take
        inputs["costs"] = RUN_COSTS
    return inputs


def partB_variants():
    """The main Part B variants: every entry of partB.variants."""
    return list(config["partB"]["variants"])


def partB_dropout_variants():
    return [v for pair in config["partB"]["dropout_table"].values() for v in pair]


def partB_curve_figures():
    return [
        (f"Part B: {model} without / with dropout", pair)
        for model, pair in config["partB"]["dropout_table"].items()
    ]
