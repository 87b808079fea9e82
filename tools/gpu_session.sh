#!/usr/bin/env bash
# Issue 10's GPU checks on a machine with an NVIDIA GPU where CuPy, PyTorch, pytest and tocha's dependencies are
# already installed and no package index can be reached (the lent H100/H200 machines): tocha runs from this
# checkout's sources, nothing is installed. Each step runs twice, with the fused kernels off and on
# (TOCHA_CUDA_FUSED, see docs/cuda.md), and writes its output to OUT_DIR.
#
#   bash tools/gpu_session.sh tests [OUT_DIR]   every gpu-marked test (op database on cuda included), ~5 min
#   bash tools/gpu_session.sh bench [OUT_DIR]   tools/bench/bench_gpu.py --device cuda against PyTorch CUDA
#
# Elsewhere use nox: `nox -s gpu` and `nox -s bench -- --device cuda` install what they need.
set -uo pipefail
cd "$(dirname "$0")/.."
step="${1:?usage: gpu_session.sh tests|bench [OUT_DIR]}"
out="${2:-${OUT:-gpu-results}}"
mkdir -p "$out"
export PYTHONPATH="$(printf '%s:' "$PWD"/packages/*/src)${PYTHONPATH:-}"

python3 - <<'EOF' | tee "$out/environment.txt"
import cupy, numpy, tocha, tocha.cuda
print(f"tocha from {tocha.__file__}; numpy {numpy.__version__}; cupy {cupy.__version__}")
print(f"device: {tocha.cuda.get_device_name()}, capability {tocha.cuda.get_device_capability()}")
try:
    import torch
    print(f"torch {torch.__version__}, cuda {torch.version.cuda}, available {torch.cuda.is_available()}")
except ImportError:
    print("torch: not installed")
EOF

status=0
for fused in 0 1; do
    case "$step" in
        tests)
            TOCHA_CUDA_FUSED=$fused python3 -m pytest -m gpu packages tests-integration -q -p no:cacheprovider \
                -o addopts="-ra --strict-markers" >"$out/gpu-tests-fused$fused.txt" 2>&1 || status=1
            tail -n 25 "$out/gpu-tests-fused$fused.txt"
            ;;
        bench)
            (cd tools/bench && TOCHA_CUDA_FUSED=$fused python3 bench_gpu.py --device cuda) \
                >"$out/bench-fused$fused.txt" 2>&1 || status=1
            cat "$out/bench-fused$fused.txt"
            ;;
        *)
            echo "unknown step '$step' (tests or bench)" >&2
            exit 2
            ;;
    esac
done
exit $status
