#!/usr/bin/env bash
# The GPU plan (benchmarks/gpu_plan.py) on a lent GPU machine, and what it needs there.
#
# Here, once before the call (builds the CIFAR Parquet files from the course files of
# config.local.yaml, and fetches the wheels of jsonschema, which the GPU machine's
# Python lacks; both under resources/, which git ignores):
#   bash benchmarks/gpu_plan.sh --prepare
# On the GPU machine (device tool: carry resources/cifar10 and resources/wheels):
#   bash benchmarks/gpu_plan.sh OUT [gpu_plan.py options]
set -euo pipefail
cd "$(dirname "$0")/.."
wheels=resources/wheels
if [[ ${1:-} == --prepare ]]; then
    python=${PYTHON:-.venv/bin/python}
    "$python" -m snakemake --cores 1 --quiet progress -- resources/cifar10/train.parquet resources/cifar10/test.parquet
    # The GPU machine: Python 3.12, x86-64; attrs and typing-extensions are there already.
    "$python" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$wheels" \
        jsonschema==4.26.0 jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1
    du -sh resources/cifar10 "$wheels"
    exit 0
fi
out=${1:?usage: benchmarks/gpu_plan.sh OUT [options] | --prepare}
shift
mkdir -p "$out"
if compgen -G "$wheels/*.whl" >/dev/null && ! python3 -c "import jsonschema" 2>/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site "$wheels"/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONUNBUFFERED=1
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"; } >"$out/machine.txt" 2>&1
exec python3 benchmarks/gpu_plan.py --out "$out" "$@"
