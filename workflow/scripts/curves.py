"""Rule script: learning curves, one line per variant (mean over its seeds)."""
from cz4042 import plots, records
from cz4042.atomic import save_figure
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    i, p = snakemake.input, snakemake.params
    best_cell = None
    if "best_cell" in i.keys():
        best_cell = records.read_best_cell(i.best_cell)["variant"]
    for output, (title, wanted) in zip(snakemake.output, p.figures):
        series = records.curve_series(p.variant_of, wanted, best_cell)
        save_figure(output, plots.curves_figure(series, title, p.caption))
        log(f"{output}: {len(series)} curves")
