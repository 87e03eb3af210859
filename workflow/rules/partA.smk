# Stage 2a: Part A training (CIFAR-10): baseline and grid cells, then the optimizer and
# dropout variants on the best grid cell. One script and one engine for all of them.


rule train_partA:
    input:
        train="resources/cifar10/train.parquet",
        test="resources/cifar10/test.parquet",
        code=code_of("train.py"),
    output:
        history="results/runs/partA/{variant}/seed{seed}/history.parquet",
        metrics="results/runs/partA/{variant}/seed{seed}/metrics.json",
        weights="results/runs/partA/{variant}/seed{seed}/model.pt",
    log:
        "logs/partA/{variant}/seed{seed}.log",
    benchmark:
        "results/benchmarks/jobs/partA/{variant}/seed{seed}.tsv"
    wildcard_constraints:
        variant=variant_pattern(
            partA_names()["baseline"] + partA_names()["grid"] + partA_names()["extra"]
        ),
        seed=r"\d+",
    conda:
        "../envs/train.yaml"
    threads: config["partA"]["resources"]["threads"]
    resources:
        gpu=1,
        mem_mb=config["partA"]["resources"]["mem_mb"],
        runtime=config["partA"]["resources"]["runtime"],
    params:
        name="{variant}",
        run=partA_run,
        seed=seed_of,
        resume=resume_state("partA"),
        checkpoint_every=config["checkpoint_every"],
        device=config["device"],
        deterministic=config["deterministic"],
        precision=config["precision"],
        configured_threads=config["partA"]["resources"]["threads"],
    script:
        "../scripts/train.py"


rule partA_best_cell:
    input:
        metrics=expand(
            "results/runs/partA/{variant}/seed{seed}/metrics.json",
            variant=partA_names()["grid"],
            seed=config["seeds"],
        ),
        code=code_of("best_cell.py"),
    output:
        "results/partA/best_cell.json",
    log:
        "logs/partA/best_cell.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        cells=cfg.grid_cells(config),
        select_by=config["partA"]["grid"]["select_by"],
    script:
        "../scripts/best_cell.py"


rule train_partA_best:
    input:
        train="resources/cifar10/train.parquet",
        test="resources/cifar10/test.parquet",
        best_cell="results/partA/best_cell.json",
        code=code_of("train.py"),
    output:
        history="results/runs/partA_best/{variant}/seed{seed}/history.parquet",
        metrics="results/runs/partA_best/{variant}/seed{seed}/metrics.json",
        weights="results/runs/partA_best/{variant}/seed{seed}/model.pt",
    log:
        "logs/partA_best/{variant}/seed{seed}.log",
    benchmark:
        "results/benchmarks/jobs/partA_best/{variant}/seed{seed}.tsv"
    wildcard_constraints:
        variant=variant_pattern(partA_names()["on_best"]),
        seed=r"\d+",
    conda:
        "../envs/train.yaml"
    threads: config["partA"]["resources"]["threads"]
    resources:
        gpu=1,
        mem_mb=config["partA"]["resources"]["mem_mb"],
        runtime=config["partA"]["resources"]["runtime"],
    params:
        name="{variant}",
        run=partA_best_run,
        seed=seed_of,
        resume=resume_state("partA_best"),
        checkpoint_every=config["checkpoint_every"],
        device=config["device"],
        deterministic=config["deterministic"],
        precision=config["precision"],
        configured_threads=config["partA"]["resources"]["threads"],
    script:
        "../scripts/train.py"
