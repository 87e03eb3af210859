# Reproduction of NTU CE/CZ4042 2019 Assignment 2 (Part A: CIFAR-10 CNNs; Part B: DBpedia
# text CNNs and RNNs). The stages live in workflow/rules/, the logic in the package
# workflow/scripts/cz4042/. `snakemake --cores 4 all` runs everything.


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


check_config()


include: "workflow/rules/data.smk"
include: "workflow/rules/partA.smk"
include: "workflow/rules/partB.smk"
include: "workflow/rules/aggregate.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
