"""Rule script: feature maps of the trained baseline for the configured test images."""
from cz4042 import features
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    i, p = snakemake.input, snakemake.params
    features.write_feature_maps(i.weights, i.test, p.images, list(snakemake.output))
    log(f"feature maps of test images {p.images}")
