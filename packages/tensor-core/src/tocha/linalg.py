"""``tocha.linalg``: linear algebra on batches of matrices, as ``torch.linalg``.

Every function works on the last two dimensions and batches over the leading ones; inputs are float32,
float64, complex64 or complex128 (integer inputs raise, as in PyTorch). Decompositions, inverses and
solves are differentiable (PyTorch's formulas); the other functions are compositions of differentiable
ops. Singular or non-positive-definite inputs raise :class:`LinAlgError` with PyTorch's messages.

Example:
    >>> import tocha
    >>> A = tocha.tensor([[4.0, 1.0], [1.0, 3.0]], dtype=tocha.float64)
    >>> x = tocha.linalg.solve(A, tocha.tensor([1.0, 2.0], dtype=tocha.float64))
    >>> (A @ x).round(decimals=6)
    tensor([1., 2.], dtype=tocha.float64)
    >>> tocha.linalg.eigvalsh(A).round(decimals=4)
    tensor([2.3820, 4.6180], dtype=tocha.float64)
"""

from ._ops.linalg_compat import ldl_factor as ldl_factor
from ._ops.linalg_compat import ldl_factor_ex as ldl_factor_ex
from ._ops.linalg_compat import ldl_solve as ldl_solve
from ._ops.linalg_compat import matmul as matmul
from ._ops.linalg_decomp import LinAlgError as LinAlgError
from ._ops.linalg_functions import cholesky as cholesky
from ._ops.linalg_functions import cholesky_ex as cholesky_ex
from ._ops.linalg_functions import cond as cond
from ._ops.linalg_functions import cross as cross
from ._ops.linalg_functions import det as det
from ._ops.linalg_functions import diagonal as diagonal
from ._ops.linalg_functions import eig as eig
from ._ops.linalg_functions import eigh as eigh
from ._ops.linalg_functions import eigvals as eigvals
from ._ops.linalg_functions import eigvalsh as eigvalsh
from ._ops.linalg_functions import householder_product as householder_product
from ._ops.linalg_functions import inv as inv
from ._ops.linalg_functions import inv_ex as inv_ex
from ._ops.linalg_functions import lstsq as lstsq
from ._ops.linalg_functions import lu as lu
from ._ops.linalg_functions import lu_factor as lu_factor
from ._ops.linalg_functions import lu_factor_ex as lu_factor_ex
from ._ops.linalg_functions import lu_solve as lu_solve
from ._ops.linalg_functions import matrix_exp as matrix_exp
from ._ops.linalg_functions import matrix_norm as matrix_norm
from ._ops.linalg_functions import matrix_power as matrix_power
from ._ops.linalg_functions import matrix_rank as matrix_rank
from ._ops.linalg_functions import multi_dot as multi_dot
from ._ops.linalg_functions import norm as norm
from ._ops.linalg_functions import pinv as pinv
from ._ops.linalg_functions import qr as qr
from ._ops.linalg_functions import slogdet as slogdet
from ._ops.linalg_functions import solve as solve
from ._ops.linalg_functions import solve_ex as solve_ex
from ._ops.linalg_functions import solve_triangular as solve_triangular
from ._ops.linalg_functions import svd as svd
from ._ops.linalg_functions import svdvals as svdvals
from ._ops.linalg_functions import tensorinv as tensorinv
from ._ops.linalg_functions import tensorsolve as tensorsolve
from ._ops.linalg_functions import vander as vander
from ._ops.linalg_functions import vecdot as vecdot
from ._ops.linalg_functions import vector_norm as vector_norm

__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "householder_product",
    "inv",
    "inv_ex",
    "ldl_factor",
    "ldl_factor_ex",
    "ldl_solve",
    "lstsq",
    "lu",
    "lu_factor",
    "lu_factor_ex",
    "lu_solve",
    "matmul",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svdvals",
    "tensorinv",
    "tensorsolve",
    "vander",
    "vecdot",
    "vector_norm",
]

for _name in __all__:  # det, matrix_power and matrix_exp are also tocha.det & co.: the same functions
    globals()[_name].__module__ = "tocha.linalg"
del _name
