"""Rule script: character (UTF-8 byte) ids of the configured field."""
from cz4042 import tokenize
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    i, p, out = snakemake.input, snakemake.params, snakemake.output
    tokenize.write_char_ids(i.train, i.test, p.field, p.max_len, out.train, out.test)
    log(f"char ids of field {p.field!r}, length {p.max_len}")
