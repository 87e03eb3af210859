# Stage 4b: figures.


rule partA_grid_heatmap_figure:
    input:
        table="results/tables/partA_grid.csv",
    output:
        in_report("results/figures/partA_grid_heatmap.png", "partA_grid_heatmap"),
    log:
        "logs/aggregate/partA_grid_heatmap_figure.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("heatmap.py"),
        recorded=recorded(all_runs("partA", partA_names()["grid"])),
        caption=protocol_caption("partA"),
    script:
        "../scripts/heatmap.py"


rule partA_comparison_figure:
    input:
        table="results/tables/partA_comparison.csv",
    output:
        in_report("results/figures/partA_comparison.png", "partA_comparison"),
    log:
        "logs/aggregate/partA_comparison_figure.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("comparison_figure.py"),
        recorded=recorded(
            all_runs("partA", ["baseline"] + partA_names()["grid"])
            + all_runs("partA_best", partA_names()["on_best"])
        ),
        title="Part A: test accuracy of the six models",
        caption=protocol_caption("partA"),
    script:
        "../scripts/comparison_figure.py"


BASELINE_HISTORIES = run_histories(("partA", ["baseline"]))


rule partA_baseline_curves_figure:
    input:
        histories=list(BASELINE_HISTORIES),
    output:
        in_report("results/figures/partA_baseline_curves.png", "partA_baseline_curves"),
    log:
        "logs/aggregate/partA_baseline_curves_figure.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("curves.py"),
        recorded=recorded("histories"),
        variant_of=BASELINE_HISTORIES,
        figures=[("Part A: baseline CNN (C1 50, C2 60)", ["baseline"])],
        caption=protocol_caption("partA"),
    script:
        "../scripts/curves.py"


OPTIMIZER_HISTORIES = run_histories(
    ("partA", partA_names()["grid"]), ("partA_best", partA_names()["on_best"])
)


rule partA_optimizers_figure:
    input:
        histories=list(OPTIMIZER_HISTORIES),
        best_cell=best_cell_record(),
    output:
        in_report("results/figures/partA_optimizers.png", "partA_optimizers"),
    log:
        "logs/aggregate/partA_optimizers_figure.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("curves.py"),
        recorded=recorded("histories"),
        variant_of=OPTIMIZER_HISTORIES,
        figures=[
            (
                "Part A: optimizers and dropout on the best grid cell",
                ["grid_best"] + partA_names()["on_best"],
            )
        ],
        caption=protocol_caption("partA"),
    script:
        "../scripts/curves.py"


rule partA_feature_maps_figure:
    input:
        weights=run_outputs("partA", "baseline", config["seeds"][0], "model.pt"),
        test="resources/cifar10/test.parquet",
    output:
        [
            in_report(
                f"results/figures/partA_feature_maps_{image}.png", "partA_feature_maps"
            )
            for image in config["partA"]["feature_map_images"]
        ],
    log:
        "logs/aggregate/partA_feature_maps_figure.log",
    localrule: True
    conda:
        "../envs/train.yaml"
    params:
        code=code_digest("feature_maps.py"),
        recorded=recorded([run_outputs("partA", "baseline", config["seeds"][0])]),
        images=config["partA"]["feature_map_images"],
    script:
        "../scripts/feature_maps.py"


rule partB_comparison_figure:
    input:
        table="results/tables/partB_all.csv",
    output:
        in_report("results/figures/partB_comparison.png", "partB_comparison"),
    log:
        "logs/aggregate/partB_comparison_figure.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("comparison_figure.py"),
        recorded=recorded(all_runs("partB", partB_variants())),
        title="Part B: test accuracy of every text model",
        caption=protocol_caption("partB"),
    script:
        "../scripts/comparison_figure.py"


DROPOUT_HISTORIES = run_histories(("partB", partB_dropout_variants()))


rule partB_curves_figure:
    input:
        histories=list(DROPOUT_HISTORIES),
    output:
        [
            in_report(f"results/figures/partB_{model}_curves.png", "partB_curves")
            for model in config["partB"]["dropout_table"]
        ],
    log:
        "logs/aggregate/partB_curves_figure.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("curves.py"),
        recorded=recorded("histories"),
        variant_of=DROPOUT_HISTORIES,
        figures=partB_curve_figures(),
        caption=protocol_caption("partB"),
    script:
        "../scripts/curves.py"


RNN_VARIANT_HISTORIES = run_histories(("partB", config["partB"]["rnn_table"]))


rule partB_rnn_variants_figure:
    input:
        histories=list(RNN_VARIANT_HISTORIES),
    output:
        in_report("results/figures/partB_rnn_variants.png", "partB_rnn_variants"),
    log:
        "logs/aggregate/partB_rnn_variants_figure.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("curves.py"),
        recorded=recorded("histories"),
        variant_of=RNN_VARIANT_HISTORIES,
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
