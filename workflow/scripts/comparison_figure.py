"""Rule script: bar chart of a comparison table, the report's numbers as markers."""
import pandas as pd

from cz4042 import plots
from cz4042.atomic import save_figure
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    table = pd.read_csv(snakemake.input.table)
    save_figure(snakemake.output[0], plots.comparison_figure(table, snakemake.params.title, snakemake.params.caption))
