"""``tocha.backends``: the switches PyTorch scripts set under ``torch.backends``, with PyTorch's names and types.

tocha runs on NumPy (CPU) and CuPy (CUDA); it has no cuDNN, MPS, oneDNN or OpenMP code of its own. Each submodule
keeps PyTorch's flags with their defaults, validation and context managers, so ``tocha.backends.cudnn.benchmark =
True`` or ``tocha.backends.cuda.matmul.allow_tf32 = True`` work, and reports what is really there
(``cudnn.is_available()`` is False, ``mps.is_available()`` is False). A flag tocha has nothing to switch for is
stored and read back (NOTE [ Settings tocha stores but cannot apply ] in ``tocha/_settings.py``); the ones that
matter: ``cuda.matmul.allow_tf32`` is the same setting as ``tocha.set_float32_matmul_precision``, and the SDP
flags of ``tocha.backends.cuda`` are the state ``tocha.nn.attention.sdpa_kernel`` sets.

Example:
    >>> import tocha
    >>> tocha.backends.cudnn.benchmark = True
    >>> tocha.backends.cudnn.benchmark, tocha.backends.cudnn.is_available(), tocha.backends.mps.is_available()
    (True, False, False)
    >>> tocha.backends.cudnn.benchmark = False
"""

from . import cpu as cpu
from . import cuda as cuda
from . import cudnn as cudnn
from . import mkl as mkl
from . import mkldnn as mkldnn
from . import mps as mps
from . import openmp as openmp
from . import opt_einsum as opt_einsum

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp", "opt_einsum"]
