"""Rule script: the verdict table (one row per report number), the ablations table (every
hypothesis on every row it touches) and the report's claims, judged."""
import pandas as pd
import yaml

from cz4042 import claims, records, reproduction_tables, verdict_markdown, verdicts
from cz4042.atomic import write_csv, write_text
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    i, p, out = snakemake.input, snakemake.params, snakemake.output
    every_run = verdicts.run_table(i.metrics, i.histories)
    runs = every_run[verdicts.as_configured(every_run, p.views)]
    if len(runs) < len(every_run):
        log(f"{len(every_run) - len(runs)} runs are not their variant as configured now, and are not read: "
            + ", ".join(sorted(set(every_run.loc[~every_run.index.isin(runs.index), "variant"]))))
    reference = pd.read_csv(i.reference)
    with open(i.protocol, encoding="utf-8") as handle:
        protocol = yaml.safe_load(handle)
    run_variant_of = {"grid_best": records.read_best_cell(i.best_cell)["variant"]} if "best_cell" in i.keys() else {}
    rules = verdicts.Rules(**p.rules)
    worlds = {w: {row: reproduction_tables.WorldRow(*v) for row, v in changed.items()} for w, changed in p.worlds.items()}
    table, effects = reproduction_tables.reproduction_table(reference, runs, run_variant_of, protocol, p.hypotheses, worlds,
                                                            pd.read_csv(i.peers), rules,
                                                            pd.read_csv(i.costs) if "costs" in i.keys() else None)
    notes = [f"Read from the {p.source}. Rules: docs/verdicts.md. Ours = {rules.statistic}-epoch test accuracy "
             f"(mean ± sd over seeds, n) of runs matching the report's protocol on every hyperparameter "
             f"(workflow/reference/report_protocol.yaml). Reproduced: |Δ| ≤ {100 * rules.accuracy_band:g} pts; "
             f"a training loss within ×{rules.loss_factor:g}; times are not comparable (other hardware). "
             "Peers: other students' published numbers (workflow/reference/peers.csv), context only."]
    write_csv(out.csv, table)
    write_text(out.md, verdict_markdown.reproduction_markdown(table, list(worlds), "Does it reproduce the report?",
                                                              notes, rules.min_seeds))
    ablations = reproduction_tables.explain.effects_table(effects, p.hypotheses)
    write_csv(out.ablations_csv, ablations)
    write_text(out.ablations_md, verdict_markdown.ablations_markdown(
        ablations, "Registered hypotheses, on every row they touch", notes))
    own = reproduction_tables.report_runs(runs, protocol, p.rows)
    judged = claims.judge_claims(pd.read_csv(i.claims), own, reproduction_tables.histories_by_variant(own),
                                 run_variant_of, rules, reference)
    write_csv(out.claims_csv, judged)
    write_text(out.claims_md, claims.claims_markdown(judged, "The report's claims, judged from our runs", notes))
    log(f"{out.csv}: {len(table)} report numbers, {verdicts.verdict_counts(table)}; {len(ablations)} hypothesis "
        f"effects; claims {judged['verdict'].value_counts().to_dict()}")
