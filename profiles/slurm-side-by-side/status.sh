#!/usr/bin/env bash
# A Slurm job's state as cluster-generic's status command wants it: running, success or
# failed. scontrol knows a job until MinJobAge (300 s by default) after it ends, far
# longer than Snakemake's check interval; sacct (where accounting runs) after that.
state=$(scontrol show job -o "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
[ -n "$state" ] || state=$(sacct -j "$1" -X -n -o State 2>/dev/null | awk 'NR == 1 {print $1}')
case "$state" in
    COMPLETED) echo success ;;
    PENDING | CONFIGURING | RUNNING | COMPLETING | SUSPENDED | REQUEUED | RESIZING | STAGE_OUT) echo running ;;
    *) echo failed ;;  # FAILED, TIMEOUT, OUT_OF_MEMORY, CANCELLED, NODE_FAIL, ..., or unknown
esac
