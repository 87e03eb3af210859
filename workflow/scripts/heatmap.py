"""Rule script: grid-search heat map from the grid table."""
import pandas as pd

from cz4042 import plots
from cz4042.atomic import save_figure
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    grid = pd.read_csv(snakemake.input.table)
    save_figure(snakemake.output[0], plots.heatmap_figure(grid, snakemake.params.caption))
