"""Rule script: choose the best grid cell from the grid runs."""
from cz4042 import records, selection
from cz4042.atomic import write_json
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    p = snakemake.params
    best = selection.select_best_cell(records.read_runs(snakemake.input.metrics), p.cells, p.select_by)
    write_json(snakemake.output[0], best)
    log(f"best cell {best['variant']}: test accuracy {best['test_accuracy']:.4f} (by {p.select_by})")
