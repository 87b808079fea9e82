#!/usr/bin/env bash
# Issue 10's GPU checks on a machine with an NVIDIA GPU where CuPy, PyTorch, pytest and tocha's dependencies are
# already installed and no package index can be reached (the lent H100/H200 machines): tocha runs from this
# checkout's sources, nothing is installed. tests and bench run twice, with the fused kernels off and on
# (TOCHA_CUDA_FUSED, see docs/cuda.md), and writes its output to OUT_DIR.
#
#   bash tools/gpu_session.sh tests [OUT_DIR]   every gpu-marked test (op database on cuda included), ~5 min
#   bash tools/gpu_session.sh bench [OUT_DIR]   tools/bench/bench_gpu.py --device cuda against PyTorch CUDA
#   bash tools/gpu_session.sh all [OUT_DIR]     one short lease (~4 min on an H200): NVRTC compiles of the kernel
#       modules, the bench, tools/bench/conv_gpu.py, host_calls_gpu.py, profile_gpu.py --ops (with the queued GPU
#       time of each step, tocha's and PyTorch's), every gpu test across 14
#       processes (pytest-xdist), then nn/optim/integration with the fused kernels off; each part under its own
#       time limit, so a slow one cannot eat the rest
#
# Elsewhere use nox: `nox -s gpu` and `nox -s bench -- --device cuda` install what they need.
set -uo pipefail
cd "$(dirname "$0")/.."
step="${1:?usage: gpu_session.sh tests|bench|all [OUT_DIR]}"
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

if [ "$step" = all ]; then
    nvidia-smi -L | tee -a "$out/environment.txt"
    xdist=$(python3 -c "import xdist" 2>/dev/null && echo "-n 14")
    xdist="$xdist $(python3 -c "import pytest_timeout" 2>/dev/null && echo "--timeout 45")"
    pytest_gpu() {  # FUSED LIMIT_S LOG PATHS...
        local fused=$1 limit=$2 log=$3
        shift 3
        TOCHA_CUDA_FUSED=$fused timeout "$limit" python3 -m pytest -m gpu "$@" -v $xdist -p no:cacheprovider \
            --tb=short -p no:benchmark --continue-on-collection-errors -o addopts="-ra --strict-markers" >"$log" 2>&1
        echo "== tests, TOCHA_CUDA_FUSED=$fused, rc $? (124: cut at ${limit}s)"
        grep -E "^(FAILED|ERROR)|[0-9]+ (passed|failed)" "$log" | cut -c1-300 | tail -n 60
    }
    timeout 60 python3 tools/check_nvrtc.py >"$out/nvrtc.txt" 2>&1
    echo "== NVRTC compile of every kernel module, rc $?"
    tail -n 1 "$out/nvrtc.txt"
    (cd tools/bench && timeout 60 python3 bench_gpu.py --device cuda) >"$out/bench.txt" 2>&1
    echo "== bench, rc $?"
    cat "$out/bench.txt"
    (cd tools/bench && timeout 30 python3 conv_gpu.py) >"$out/conv.txt" 2>&1
    echo "== convolutions, rc $?"
    cat "$out/conv.txt"
    (cd tools/bench && timeout 30 python3 host_calls_gpu.py) >"$out/host-calls.txt" 2>&1
    echo "== host cost per CUDA call, rc $?"
    cat "$out/host-calls.txt"
    (cd tools/bench && timeout 45 python3 profile_gpu.py --steps 10 --ops --sort cumulative --top 40) \
        >"$out/profile.txt" 2>&1
    grep -E "^==|^--" "$out/profile.txt"
    pytest_gpu 1 150 "$out/gpu-tests.txt" packages tests-integration
    pytest_gpu 0 35 "$out/gpu-tests-unfused.txt" packages/nn packages/optim tests-integration
    exit 0
fi

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
