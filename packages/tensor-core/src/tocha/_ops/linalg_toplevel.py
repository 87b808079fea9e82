"""The ``torch.*`` names of linear-algebra functions (``tocha.det``, ``tocha.svd``...), star-imported by ``tocha``.

Most are :mod:`tocha.linalg` functions under a second name; ``svd``, ``qr``, ``slogdet`` and ``cholesky``
keep ``torch.svd``'s (``some``, ``V`` instead of ``Vh``), ``torch.qr``'s and ``torch.cholesky``'s conventions.
"""

from .linalg_functions import cholesky_top as cholesky
from .linalg_functions import det as det
from .linalg_functions import inverse as inverse
from .linalg_functions import logdet as logdet
from .linalg_functions import matrix_exp as matrix_exp
from .linalg_functions import matrix_power as matrix_power
from .linalg_functions import pinverse as pinverse
from .linalg_functions import qr_top as qr
from .linalg_functions import slogdet_top as slogdet
from .linalg_functions import svd_top as svd
from .linalg_functions import trace as trace

__all__ = [
    "cholesky",
    "det",
    "inverse",
    "logdet",
    "matrix_exp",
    "matrix_power",
    "pinverse",
    "qr",
    "slogdet",
    "svd",
    "trace",
]

for _name in ("cholesky", "inverse", "logdet", "pinverse", "qr", "slogdet", "svd", "trace"):
    globals()[_name].__module__ = "tocha"
del _name
