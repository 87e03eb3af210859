"""Rule script: one training run of any variant (Part A or Part B)."""
from cz4042 import training
from cz4042.resume import Interrupted
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    i, p, out = snakemake.input, snakemake.params, snakemake.output
    spec = training.RunSpec(
        name=p.name, model=p.run["model"], model_args=p.run["model_args"], protocol=p.run["protocol"],
        protocol_overrides=p.run.get("protocol_overrides"), seed=p.seed, train_path=i.train, test_path=i.test,
        vocab_path=i.get("vocab"), best_cell_path=i.get("best_cell"), history_path=out.history,
        metrics_path=out.metrics, weights_path=out.weights, resume_path=p.resume, checkpoint_every=p.checkpoint_every,
        device=p.device, deterministic=p.deterministic, precision=p.precision, threads=snakemake.threads,
        configured_threads=p.configured_threads)
    try:
        metrics = training.run(spec, log)
    except Interrupted:
        raise SystemExit(143)
    log(f"done: final test accuracy {metrics['final_test_accuracy']:.4f} in {metrics['total_seconds']:.1f} s")
