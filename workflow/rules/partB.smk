# Stage 2b: Part B training (DBpedia): every text variant is a config entry run by the
# same script and engine as Part A.


rule train_partB:
    input:
        unpack(partB_inputs),
        code=code_of("train.py"),
    output:
        history="results/runs/partB/{variant}/seed{seed}/history.parquet",
        metrics="results/runs/partB/{variant}/seed{seed}/metrics.json",
        weights="results/runs/partB/{variant}/seed{seed}/model.pt",
    log:
        "logs/partB/{variant}/seed{seed}.log",
    benchmark:
        "results/benchmarks/jobs/partB/{variant}/seed{seed}.tsv"
    wildcard_constraints:
        variant=variant_pattern(list(config["partB"]["variants"])),
        seed=r"\d+",
    conda:
        "../envs/train.yaml"
    threads: config["partB"]["resources"]["threads"]
    resources:
        gpu=1,
        mem_mb=config["partB"]["resources"]["mem_mb"],
        runtime=config["partB"]["resources"]["runtime"],
    params:
        name="{variant}",
        run=partB_run,
        seed=seed_of,
        resume=resume_state("partB"),
        checkpoint_every=config["checkpoint_every"],
        device=config["device"],
        deterministic=config["deterministic"],
        precision=config["precision"],
        configured_threads=config["partB"]["resources"]["threads"],
    script:
        "../scripts/train.py"
