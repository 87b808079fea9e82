"""The ``torch.*`` names of linear-algebra functions (``tocha.det``, ``tocha.svd``...), star-imported by ``tocha``.

Most are :mod:`tocha.linalg` functions under a second name; ``svd``, ``qr``, ``slogdet`` and ``cholesky``
keep ``torch.svd``'s (``some``, ``V`` instead of ``Vh``), ``torch.qr``'s and ``torch.cholesky``'s conventions.
"""

from .linalg_functions import chain_matmul as chain_matmul
from .linalg_functions import cholesky_inverse as cholesky_inverse
from .linalg_functions import cholesky_solve as cholesky_solve
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
from .lobpcg import lobpcg as lobpcg

__all__ = [
    "chain_matmul",
    "cholesky",
    "cholesky_inverse",
    "cholesky_solve",
    "det",
    "inverse",
    "lobpcg",
    "logdet",
    "matrix_exp",
    "matrix_power",
    "pinverse",
    "qr",
    "slogdet",
    "svd",
    "trace",
]

for _name in (
    "chain_matmul",
    "cholesky",
    "cholesky_inverse",
    "cholesky_solve",
    "inverse",
    "lobpcg",
    "logdet",
    "pinverse",
    "qr",
    "slogdet",
    "svd",
    "trace",
):
    globals()[_name].__module__ = "tocha"
del _name
