"""Rule script: vocabulary from the training split, then word ids."""
from cz4042 import tokenize
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    i, p, out = snakemake.input, snakemake.params, snakemake.output
    size = tokenize.write_word_ids(i.train, i.test, p.max_len, out.vocab, out.train, out.test)
    log(f"vocabulary of {size} words; word ids of length {p.max_len}")
