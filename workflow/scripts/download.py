"""Rule script: fetch one official archive and verify it."""
from cz4042.download import download
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    p = snakemake.params
    download(p.url, snakemake.output[0], p.checksum, p.members)
    log(f"downloaded {p.url} -> {snakemake.output[0]} ({p.checksum} verified)")
