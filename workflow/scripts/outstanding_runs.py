"""Rule script: the runs the verdicts read that have no record yet, why each is asked,
and what it would take (results/tables/outstanding_runs.{csv,md})."""
from pathlib import Path

import pandas as pd
import yaml

from cz4042 import outstanding, verdicts
from cz4042.atomic import write_csv, write_text
from cz4042.rule import log_path, logger, reported

log = logger(log_path(snakemake))
with reported(log):
    i, p, out = snakemake.input, snakemake.params, snakemake.output
    wanted = [(outstanding.Wanted(w["family"], w["part"], w["variant"], w["seed"], tuple(w["base_seeds"])),
               Path(w["path"]).exists()) for w in p.wanted]
    missing = [w for w, exists in wanted if not exists]
    with open(i.protocol, encoding="utf-8") as handle:
        epochs = {part: entry["epochs"] for part, entry in yaml.safe_load(handle).items() if part in ("partA", "partB")}
    derived = {name: (row, tuple(names)) for name, (row, names) in p.derived.items()}
    runs = verdicts.run_table(i.metrics, i.histories)
    missing += outstanding.reading_reruns([w for w, exists in wanted if exists], runs, p.readings)
    costs = pd.read_csv(i.costs) if "costs" in i.keys() else None
    table = outstanding.outstanding_table(missing, derived, runs, costs, epochs)
    write_csv(out.csv, table)
    write_text(out.md, outstanding.outstanding_markdown(table, "Runs the verdicts still need", p.source))
    log(f"{out.csv}: {len(missing)} runs missing of {len(p.wanted)}, {table['cpu_hours'].sum():.1f} CPU-hours")
