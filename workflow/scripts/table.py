"""Rule script: one comparison table (csv + md), ours beside the report's numbers."""
from cz4042 import aggregate, records
from cz4042.errors import PipelineError
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    i, p, out = snakemake.input, snakemake.params, snakemake.output
    runs = records.read_runs(i.metrics)
    reference = records.read_reference(i.reference, p.reference_table)
    builders = {
        "grid": lambda: aggregate.grid_table(runs, p.cells, reference),
        "comparison": lambda: aggregate.comparison_table(
            runs, p.baseline, records.read_best_cell(i.best_cell), p.on_best, reference),
        "dropout": lambda: aggregate.dropout_table(runs, p.pairs, reference, p.partial),
        "variants": lambda: aggregate.variants_table(runs, p.variants, reference, p.partial),
    }
    if p.kind not in builders:
        raise PipelineError(f"rule {snakemake.rule}: unknown table kind {p.kind!r}; valid: {', '.join(builders)}")
    table = builders[p.kind]()
    warning = aggregate.mixed_environment_warning(runs)
    aggregate.write_table(table, out.csv, out.md, p.title, aggregate.table_notes(p.caption, warning), warning)
    log(f"{out.csv}: {len(table)} rows")
