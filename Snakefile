# Reproduction of NTU CE/CZ4042 2019 Assignment 2 (Part A: CIFAR-10 CNNs; Part B: DBpedia
# text CNNs and RNNs). The stages live in workflow/rules/, the logic in the package
# workflow/scripts/cz4042/. `snakemake --cores 4 all` runs everything.
from pathlib import Path

from snakemake.exceptions import WorkflowError

if not Path("config.yaml").is_file():
    raise WorkflowError(
        f"config.yaml not found in the working directory {Path.cwd()}: run snakemake "
        f"from the repository root, or pass -s {workflow.basedir}/Snakefile -d {workflow.basedir}"
    )


configfile: "config.yaml"


# Local settings (course files, seeds, device, ...) that every call picks up; git-ignored.
# --configfile and --config still override them.
if Path("config.local.yaml").is_file():

    configfile: "config.local.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


check_config()


onstart:
    mark_results_protocol()


include: "workflow/rules/data.smk"
include: "workflow/rules/training.smk"
include: "workflow/rules/selection.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/verdicts.smk"


warn_of_missing_report_items()


rule all:
    default_target: True
    input:
        final_outputs(),
