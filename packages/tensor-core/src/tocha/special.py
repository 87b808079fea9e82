"""``tocha.special``: special functions, as ``torch.special``.

Functions tocha already has at the top level (erf, lgamma, logit...) are the same objects here.

Example:
    >>> import tocha
    >>> tocha.special.expit(tocha.tensor([0.0]))
    tensor([0.5000])
"""

from ._ops.elementwise import (
    digamma,
    erf,
    erfc,
    erfinv,
    exp2,
    expm1,
    lgamma,
    log1p,
    logit,
    polygamma,
    round,
    sigmoid,
    xlogy,
)
from ._ops.reduction import logsumexp
from ._ops.special_ops import (
    bessel_j0,
    bessel_j1,
    entr,
    erfcx,
    gammainc,
    gammaincc,
    i0,
    i0e,
    i1,
    i1e,
    log_ndtr,
    log_softmax,
    multigammaln,
    ndtr,
    ndtri,
    sinc,
    softmax,
    xlog1py,
    zeta,
)

expit = sigmoid
gammaln = lgamma
psi = digamma

__all__ = [
    "bessel_j0",
    "bessel_j1",
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammainc",
    "gammaincc",
    "gammaln",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "sinc",
    "softmax",
    "xlog1py",
    "xlogy",
    "zeta",
]
