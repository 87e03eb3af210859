# Stage 4a: tables, ours beside the report's numbers (csv + md).


rule partA_grid_table:
    input:
        metrics=all_runs("partA", partA_names()["grid"]),
        reference=REFERENCE,
    output:
        csv=in_report("results/tables/partA_grid.csv", "partA_grid_table"),
        md="results/tables/partA_grid.md",
    log:
        "logs/aggregate/partA_grid_table.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("table.py"),
        recorded=recorded("metrics"),
        kind="grid",
        reference_table="partA_grid",
        cells=cfg.grid_cells(config),
        title="Part A: grid search over feature maps (C1, C2)",
        caption=protocol_caption("partA"),
    script:
        "../scripts/table.py"


rule partA_comparison_table:
    input:
        metrics=all_runs("partA", ["baseline"] + partA_names()["grid"])
        + all_runs("partA_best", partA_names()["on_best"]),
        best_cell=best_cell_record(),
        reference=REFERENCE,
    output:
        csv=in_report("results/tables/partA_comparison.csv", "partA_comparison_table"),
        md="results/tables/partA_comparison.md",
    log:
        "logs/aggregate/partA_comparison_table.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("table.py"),
        recorded=recorded("metrics"),
        kind="comparison",
        reference_table="partA_comparison",
        baseline=config["partA"]["baseline"],
        on_best=partA_names()["on_best"],
        title="Part A: the six models",
        caption=protocol_caption("partA"),
    script:
        "../scripts/table.py"


rule partB_dropout_table:
    input:
        metrics=all_runs("partB", partB_dropout_variants()),
        reference=REFERENCE,
    output:
        csv=in_report("results/tables/partB_dropout.csv", "partB_dropout_table"),
        md="results/tables/partB_dropout.md",
    log:
        "logs/aggregate/partB_dropout_table.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("table.py"),
        recorded=recorded("metrics"),
        kind="dropout",
        partial=reading_records(),
        reference_table="partB_dropout",
        pairs=config["partB"]["dropout_table"],
        title="Part B: Table 1, each model without and with dropout",
        caption=protocol_caption("partB"),
    script:
        "../scripts/table.py"


rule partB_rnn_variants_table:
    input:
        metrics=all_runs("partB", config["partB"]["rnn_table"]),
        reference=REFERENCE,
    output:
        csv=in_report(
            "results/tables/partB_rnn_variants.csv", "partB_rnn_variants_table"
        ),
        md="results/tables/partB_rnn_variants.md",
    log:
        "logs/aggregate/partB_rnn_variants_table.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("table.py"),
        recorded=recorded("metrics"),
        kind="variants",
        partial=reading_records(),
        reference_table="partB_rnn_variants",
        variants=config["partB"]["rnn_table"],
        title="Part B: Table 2, recurrent cell, depth and gradient clipping",
        caption=protocol_caption("partB"),
    script:
        "../scripts/table.py"


rule partB_all_table:
    input:
        metrics=all_runs("partB", partB_variants()),
        reference=REFERENCE,
    output:
        csv=in_report("results/tables/partB_all.csv", "partB_all_table"),
        md="results/tables/partB_all.md",
    log:
        "logs/aggregate/partB_all_table.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("table.py"),
        recorded=recorded("metrics"),
        kind="variants",
        partial=reading_records(),
        reference_table=["partB_dropout", "partB_rnn_variants"],
        variants=partB_variants(),
        title="Part B: every text model",
        caption=protocol_caption("partB"),
    script:
        "../scripts/table.py"
