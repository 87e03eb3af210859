# Stage 4: does it reproduce the report? One verdict per report number, the ablations
# beside their targets, and a figure of both. Reads the runs of `reproduction.records`.


rule reproduction_table:
    input:
        unpack(verdict_inputs),
        reference=REFERENCE,
        protocol=REPORT_PROTOCOL,
        claims=REPORT_CLAIMS,
        peers=PEERS,
    output:
        csv=in_report("results/tables/reproduction.csv", "reproduction_table"),
        md="results/tables/reproduction.md",
        ablations_csv=in_report("results/tables/ablations.csv", "ablations_table"),
        ablations_md="results/tables/ablations.md",
        claims_csv=in_report("results/tables/claims.csv", "claims_table"),
        claims_md="results/tables/claims.md",
    log:
        "logs/verdicts/reproduction_table.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("reproduction.py"),
        rules=verdict_rules(),
        hypotheses=config["hypotheses"],
        worlds=world_rows(),
        rows=report_row_parts(),
        views=run_views(),
        source=f"run records of {records_root()}/runs",
    script:
        "../scripts/reproduction.py"


rule outstanding_runs:
    input:
        unpack(verdict_inputs),
        protocol=REPORT_PROTOCOL,
    output:
        csv="results/tables/outstanding_runs.csv",
        md="results/tables/outstanding_runs.md",
    log:
        "logs/verdicts/outstanding_runs.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("outstanding_runs.py"),
        wanted=wanted_runs(),
        derived={
            v.name: [v.row, list(v.hypotheses)] for v in derived_variants().values()
        },
        readings={
            name: entry
            for name, entry in config["hypotheses"].items()
            if "reading" in entry
        },
        source=f"{records_root()}/runs",
    script:
        "../scripts/outstanding_runs.py"


rule reproduction_figure:
    input:
        table="results/tables/reproduction.csv",
    output:
        in_report("results/figures/reproduction.png", "reproduction_figure"),
    log:
        "logs/verdicts/reproduction_figure.log",
    localrule: True
    conda:
        "../envs/aggregate.yaml"
    params:
        code=code_digest("reproduction_figure.py"),
    script:
        "../scripts/reproduction_figure.py"


rule verdicts:
    input:
        verdict_outputs(),
