# Stage 2: training. One rule definition for every run: Part A's baseline and grid
# cells (train_partA), the optimizer and dropout variants on the best grid cell
# (train_partA_best) and every Part B text variant (train_partB) differ only in their
# inputs, outputs, resources and the per-variant view of the config.


rule train_partA:
    input:
        train="resources/cifar10/train.parquet",
        test="resources/cifar10/test.parquet",
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
            partA_names()["baseline"]
            + partA_names()["grid"]
            + partA_names()["derived"]
        ),
        seed=r"\d+",
    group:
        packing_group("partA")
    conda:
        "../envs/train.yaml"
    threads: config["partA"]["resources"]["threads"]
    resources:
        # one slot of a GPU (`--resources gpu_slots=K` lets K runs share one), and
        # Slurm's request as a string, which a group job does not sum over its members
        gpu_slots=1,
        gres="gpu:1",
        mem_mb=config["partA"]["resources"]["mem_mb"],
        runtime=config["partA"]["resources"]["runtime"],
    params:
        code=code_digest("train.py"),
        # the variant's view of the config, its seed and how to run it (training_params)
        run=partA_run,
        resume=resume_state("partA"),
    script:
        "../scripts/train.py"


use rule train_partA as train_partA_best with:
    input:
        train="resources/cifar10/train.parquet",
        test="resources/cifar10/test.parquet",
        best_cell="results/partA/best_cell.json",
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
    group:
        packing_group("partA_best")
    params:
        run=partA_best_run,
        resume=resume_state("partA_best"),


use rule train_partA as train_partB with:
    input:
        unpack(partB_inputs),
    output:
        history="results/runs/partB/{variant}/seed{seed}/history.parquet",
        metrics="results/runs/partB/{variant}/seed{seed}/metrics.json",
        weights="results/runs/partB/{variant}/seed{seed}/model.pt",
    log:
        "logs/partB/{variant}/seed{seed}.log",
    benchmark:
        "results/benchmarks/jobs/partB/{variant}/seed{seed}.tsv"
    wildcard_constraints:
        variant=variant_pattern(list(cfg.text_variants(config))),
        seed=r"\d+",
    group:
        packing_group("partB")
    threads: config["partB"]["resources"]["threads"]
    resources:
        gpu_slots=1,
        gres="gpu:1",
        mem_mb=config["partB"]["resources"]["mem_mb"],
        runtime=config["partB"]["resources"]["runtime"],
    params:
        run=partB_run,
        resume=resume_state("partB"),
