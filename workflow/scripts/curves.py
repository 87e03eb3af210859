"""Rule script: learning curves, one line per variant (mean over its seeds)."""
import json

from cz4042 import aggregate, plots
from cz4042.atomic import save_figure
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    i, p = snakemake.input, snakemake.params
    best_cell = None
    if "best_cell" in i.keys():
        with open(i.best_cell) as handle:
            best_cell = json.load(handle)["variant"]
    for output, (title, wanted) in zip(snakemake.output, p.figures):
        series = aggregate.curve_series(i.histories, p.labels, wanted, best_cell)
        save_figure(output, plots.curves_figure(series, title, p.caption))
        log(f"{output}: {len(series)} curves")
