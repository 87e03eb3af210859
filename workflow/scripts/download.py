"""Rule script: fetch one official archive and verify it."""
from cz4042.download import fetch
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    p = snakemake.params
    fetch(p.url, snakemake.output[0], p.checksum, p.members, p.stall_timeout_s, log=log)
    log(f"downloaded {p.url} -> {snakemake.output[0]} ({p.checksum} verified)")
