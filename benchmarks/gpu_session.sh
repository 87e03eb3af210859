#!/usr/bin/env bash
# One prepared session on a machine with a CUDA GPU: the CUDA path checks, the speed
# tables (fp32 for every model and every grid cell; tf32 and bf16 for the CIFAR cells),
# and real report-protocol (500-epoch) training runs through Snakemake, Table 1 of
# Part B and the Part A baseline, with their job logs. Every step has its own time limit,
# so one that fails or overruns leaves the others' results.
#
#   benchmarks/gpu_session.sh OUTDIR COURSE_CONFIG [SNAKEMAKE_SECONDS]
#
# COURSE_CONFIG: a config overlay naming the course files (see README, "course files").
set -u
out=$(realpath -m "$1")
course=$2
train_seconds=${3:-180}
python=${PYTHON:-python3}
mkdir -p "$out"
export PYTHONUNBUFFERED=1

nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv | tee "$out/gpu.txt"
"$python" -c "import torch, sys; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name())" | tee -a "$out/gpu.txt"

step() {  # name seconds command...
    local name=$1 seconds=$2
    shift 2
    local started=$SECONDS
    timeout "$seconds" "$@" >"$out/$name.log" 2>&1
    echo "$name: exit $? after $((SECONDS - started)) s" | tee -a "$out/steps.txt"
}

step cuda_checks 90 "$python" benchmarks/cuda_checks.py --out "$out"
step speed_fp32 120 "$python" benchmarks/train_speed.py --device cuda --threads 4 --steps 30 --repeats 5 \
    --grid-cells 10x10 32x32 32x64 64x64 64x128 128x128 128x256 256x256 256x512 --out "$out" --name speed_cuda_fp32
for precision in tf32 bf16; do
    step "speed_$precision" 60 "$python" benchmarks/train_speed.py --device cuda --threads 4 --steps 30 --repeats 5 \
        --only cifar --grid-cells 128x256 256x512 --precision "$precision" --out "$out" --name "speed_cuda_$precision"
done

runs=(results/runs/partA/baseline/seed1/metrics.json)
for variant in char_cnn word_cnn char_rnn word_rnn; do
    runs+=("results/runs/partB/$variant/seed1/metrics.json" "results/runs/partB/${variant}_dropout/seed1/metrics.json")
done
step snakemake "$train_seconds" "$python" -m snakemake --cores 16 --scheduler greedy --configfile "$course" \
    --config device=cuda -- "${runs[@]}" results/tables/partB_dropout.md
# Weights stay in results/ (tens of MB); the archive carries what the tables and notes need.
tar czf "$out/runs.tar.gz" --exclude="*.pt" results/runs results/tables logs 2>/dev/null
cat "$out"/*.md "$out/steps.txt"
