"""Rule script: the verdict table (one row per report number) and the ablations table."""
import pandas as pd

from cz4042 import records, verdicts
from cz4042.atomic import write_csv, write_text
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    i, p, out = snakemake.input, snakemake.params, snakemake.output
    runs = verdicts.run_table(i.metrics, i.histories)
    reference = pd.read_csv(i.reference)
    protocols = pd.read_csv(i.protocols).set_index("part").to_dict("index")
    sources = {"grid_best": records.read_best_cell(i.best_cell)["variant"]} if "best_cell" in i.keys() else {}
    tolerance = verdicts.Tolerance(**p.tolerance, statistic=p.statistic)
    table = verdicts.reproduction_table(reference, runs, sources, p.ablations, protocols, tolerance)
    notes = [f"Read from the {p.source}; ours = {p.statistic}-epoch test accuracy, mean ± sd over seeds (n). "
             f"Reproduced: |Δ| ≤ max({100 * tolerance.accuracy_points:g} pts, {tolerance.accuracy_sd:g} sd); "
             f"training loss within ×{tolerance.loss_factor:g} or both ≤ {tolerance.loss_floor:g}; "
             "times depend on the hardware (not comparable, shown as a ratio). "
             "Only runs of the report's protocol (workflow/reference/report_protocol.csv) count."]
    write_csv(out.csv, table)
    write_text(out.md, verdicts.reproduction_markdown(table, "Does it reproduce the report?", notes))
    ablations = verdicts.ablations_table(runs, reference, p.ablations, protocols, tolerance)
    write_csv(out.ablations_csv, ablations)
    spread = (f"An effect within the spread ({tolerance.accuracy_sd:g} sd of the target's seeds) needs "
              f"{tolerance.min_seeds} seeds of the ablation to tell from noise; with fewer it is provisional.")
    write_text(out.ablations_md, verdicts.ablations_markdown(ablations, "Ablations: one hypothesis per gap", notes + [spread]))
    log(f"{out.csv}: {len(table)} report numbers, {verdicts.verdict_counts(table)}; {len(ablations)} ablations")
