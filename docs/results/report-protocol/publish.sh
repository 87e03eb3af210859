#!/usr/bin/env bash
# Refresh this folder from a pipeline run of the report protocol: copy each finished
# run's record (metrics.json, history.parquet; no weights), then rebuild the tables and
# figures from these records alone (nothing is trained) and keep copies here.
#   docs/results/report-protocol/publish.sh [RUN_ROOT]   (RUN_ROOT: where the runs are; default results)
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/../../.."
here=docs/results/report-protocol
source_root=${1:-results}
for metrics in "$source_root"/runs/*/*/seed*/metrics.json; do
    run=$(dirname "$metrics")
    target="$here/runs/${run#"$source_root"/runs/}"
    mkdir -p "$target"
    cp "$run/metrics.json" "$run/history.parquet" "$target/"
done
# Part A's figures need the grid; its baseline curves need only the baseline's runs.
partA=()
if compgen -G "$here/runs/partA/baseline/seed*/history.parquet" > /dev/null; then
    partA=(results/figures/partA_baseline_curves.png)
fi
snakemake --cores 1 verdicts partB "${partA[@]}" --configfile "$here/config.yaml" --quiet progress
mkdir -p "$here/tables" "$here/figures"
cp results/tables/{reproduction,ablations,claims,outstanding_runs,partB_dropout,partB_rnn_variants,partB_all}.{csv,md} "$here/tables/"
cp results/figures/reproduction.png results/figures/partB_*.png "${partA[@]}" "$here/figures/"
# The README's summary is generated from these tables (tests/test_readme_summary.py).
python -m cz4042.readme_summary "$here/tables" README.md
