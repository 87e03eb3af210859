"""Rule script: the report's accuracies against ours, coloured by verdict."""
import pandas as pd

from cz4042 import plots
from cz4042.atomic import save_figure
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    table = pd.read_csv(snakemake.input.table)
    save_figure(snakemake.output[0], plots.reproduction_figure(table))
    log(f"{snakemake.output[0]}: {int((table['metric'] == 'test_accuracy').sum())} accuracies")
