# Stage 3: tables and figures. Each is its own target and named rule, so that
# `snakemake --cores 1 partA_grid_heatmap` (or the file path) rebuilds just that one.


rule partA_grid_table:
    input:
        metrics=all_runs("partA", partA_names()["grid"]),
        reference=REFERENCE,
        code=code_of("table.py"),
    output:
        csv=in_report("results/tables/partA_grid.csv", "partA_grid_table"),
        md="results/tables/partA_grid.md",
    log:
        "logs/aggregate/partA_grid_table.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
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
        code=code_of("table.py"),
    output:
        csv=in_report("results/tables/partA_comparison.csv", "partA_comparison_table"),
        md="results/tables/partA_comparison.md",
    log:
        "logs/aggregate/partA_comparison_table.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        kind="comparison",
        reference_table="partA_comparison",
        baseline=config["partA"]["baseline"],
        on_best=partA_names()["on_best"],
        title="Part A: the six models",
        caption=protocol_caption("partA"),
    script:
        "../scripts/table.py"


rule partA_grid_heatmap:
    input:
        table="results/tables/partA_grid.csv",
        code=code_of("heatmap.py"),
    output:
        in_report("results/figures/partA_grid_heatmap.png", "partA_grid_heatmap"),
    log:
        "logs/aggregate/partA_grid_heatmap.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        caption=protocol_caption("partA"),
    script:
        "../scripts/heatmap.py"


rule partA_comparison_figure:
    input:
        table="results/tables/partA_comparison.csv",
        code=code_of("comparison_figure.py"),
    output:
        in_report("results/figures/partA_comparison.png", "partA_comparison"),
    log:
        "logs/aggregate/partA_comparison_figure.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        title="Part A: test accuracy of the six models",
        caption=protocol_caption("partA"),
    script:
        "../scripts/comparison_figure.py"


rule partA_baseline_curves:
    input:
        histories=all_runs("partA", ["baseline"], "history.parquet"),
        code=code_of("curves.py"),
    output:
        in_report("results/figures/partA_baseline_curves.png", "partA_baseline_curves"),
    log:
        "logs/aggregate/partA_baseline_curves.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        figures=[("Part A: baseline CNN (C1 50, C2 60)", ["baseline"])],
        caption=protocol_caption("partA"),
    script:
        "../scripts/curves.py"


rule partA_optimizers:
    input:
        histories=all_runs("partA", partA_names()["grid"], "history.parquet")
        + all_runs("partA_best", partA_names()["on_best"], "history.parquet"),
        best_cell=best_cell_record(),
        code=code_of("curves.py"),
    output:
        in_report("results/figures/partA_optimizers.png", "partA_optimizers"),
    log:
        "logs/aggregate/partA_optimizers.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        figures=[
            (
                "Part A: optimizers and dropout on the best grid cell",
                ["grid_best"] + partA_names()["on_best"],
            )
        ],
        caption=protocol_caption("partA"),
    script:
        "../scripts/curves.py"


rule partA_feature_maps:
    input:
        weights=run_outputs("partA", "baseline", config["seeds"][0], "model.pt"),
        test="resources/cifar10/test.parquet",
        code=code_of("feature_maps.py"),
    output:
        [
            in_report(
                f"results/figures/partA_feature_maps_{image}.png", "partA_feature_maps"
            )
            for image in config["partA"]["feature_map_images"]
        ],
    log:
        "logs/aggregate/partA_feature_maps.log",
    localrule: True
    conda:
        "../envs/train.yaml"
    params:
        images=config["partA"]["feature_map_images"],
    script:
        "../scripts/feature_maps.py"


rule partB_dropout_table:
    input:
        metrics=all_runs("partB", partB_dropout_variants()),
        reference=REFERENCE,
        code=code_of("table.py"),
    output:
        csv=in_report("results/tables/partB_dropout.csv", "partB_dropout_table"),
        md="results/tables/partB_dropout.md",
    log:
        "logs/aggregate/partB_dropout_table.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
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
        code=code_of("table.py"),
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
        code=code_of("table.py"),
    output:
        csv=in_report("results/tables/partB_all.csv", "partB_all_table"),
        md="results/tables/partB_all.md",
    log:
        "logs/aggregate/partB_all_table.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        kind="variants",
        partial=reading_records(),
        reference_table=["partB_dropout", "partB_rnn_variants"],
        variants=partB_variants(),
        title="Part B: every text model",
        caption=protocol_caption("partB"),
    script:
        "../scripts/table.py"


rule partB_comparison:
    input:
        table="results/tables/partB_all.csv",
        code=code_of("comparison_figure.py"),
    output:
        in_report("results/figures/partB_comparison.png", "partB_comparison"),
    log:
        "logs/aggregate/partB_comparison.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        title="Part B: test accuracy of every text model",
        caption=protocol_caption("partB"),
    script:
        "../scripts/comparison_figure.py"


rule partB_curves:
    input:
        histories=all_runs("partB", partB_dropout_variants(), "history.parquet"),
        code=code_of("curves.py"),
    output:
        [
            in_report(f"results/figures/partB_{model}_curves.png", "partB_curves")
            for model in config["partB"]["dropout_table"]
        ],
    log:
        "logs/aggregate/partB_curves.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        figures=partB_curve_figures(),
        caption=protocol_caption("partB"),
    script:
        "../scripts/curves.py"


rule partB_rnn_variants:
    input:
        histories=all_runs("partB", config["partB"]["rnn_table"], "history.parquet"),
        code=code_of("curves.py"),
    output:
        in_report("results/figures/partB_rnn_variants.png", "partB_rnn_variants"),
    log:
        "logs/aggregate/partB_rnn_variants.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        figures=[("Part B: recurrent variants", config["partB"]["rnn_table"])],
        caption=protocol_caption("partB"),
    script:
        "../scripts/curves.py"


rule partA:
    input:
        partA_tables() + partA_figures(),


rule partB:
    input:
        partB_tables() + partB_figures(),
