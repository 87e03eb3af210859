"""Rule script: learning curves, one line per variant (mean over its seeds)."""
import json

from cz4042 import aggregate, plots
from cz4042.atomic import save_figure
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    i, p = snakemake.input, snakemake.params
    labels = list(p.labels)
    if "best_cell" in i.keys():
        # The best grid cell is only known at run time; its runs stand for "grid_best".
        with open(i.best_cell) as handle:
            best = json.load(handle)["variant"]
        labels = ["grid_best" if label == best else label for label in labels]
    for output, (title, wanted) in zip(snakemake.output, p.figures):
        series = {}
        for path, label in zip(i.histories, labels):
            if label in wanted:
                series.setdefault(label, []).append(aggregate.read_history(path))
        series = {label: series[label] for label in wanted if label in series}
        save_figure(output, plots.curves_figure(series, title, p.caption))
        log(f"{output}: {len(series)} curves")
