# Stage 3: the best grid cell, which the on-best Part A variants train on.


rule partA_best_cell:
    input:
        metrics=expand(
            "results/runs/partA/{variant}/seed{seed}/metrics.json",
            variant=partA_names()["grid"],
            seed=config["seeds"],
        ),
    output:
        "results/partA/best_cell.json",
    log:
        "logs/partA/best_cell.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("best_cell.py"),
        cells=cfg.grid_cells(config),
        select_by=config["partA"]["grid"]["select_by"],
    script:
        "../scripts/best_cell.py"
