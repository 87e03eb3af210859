"""Rule script: CIFAR-10 batches -> train/test Parquet."""
from cz4042 import cifar
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    p, out = snakemake.params, snakemake.output
    counts = cifar.prepare(p.train_source, p.test_source, p.n_train, p.n_test, out.train, out.test)
    log(f"CIFAR-10: {counts['train']} training and {counts['test']} test images")
