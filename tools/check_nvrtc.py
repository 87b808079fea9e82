"""Compile every fused CUDA kernel module with NVRTC for sm_90, as CuPy does on first use on a GPU; no GPU needed.

A module that does not compile turns all the fused kernels off on every GPU (with one RuntimeWarning), so CI
compiles them all: tensor-core's Philox generator, nn's (softmax/layer norm/gelu/relu, cross-entropy, max pooling,
convolution) and optim's.
Needs CuPy's NVRTC binding and libnvrtc (``nox -s nvrtc`` installs ``cupy-cuda12x`` and
``nvidia-cuda-nvrtc-cu12``). Exits 1, with NVRTC's log, when a module fails or NVRTC cannot be loaded.

Usage: ``python tools/check_nvrtc.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

ARCH = "-arch=compute_90"  # the H100/H200's; NVRTC checks the source, the driver compiles for the real GPU


def _compile(what: str, source: str, names: Sequence[str], options: Sequence[str]) -> str | None:
    """None when ``source`` compiles with every template instantiation in ``names``, else NVRTC's message."""
    from cupy_backends.cuda.libs import nvrtc

    program = nvrtc.createProgram(source, f"tocha_{what.replace(' ', '_').replace('/', '_')}.cu", [], [])
    for name in names:
        nvrtc.addNameExpression(program, name)
    try:
        nvrtc.compileProgram(program, [ARCH, *options])
    except Exception as exc:  # CuPy raises its own NVRTCError
        return f"{exc}\n{nvrtc.getProgramLog(program)}"
    missing = [name for name in names if not nvrtc.getLoweredName(program, name)]
    return f"no lowered names for {missing}" if missing else None


def main() -> int:
    try:
        from cupy_backends.cuda.libs import nvrtc

        major, minor = nvrtc.getVersion()
    except Exception as exc:  # no CuPy, or no libnvrtc
        print(f"check_nvrtc: NVRTC cannot be loaded ({type(exc).__name__}: {exc})")
        return 1
    from tocha import _philox
    from tocha.nn.functional import _cuda_ce_kernels, _cuda_conv_kernels, _cuda_kernels, _cuda_pool_kernels
    from tocha.optim import _cuda_kernels as optim_kernels

    del _cuda_ce_kernels, _cuda_conv_kernels, _cuda_pool_kernels  # imported to register their modules
    modules: list[tuple[str, str, list[str], Sequence[str]]] = [
        (m.what, m.source, m.name_expressions(), ("-std=c++14",)) for m in _cuda_kernels._MODULES
    ]
    modules.append(("optimizer", optim_kernels.SOURCE, optim_kernels.name_expressions(), optim_kernels.OPTIONS))
    modules.append(("philox", _philox.SOURCE, [], ("-std=c++14",)))  # one plain extern "C" kernel
    failed = 0
    for what, source, names, options in modules:
        problem = _compile(what, source, names, options)
        label = f"{what} ({len(names)} template instantiations)" if names else what
        print(f"{label}: " + ("compiles" if problem is None else f"FAILS\n{problem}"))
        failed += problem is not None
    print(f"check_nvrtc: NVRTC {major}.{minor}, {ARCH}: {len(modules) - failed} of {len(modules)} modules compile")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
