"""Function forms of Tensor methods: ``tocha.clone``, ``detach``, ``fill`` and the in-place twins (``tocha.abs_``...).

PyTorch exposes many in-place Tensor methods as top-level functions too
(``torch.exp_(x)`` is ``x.exp_()``). Each one here is that method and nothing
more, so its behaviour (dtype checks, autograd, version counters) is the
method's. Written out one by one (typed, documented), never generated at
import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._common import tensor_arg

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "clone",
    "detach",
    "fill",
    "abs_",
    "acos_",
    "acosh_",
    "addmv_",
    "arccos_",
    "arccosh_",
    "arcsin_",
    "arcsinh_",
    "arctan_",
    "arctanh_",
    "asin_",
    "asinh_",
    "atan_",
    "atanh_",
    "ceil_",
    "clamp_",
    "clip_",
    "conj_physical_",
    "cos_",
    "cosh_",
    "detach_",
    "erf_",
    "erfc_",
    "exp2_",
    "exp_",
    "expm1_",
    "fill_",
    "fix_",
    "floor_",
    "frac_",
    "gcd_",
    "i0_",
    "index_put_",
    "lcm_",
    "ldexp_",
    "log10_",
    "log1p_",
    "log2_",
    "log_",
    "logit_",
    "nan_to_num_",
    "neg_",
    "negative_",
    "reciprocal_",
    "round_",
    "rsqrt_",
    "sigmoid_",
    "sin_",
    "sinc_",
    "sinh_",
    "sqrt_",
    "square_",
    "tan_",
    "tanh_",
    "trunc_",
    "xlogy_",
    "zero_",
]


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy of ``input`` with its own memory (recorded by autograd): ``input.clone()``.

    Example:
        >>> import tocha
        >>> a = tocha.zeros(2); b = tocha.clone(a); b[0] = 1
        >>> a, b
        (tensor([0., 0.]), tensor([1., 0.]))
    """
    return tensor_arg("clone", input).clone(memory_format=memory_format)


def detach(input: Tensor) -> Tensor:
    """A tensor sharing ``input``'s memory, cut from autograd history: ``input.detach()``.

    Example:
        >>> import tocha
        >>> x = tocha.ones(2)
        >>> y = tocha.detach(x); y.requires_grad, y.data_ptr() == x.data_ptr()
        (False, True)
    """
    return tensor_arg("detach", input).detach()


def fill(input: Tensor, value: Any) -> Tensor:
    """A new tensor like ``input`` (shape, dtype, device) with every element ``value`` (a number or 0-dim tensor).

    The out-of-place form of :meth:`Tensor.fill_`; the gradient flows to a tensor ``value`` only.

    Example:
        >>> import tocha
        >>> tocha.fill(tocha.zeros(2, dtype=tocha.int64), 2.5)
        tensor([2, 2])
    """
    return tensor_arg("fill", input).clone().fill_(value)


def abs_(input: Tensor) -> Tensor:
    """``input.abs_()`` as a function: :meth:`Tensor.abs_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.abs_(tocha.tensor([-1.5, 1.5]))
        tensor([1.5000, 1.5000])
    """
    return tensor_arg("abs_", input).abs_()


def acos_(input: Tensor) -> Tensor:
    """``input.acos_()`` as a function: :meth:`Tensor.acos_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.acos_(tocha.tensor([0.5]))
        tensor([1.0472])
    """
    return tensor_arg("acos_", input).acos_()


def acosh_(input: Tensor) -> Tensor:
    """``input.acosh_()`` as a function: :meth:`Tensor.acosh_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.acosh_(tocha.tensor([2.0]))
        tensor([1.3170])
    """
    return tensor_arg("acosh_", input).acosh_()


def addmv_(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``input.addmv_(...)`` as a function: :meth:`Tensor.addmv_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.addmv_(tocha.zeros(2), tocha.eye(2), tocha.tensor([1.0, 2.0]))
        tensor([1., 2.])
    """
    return tensor_arg("addmv_", input).addmv_(mat, vec, beta=beta, alpha=alpha)


def arccos_(input: Tensor) -> Tensor:
    """``input.arccos_()`` as a function: :meth:`Tensor.arccos_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.arccos_(tocha.tensor([0.5]))
        tensor([1.0472])
    """
    return tensor_arg("arccos_", input).arccos_()


def arccosh_(input: Tensor) -> Tensor:
    """``input.arccosh_()`` as a function: :meth:`Tensor.arccosh_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.arccosh_(tocha.tensor([2.0]))
        tensor([1.3170])
    """
    return tensor_arg("arccosh_", input).arccosh_()


def arcsin_(input: Tensor) -> Tensor:
    """``input.arcsin_()`` as a function: :meth:`Tensor.arcsin_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.arcsin_(tocha.tensor([0.5]))
        tensor([0.5236])
    """
    return tensor_arg("arcsin_", input).arcsin_()


def arcsinh_(input: Tensor) -> Tensor:
    """``input.arcsinh_()`` as a function: :meth:`Tensor.arcsinh_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.arcsinh_(tocha.tensor([0.5]))
        tensor([0.4812])
    """
    return tensor_arg("arcsinh_", input).arcsinh_()


def arctan_(input: Tensor) -> Tensor:
    """``input.arctan_()`` as a function: :meth:`Tensor.arctan_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.arctan_(tocha.tensor([0.5]))
        tensor([0.4636])
    """
    return tensor_arg("arctan_", input).arctan_()


def arctanh_(input: Tensor) -> Tensor:
    """``input.arctanh_()`` as a function: :meth:`Tensor.arctanh_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.arctanh_(tocha.tensor([0.5]))
        tensor([0.5493])
    """
    return tensor_arg("arctanh_", input).arctanh_()


def asin_(input: Tensor) -> Tensor:
    """``input.asin_()`` as a function: :meth:`Tensor.asin_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.asin_(tocha.tensor([0.5]))
        tensor([0.5236])
    """
    return tensor_arg("asin_", input).asin_()


def asinh_(input: Tensor) -> Tensor:
    """``input.asinh_()`` as a function: :meth:`Tensor.asinh_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.asinh_(tocha.tensor([0.5]))
        tensor([0.4812])
    """
    return tensor_arg("asinh_", input).asinh_()


def atan_(input: Tensor) -> Tensor:
    """``input.atan_()`` as a function: :meth:`Tensor.atan_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.atan_(tocha.tensor([0.5]))
        tensor([0.4636])
    """
    return tensor_arg("atan_", input).atan_()


def atanh_(input: Tensor) -> Tensor:
    """``input.atanh_()`` as a function: :meth:`Tensor.atanh_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.atanh_(tocha.tensor([0.5]))
        tensor([0.5493])
    """
    return tensor_arg("atanh_", input).atanh_()


def ceil_(input: Tensor) -> Tensor:
    """``input.ceil_()`` as a function: :meth:`Tensor.ceil_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.ceil_(tocha.tensor([-1.5, 1.5]))
        tensor([-1.,  2.])
    """
    return tensor_arg("ceil_", input).ceil_()


def clamp_(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """``input.clamp_(...)`` as a function: :meth:`Tensor.clamp_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.clamp_(tocha.tensor([-1.0, 0.5, 2.0]), min=0.0, max=1.0)
        tensor([0.0000, 0.5000, 1.0000])
    """
    return tensor_arg("clamp_", input).clamp_(min, max)


def clip_(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """``input.clip_(...)`` as a function: :meth:`Tensor.clip_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.clip_(tocha.tensor([-1.0, 0.5, 2.0]), 0.0, 1.0)
        tensor([0.0000, 0.5000, 1.0000])
    """
    return tensor_arg("clip_", input).clip_(min, max)


def conj_physical_(input: Tensor) -> Tensor:
    """``input.conj_physical_()`` as a function: :meth:`Tensor.conj_physical_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.conj_physical_(tocha.tensor([1 + 2j]))
        tensor([1.-2.j])
    """
    return tensor_arg("conj_physical_", input).conj_physical_()


def cos_(input: Tensor) -> Tensor:
    """``input.cos_()`` as a function: :meth:`Tensor.cos_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.cos_(tocha.tensor([0.5]))
        tensor([0.8776])
    """
    return tensor_arg("cos_", input).cos_()


def cosh_(input: Tensor) -> Tensor:
    """``input.cosh_()`` as a function: :meth:`Tensor.cosh_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.cosh_(tocha.tensor([0.5]))
        tensor([1.1276])
    """
    return tensor_arg("cosh_", input).cosh_()


def detach_(input: Tensor) -> Tensor:
    """``input.detach_()`` as a function: :meth:`Tensor.detach_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> x = tocha.ones(2)
        >>> tocha.detach_(x) is x
        True
    """
    return tensor_arg("detach_", input).detach_()


def erf_(input: Tensor) -> Tensor:
    """``input.erf_()`` as a function: :meth:`Tensor.erf_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.erf_(tocha.tensor([0.5]))
        tensor([0.5205])
    """
    return tensor_arg("erf_", input).erf_()


def erfc_(input: Tensor) -> Tensor:
    """``input.erfc_()`` as a function: :meth:`Tensor.erfc_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.erfc_(tocha.tensor([0.5]))
        tensor([0.4795])
    """
    return tensor_arg("erfc_", input).erfc_()


def exp2_(input: Tensor) -> Tensor:
    """``input.exp2_()`` as a function: :meth:`Tensor.exp2_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.exp2_(tocha.tensor([0.5]))
        tensor([1.4142])
    """
    return tensor_arg("exp2_", input).exp2_()


def exp_(input: Tensor) -> Tensor:
    """``input.exp_()`` as a function: :meth:`Tensor.exp_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.exp_(tocha.tensor([0.5]))
        tensor([1.6487])
    """
    return tensor_arg("exp_", input).exp_()


def expm1_(input: Tensor) -> Tensor:
    """``input.expm1_()`` as a function: :meth:`Tensor.expm1_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.expm1_(tocha.tensor([0.5]))
        tensor([0.6487])
    """
    return tensor_arg("expm1_", input).expm1_()


def fill_(input: Tensor, value: Any) -> Tensor:
    """``input.fill_(...)`` as a function: :meth:`Tensor.fill_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.fill_(tocha.zeros(2), 3.0)
        tensor([3., 3.])
    """
    return tensor_arg("fill_", input).fill_(value)


def fix_(input: Tensor) -> Tensor:
    """``input.fix_()`` as a function: :meth:`Tensor.fix_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.fix_(tocha.tensor([-1.5, 1.5]))
        tensor([-1.,  1.])
    """
    return tensor_arg("fix_", input).fix_()


def floor_(input: Tensor) -> Tensor:
    """``input.floor_()`` as a function: :meth:`Tensor.floor_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.floor_(tocha.tensor([-1.5, 1.5]))
        tensor([-2.,  1.])
    """
    return tensor_arg("floor_", input).floor_()


def frac_(input: Tensor) -> Tensor:
    """``input.frac_()`` as a function: :meth:`Tensor.frac_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.frac_(tocha.tensor([-1.5, 1.5]))
        tensor([-0.5000,  0.5000])
    """
    return tensor_arg("frac_", input).frac_()


def gcd_(input: Tensor, other: Any) -> Tensor:
    """``input.gcd_(...)`` as a function: :meth:`Tensor.gcd_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.gcd_(tocha.tensor([4, 6]), tocha.tensor([6, 4]))
        tensor([2, 2])
    """
    return tensor_arg("gcd_", input).gcd_(other)


def i0_(input: Tensor) -> Tensor:
    """``input.i0_()`` as a function: :meth:`Tensor.i0_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.i0_(tocha.tensor([0.5]))
        tensor([1.0635])
    """
    return tensor_arg("i0_", input).i0_()


def index_put_(input: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    """``input.index_put_(...)`` as a function: :meth:`Tensor.index_put_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.index_put_(tocha.zeros(3), (tocha.tensor([0, 2]),), tocha.tensor([1.0, 2.0]))
        tensor([1., 0., 2.])
    """
    return tensor_arg("index_put_", input).index_put_(indices, values, accumulate)


def lcm_(input: Tensor, other: Any) -> Tensor:
    """``input.lcm_(...)`` as a function: :meth:`Tensor.lcm_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.lcm_(tocha.tensor([4, 6]), tocha.tensor([6, 4]))
        tensor([12, 12])
    """
    return tensor_arg("lcm_", input).lcm_(other)


def ldexp_(input: Tensor, other: Any) -> Tensor:
    """``input.ldexp_(...)`` as a function: :meth:`Tensor.ldexp_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.ldexp_(tocha.tensor([1.0, 3.0]), tocha.tensor([3, -1]))
        tensor([8.0000, 1.5000])
    """
    return tensor_arg("ldexp_", input).ldexp_(other)


def log10_(input: Tensor) -> Tensor:
    """``input.log10_()`` as a function: :meth:`Tensor.log10_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.log10_(tocha.tensor([0.5]))
        tensor([-0.3010])
    """
    return tensor_arg("log10_", input).log10_()


def log1p_(input: Tensor) -> Tensor:
    """``input.log1p_()`` as a function: :meth:`Tensor.log1p_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.log1p_(tocha.tensor([0.5]))
        tensor([0.4055])
    """
    return tensor_arg("log1p_", input).log1p_()


def log2_(input: Tensor) -> Tensor:
    """``input.log2_()`` as a function: :meth:`Tensor.log2_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.log2_(tocha.tensor([0.5]))
        tensor([-1.])
    """
    return tensor_arg("log2_", input).log2_()


def log_(input: Tensor) -> Tensor:
    """``input.log_()`` as a function: :meth:`Tensor.log_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.log_(tocha.tensor([0.5]))
        tensor([-0.6931])
    """
    return tensor_arg("log_", input).log_()


def logit_(input: Tensor, eps: float | None = None) -> Tensor:
    """``input.logit_(...)`` as a function: :meth:`Tensor.logit_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.logit_(tocha.tensor([0.25, 0.5]))
        tensor([-1.0986,  0.0000])
    """
    return tensor_arg("logit_", input).logit_(eps)


def nan_to_num_(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """``input.nan_to_num_(...)`` as a function: :meth:`Tensor.nan_to_num_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.nan_to_num_(tocha.tensor([float("nan"), 1.0]))
        tensor([0., 1.])
    """
    return tensor_arg("nan_to_num_", input).nan_to_num_(nan, posinf, neginf)


def neg_(input: Tensor) -> Tensor:
    """``input.neg_()`` as a function: :meth:`Tensor.neg_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.neg_(tocha.tensor([-1.5, 1.5]))
        tensor([ 1.5000, -1.5000])
    """
    return tensor_arg("neg_", input).neg_()


def negative_(input: Tensor) -> Tensor:
    """``input.negative_()`` as a function: :meth:`Tensor.negative_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.negative_(tocha.tensor([-1.5, 1.5]))
        tensor([ 1.5000, -1.5000])
    """
    return tensor_arg("negative_", input).negative_()


def reciprocal_(input: Tensor) -> Tensor:
    """``input.reciprocal_()`` as a function: :meth:`Tensor.reciprocal_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.reciprocal_(tocha.tensor([0.5, 4.0]))
        tensor([2.0000, 0.2500])
    """
    return tensor_arg("reciprocal_", input).reciprocal_()


def round_(input: Tensor, *, decimals: int = 0) -> Tensor:
    """``input.round_(...)`` as a function: :meth:`Tensor.round_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.round_(tocha.tensor([1.26, -2.5]), decimals=1)
        tensor([ 1.3000, -2.5000])
    """
    return tensor_arg("round_", input).round_(decimals=decimals)


def rsqrt_(input: Tensor) -> Tensor:
    """``input.rsqrt_()`` as a function: :meth:`Tensor.rsqrt_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.rsqrt_(tocha.tensor([0.25, 4.0]))
        tensor([2.0000, 0.5000])
    """
    return tensor_arg("rsqrt_", input).rsqrt_()


def sigmoid_(input: Tensor) -> Tensor:
    """``input.sigmoid_()`` as a function: :meth:`Tensor.sigmoid_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.sigmoid_(tocha.tensor([0.5]))
        tensor([0.6225])
    """
    return tensor_arg("sigmoid_", input).sigmoid_()


def sin_(input: Tensor) -> Tensor:
    """``input.sin_()`` as a function: :meth:`Tensor.sin_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.sin_(tocha.tensor([0.5]))
        tensor([0.4794])
    """
    return tensor_arg("sin_", input).sin_()


def sinc_(input: Tensor) -> Tensor:
    """``input.sinc_()`` as a function: :meth:`Tensor.sinc_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.sinc_(tocha.tensor([0.5]))
        tensor([0.6366])
    """
    return tensor_arg("sinc_", input).sinc_()


def sinh_(input: Tensor) -> Tensor:
    """``input.sinh_()`` as a function: :meth:`Tensor.sinh_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.sinh_(tocha.tensor([0.5]))
        tensor([0.5211])
    """
    return tensor_arg("sinh_", input).sinh_()


def sqrt_(input: Tensor) -> Tensor:
    """``input.sqrt_()`` as a function: :meth:`Tensor.sqrt_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.sqrt_(tocha.tensor([0.25, 4.0]))
        tensor([0.5000, 2.0000])
    """
    return tensor_arg("sqrt_", input).sqrt_()


def square_(input: Tensor) -> Tensor:
    """``input.square_()`` as a function: :meth:`Tensor.square_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.square_(tocha.tensor([-1.5, 1.5]))
        tensor([2.2500, 2.2500])
    """
    return tensor_arg("square_", input).square_()


def tan_(input: Tensor) -> Tensor:
    """``input.tan_()`` as a function: :meth:`Tensor.tan_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.tan_(tocha.tensor([0.5]))
        tensor([0.5463])
    """
    return tensor_arg("tan_", input).tan_()


def tanh_(input: Tensor) -> Tensor:
    """``input.tanh_()`` as a function: :meth:`Tensor.tanh_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.tanh_(tocha.tensor([0.5]))
        tensor([0.4621])
    """
    return tensor_arg("tanh_", input).tanh_()


def trunc_(input: Tensor) -> Tensor:
    """``input.trunc_()`` as a function: :meth:`Tensor.trunc_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.trunc_(tocha.tensor([-1.5, 1.5]))
        tensor([-1.,  1.])
    """
    return tensor_arg("trunc_", input).trunc_()


def xlogy_(input: Tensor, other: Any) -> Tensor:
    """``input.xlogy_(...)`` as a function: :meth:`Tensor.xlogy_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.xlogy_(tocha.tensor([0.0, 2.0]), tocha.tensor([5.0, 3.0]))
        tensor([0.0000, 2.1972])
    """
    return tensor_arg("xlogy_", input).xlogy_(other)


def zero_(input: Tensor) -> Tensor:
    """``input.zero_()`` as a function: :meth:`Tensor.zero_` (in place, returns ``input``).

    Example:
        >>> import tocha
        >>> tocha.zero_(tocha.ones(2))
        tensor([0., 0.])
    """
    return tensor_arg("zero_", input).zero_()
