"""Rule script: one comparison table (csv + md), ours beside the report's numbers."""
from cz4042 import aggregate, records
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    i, p, out = snakemake.input, snakemake.params, snakemake.output
    runs = records.read_runs(i.metrics)
    reference = records.read_reference(i.reference, p.reference_table)
    if p.kind == "grid":
        table = aggregate.grid_table(runs, p.cells, reference)
    elif p.kind == "comparison":
        best_cell = records.read_best_cell(i.best_cell)
        table = aggregate.comparison_table(runs, p.baseline, best_cell, p.on_best, reference)
    elif p.kind == "dropout":
        table = aggregate.dropout_table(runs, p.pairs, reference)
    else:
        table = aggregate.variants_table(runs, p.variants, reference)
    warning = aggregate.mixed_environment_warning(runs)
    aggregate.write_table(table, out.csv, out.md, p.title, aggregate.table_notes(p.caption, warning), warning)
    log(f"{out.csv}: {len(table)} rows")
