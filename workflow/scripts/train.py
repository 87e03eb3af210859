"""Rule script: one training run of any variant (Part A or Part B)."""
from cz4042 import training
from cz4042.resume import Interrupted
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    files = {**dict(snakemake.input.items()), **dict(snakemake.output.items()), "resume": snakemake.params.resume}
    spec = training.run_spec(snakemake.params.run, files, snakemake.threads)
    try:
        metrics = training.run(spec, log)
    except Interrupted:
        raise SystemExit(143)
    log(f"done: final test accuracy {metrics['final_test_accuracy']:.4f} in {metrics['total_seconds']:.1f} s")
