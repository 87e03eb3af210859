#!/usr/bin/env bash
# sbatch for one Snakemake job or group job (cluster-generic's submit command); prints
# the Slurm job id, which Snakemake then hands to status.sh and scancel.
#   submit.sh THREADS MEM_MB RUNTIME_MIN PARTITION ACCOUNT GRES JOBSCRIPT
# ACCOUNT '' asks for none; GRES '' asks for no GPU (data preparation jobs).
set -euo pipefail
threads=$1 mem_mb=$2 runtime=$3 partition=$4 account=$5 gres=$6 jobscript=$7
mkdir -p logs/slurm
args=(--parsable --job-name=cz4042 --cpus-per-task="$threads" --mem="$mem_mb" --time="$runtime"
      --partition="$partition" --output=logs/slurm/%j.log)
[ -z "$account" ] || args+=(--account="$account")
[ -z "$gres" ] || args+=(--gres="$gres")
sbatch "${args[@]}" "$jobscript" | cut -d';' -f1
