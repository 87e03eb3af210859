"""Rule script: DBpedia csv (course files or a sample of the archive) -> Parquet."""
from cz4042 import dbpedia
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    p, out = snakemake.params, snakemake.output
    counts = dbpedia.prepare(p.train_source, p.test_source, p.train_per_class, p.test_per_class, p.seed,
                             p.archive_train_rows, p.archive_test_rows, out.train, out.test)
    log(f"DBpedia: {counts['train']} training and {counts['test']} test texts")
