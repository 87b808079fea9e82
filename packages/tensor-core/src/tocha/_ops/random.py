"""Random numbers: generators, seeding, sampling functions and in-place samplers.

NOTE [ Random generators ]
A :class:`Generator` belongs to a device type and wraps that backend's bit
generator (``Backend.new_bit_generator(seed)``: NumPy's PCG64 on cpu, a
Philox4x32-10 stream on cuda, NOTE [ Counter-based cuda generator ]), created
lazily so that seeding never imports CuPy. Each device has
a default generator; ``tocha.manual_seed`` seeds all of them (and the ones
made later). A seeded program draws the same numbers every run, in any
process, because every sampler reads only its generator.

Random ops are op records like any other: their params hold the Generator
object, so dispatch layers (tracers, profilers) see which generator an op
consumed. Out-of-place samplers take no tensor inputs; in-place samplers
(``uniform_``, ``normal_``...) take their target as input 0 so the gradient
layer sees in-place writes to tensors that require grad. As in PyTorch,
a sample's gradient with respect to its parameters and target is zero: the
result of ``normal(mean, std)``, ``bernoulli(p)`` or ``x.uniform_()``
requires grad when an input does, and backward gives zeros (the
reparametrised gradient is ``mean + std * randn_like(std)``'s).

Values differ from PyTorch's (different bit generators); distributions,
dtypes, shapes and errors match.
"""

from __future__ import annotations

import json
import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from .._backend import get_backend
from .._device import CPU, DeviceLike
from .._device import device as device_type
from .._device_checks import device_check
from .._dispatch import OpRecord, OpTest, VjpContext, call, call_inplace, register_op
from .._dtype import _BOOL, _COMPLEX, _FLOAT, _INT, FLOAT8_DTYPES, dtype, get_default_dtype, int64, uint8
from .._layout import check_layout
from .._layout import layout as layout_
from .._philox import STATE_BYTES, PhiloxGenerator
from .._tensor_base import TensorBase, wrap
from ._common import broadcast_shape, result_type_of, tensor_arg, type_name
from .creation import CLONE, _finish, like_order, resolve_device, size_args, to_device

if TYPE_CHECKING:
    from .._tensor import Tensor

__all__ = [
    "Generator",
    "default_generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "rand",
    "randn",
    "randint",
    "randperm",
    "rand_like",
    "randn_like",
    "randint_like",
    "normal",
    "bernoulli",
    "multinomial",
    "poisson",
]

_SEED_MASK = (1 << 64) - 1
_UNSET: Any = object()  # random_'s `to` when not given (None given means "up to the dtype's maximum")
_DEFAULT_GENERATOR_SEED = 67280421310721  # what a new Generator starts from, as in PyTorch


def _check_seed(op: str, value: Any) -> int:
    if isinstance(value, TensorBase):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, np.integer, float)):
        raise TypeError(f"{op}(): expected an int seed, got {type(value).__name__}")
    n = int(value)
    if not -(1 << 63) <= n <= _SEED_MASK:
        raise RuntimeError(f"{op}(): seed must be within the range [-2**63, 2**64), got {n}")
    return n & _SEED_MASK


def _nondeterministic_seed() -> int:
    return int.from_bytes(os.urandom(8), "little") & ((1 << 63) - 1)


class Generator:
    """A random number generator for one device type, as ``torch.Generator``.

    Args:
        device: the device whose tensors it fills (``'cpu'`` by default).

    Example:
        >>> import tocha
        >>> g = tocha.Generator().manual_seed(7)
        >>> a = tocha.rand(3, generator=g)
        >>> b = tocha.rand(3, generator=tocha.Generator().manual_seed(7))
        >>> a.tolist() == b.tolist()
        True
        >>> g.initial_seed(), g.device
        (7, device(type='cpu'))
    """

    __slots__ = ("_bits", "_seed", "device")
    __module__ = "tocha"

    device: device_type

    def __init__(self, device: DeviceLike = "cpu") -> None:
        self.device = resolve_device(device)
        get_backend(self.device.type)  # an unknown device type fails here, naming the known ones
        self._seed = _DEFAULT_GENERATOR_SEED
        self._bits: Any = None

    def bit_generator(self) -> Any:
        """The backend's generator object (``numpy.random.Generator`` on cpu), created on first use."""
        bits = self._bits
        if bits is None:
            bits = self._bits = get_backend(self.device.type).new_bit_generator(self._seed)
        return bits

    def manual_seed(self, seed: int) -> Generator:
        """Seed the generator (any int in ``[-2**63, 2**64)``) and return it.

        Example:
            >>> import tocha
            >>> tocha.Generator().manual_seed(3).initial_seed()
            3
        """
        self._seed = _check_seed("manual_seed", seed)
        self._bits = None
        return self

    def seed(self) -> int:
        """Seed from a non-deterministic source and return the seed used.

        Example:
            >>> import tocha
            >>> g = tocha.Generator()
            >>> g.seed() == g.initial_seed()
            True
        """
        value = _nondeterministic_seed()
        self.manual_seed(value)
        return value

    def initial_seed(self) -> int:
        """The seed the generator was last seeded with.

        Example:
            >>> import tocha
            >>> tocha.Generator().initial_seed()
            67280421310721
        """
        return self._seed

    def get_state(self) -> Tensor:
        """The generator's full state as a uint8 CPU tensor, for :meth:`set_state`.

        Example:
            >>> import tocha
            >>> g = tocha.Generator().manual_seed(0)
            >>> state = g.get_state()
            >>> a = tocha.rand(2, generator=g); _ = g.set_state(state)
            >>> a.tolist() == tocha.rand(2, generator=g).tolist()
            True
        """
        bits = self.bit_generator()
        if isinstance(bits, PhiloxGenerator):
            return wrap(np.frombuffer(bits.get_state_bytes(), dtype=np.uint8).copy(), CPU)
        inner = getattr(getattr(bits, "bit_generator", None), "state", None)
        if not isinstance(inner, dict):
            raise RuntimeError(f"get_state(): the {self.device.type} backend's generator does not expose its state")
        payload = json.dumps({"seed": self._seed, "state": inner}, sort_keys=True).encode()
        return wrap(np.frombuffer(payload, dtype=np.uint8).copy(), CPU)

    def set_state(self, new_state: Tensor) -> Generator:
        """Restore a state returned by :meth:`get_state`; returns the generator.

        Example:
            >>> import tocha
            >>> g = tocha.Generator()
            >>> g.set_state(tocha.Generator().manual_seed(5).get_state()).initial_seed()
            5
        """
        if not isinstance(new_state, TensorBase) or new_state._dtype is not uint8:
            raise TypeError(f"set_state(): RNG state must be a tocha.ByteTensor (uint8), got {_describe(new_state)}")
        host = np.asarray(new_state.cpu() if new_state._device.type != "cpu" else new_state)
        fresh = get_backend(self.device.type).new_bit_generator(self._seed)
        if isinstance(fresh, PhiloxGenerator):
            if host.size != STATE_BYTES:
                raise RuntimeError(
                    f"set_state(): RNG state is wrong size: a {self.device.type} generator's state is {STATE_BYTES} "
                    f"bytes (seed, offset), got {host.size}"
                )
            fresh.set_state_bytes(host.tobytes())
            self._seed, self._bits = fresh.seed, fresh
            return self
        try:
            decoded = json.loads(host.tobytes().decode())
            seed_value, inner = int(decoded["seed"]), decoded["state"]
            bits = get_backend(self.device.type).new_bit_generator(seed_value)
            bits.bit_generator.state = inner
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise RuntimeError(
                f"set_state(): the {host.size}-byte tensor is not a state produced by Generator.get_state() "
                f"for a {self.device.type} generator ({exc})"
            ) from None
        self._seed, self._bits = seed_value, bits
        return self

    def get_offset(self) -> int:
        """How many 128-bit blocks of its Philox stream a cuda generator has used (cpu generators have none).

        Raises:
            RuntimeError: the generator does not use an offset (cpu).

        Example:
            >>> import tocha
            >>> tocha.Generator().get_offset()
            Traceback (most recent call last):
            ...
            RuntimeError: get_offset(): the cpu generator does not use an offset
        """
        return self._philox("get_offset").offset

    def set_offset(self, offset: int) -> Generator:
        """Move a cuda generator to block ``offset`` of its stream; returns the generator.

        Raises:
            RuntimeError: the generator does not use an offset (cpu).

        Example:
            >>> import tocha
            >>> tocha.Generator().set_offset(4)
            Traceback (most recent call last):
            ...
            RuntimeError: set_offset(): the cpu generator does not use an offset
        """
        self._philox("set_offset").offset = _check_seed("set_offset", offset)
        return self

    def clone_state(self) -> Generator:
        """A new generator of the same device with this one's seed and state.

        Example:
            >>> import tocha
            >>> g = tocha.Generator().manual_seed(1)
            >>> tocha.rand(2, generator=g.clone_state()).tolist() == tocha.rand(2, generator=g).tolist()
            True
        """
        twin = Generator(self.device)
        twin.set_state(self.get_state())
        return twin

    def _philox(self, op: str) -> PhiloxGenerator:
        bits = self.bit_generator()
        if not isinstance(bits, PhiloxGenerator):
            raise RuntimeError(f"{op}(): the {self.device.type} generator does not use an offset")
        return bits

    def __repr__(self) -> str:
        return f"<tocha.Generator object (device={self.device}, initial_seed={self._seed})>"


# Generator's __module__ is "tocha" (for reprs and docs), so doctest would skip it; list it explicitly.
__test__ = {"Generator": Generator}


def _describe(x: Any) -> str:
    if isinstance(x, TensorBase):
        return f"a tensor of dtype {x._dtype!r}"
    return type(x).__name__


# ------------------------------------------------------------------ default generators


default_generator = Generator("cpu").manual_seed(_nondeterministic_seed())
_defaults: dict[device_type, Generator] = {CPU: default_generator}
_global_seed: list[int | None] = [None]  # the last tocha.manual_seed, applied to generators made later


def _default_for(dev: device_type) -> Generator:
    found = _defaults.get(dev)
    if found is None:
        found = Generator(dev)
        seed_value = _global_seed[0]
        found.manual_seed(_nondeterministic_seed() if seed_value is None else seed_value)
        _defaults[dev] = found
    return found


def manual_seed(seed: int) -> Generator:
    """Seed the default generator of every device (also those created later); returns the cpu one.

    Example:
        >>> import tocha
        >>> _ = tocha.manual_seed(0); a = tocha.rand(2)
        >>> _ = tocha.manual_seed(0); b = tocha.rand(2)
        >>> a.tolist() == b.tolist()
        True
    """
    value = _check_seed("manual_seed", seed)
    _global_seed[0] = value
    for generator in _defaults.values():
        generator.manual_seed(value)
    return default_generator


def seed() -> int:
    """Seed every default generator non-deterministically and return the seed.

    Example:
        >>> import tocha
        >>> s = tocha.seed()
        >>> tocha.initial_seed() == s
        True
    """
    value = _nondeterministic_seed()
    manual_seed(value)
    return value


def initial_seed() -> int:
    """The seed of the default cpu generator.

    Example:
        >>> import tocha
        >>> _ = tocha.manual_seed(11)
        >>> tocha.initial_seed()
        11
    """
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default cpu generator's state (a uint8 tensor).

    Example:
        >>> import tocha
        >>> state = tocha.get_rng_state()
        >>> a = tocha.randn(2); tocha.set_rng_state(state)
        >>> a.tolist() == tocha.randn(2).tolist()
        True
    """
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default cpu generator's state from :func:`get_rng_state`.

    Example:
        >>> import tocha
        >>> tocha.set_rng_state(tocha.get_rng_state())
    """
    default_generator.set_state(new_state)


def _generator(op: str, generator: Generator | None, dev: device_type) -> Generator:
    if generator is None:
        found = _defaults.get(dev)
        return found if found is not None else _default_for(dev)
    if not isinstance(generator, Generator):
        raise TypeError(f"{op}(): argument 'generator' must be tocha.Generator, not {type(generator).__name__}")
    if generator.device.type != dev.type:
        raise RuntimeError(
            f"{op}(): Expected a '{dev.type}' device type for generator but found '{generator.device.type}'"
        )
    return generator


# ------------------------------------------------------------------ samplers (written against xp)

# Significand bits of each floating dtype: uniform values are k * 2**-bits, so they stay below 1 in that dtype.
_SIGNIFICAND = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


def _compute_dtype(np_dtype: Any) -> Any:
    """The NumPy dtype samplers compute in: float32 for half precision, the dtype itself otherwise."""
    d = np.dtype(np_dtype)
    return np.dtype(np.float32) if d.itemsize <= 2 else d


def _standard_uniform(xp: Any, bits: Any, shape: tuple[int, ...], np_dtype: Any) -> Any:
    """Uniform values in [0, 1) that stay below 1 when rounded to ``np_dtype`` (a real floating dtype)."""
    d = np.dtype(np_dtype)
    if d.itemsize <= 2:
        m = _SIGNIFICAND[d.name]
        return bits.integers(0, 1 << m, size=shape, dtype=np.int32).astype(np.float32) * np.float32(2.0**-m)
    return bits.random(size=shape, dtype=d)


def _standard_normal(xp: Any, bits: Any, shape: tuple[int, ...], np_dtype: Any) -> Any:
    return bits.standard_normal(size=shape, dtype=_compute_dtype(np_dtype))


def _real_of(np_dtype: Any) -> Any:
    d = np.dtype(np_dtype)
    return np.dtype(np.float32 if d == np.complex64 else np.float64) if d.kind == "c" else d


def _sample(sampler: Any, xp: Any, bits: Any, shape: tuple[int, ...], np_dtype: Any, scale: float = 1.0) -> Any:
    """``sampler`` in ``np_dtype``; complex dtypes get independent real and imaginary parts times ``scale``."""
    d = np.dtype(np_dtype)
    if d.kind != "c":
        return sampler(xp, bits, shape, d)
    real = _real_of(d)
    parts = sampler(xp, bits, (*shape, 2), real)
    if scale != 1.0:
        parts = parts * real.type(scale)
    return xp.ascontiguousarray(parts).view(d)[..., 0]


def _bits(gen: Generator) -> Any:
    bits = gen._bits
    return bits if bits is not None else gen.bit_generator()


def _rand_forward(xp: Any, shape: tuple[int, ...], np_dtype: Any, gen: Generator) -> Any:
    return _sample(_standard_uniform, xp, _bits(gen), shape, np_dtype).astype(np_dtype, copy=False)


def _randn_forward(xp: Any, shape: tuple[int, ...], np_dtype: Any, gen: Generator) -> Any:
    return _sample(_standard_normal, xp, _bits(gen), shape, np_dtype, math.sqrt(0.5)).astype(np_dtype, copy=False)


def _integers(xp: Any, bits: Any, low: int, high_inclusive: int, shape: tuple[int, ...], np_dtype: Any) -> Any:
    """Integers in ``[low, high_inclusive]`` as ``np_dtype``."""
    d = np.dtype(np_dtype)
    draw = d if d.kind in "iu" else np.dtype(np.int64)
    return bits.integers(low, high_inclusive, size=shape, dtype=draw, endpoint=True).astype(d, copy=False)


def _randint_forward(xp: Any, low: int, high: int, shape: tuple[int, ...], np_dtype: Any, gen: Generator) -> Any:
    return _integers(xp, _bits(gen), low, high - 1, shape, np_dtype)


def _randperm_forward(xp: Any, n: int, np_dtype: Any, gen: Generator) -> Any:
    bits = _bits(gen)
    if xp is np:
        perm = bits.permutation(n)
    else:
        perm = xp.argsort(bits.random(size=(n,)))
    return perm.astype(np_dtype, copy=False)


def _normal_forward(xp: Any, mean: Any, std: Any, shape: tuple[int, ...], np_dtype: Any, gen: Generator) -> Any:
    if not isinstance(std, (int, float)):
        device_check(xp, xp.any(std < 0), RuntimeError, "normal(): normal expects all elements of std >= 0.0")
    z = _sample(_standard_normal, xp, _bits(gen), shape, np_dtype, math.sqrt(0.5))
    return (z * std + mean).astype(np_dtype, copy=False)


def _bernoulli_forward(xp: Any, p: Any, gen: Generator) -> Any:
    _check_probabilities(xp, "bernoulli", p)
    u = _standard_uniform(xp, _bits(gen), p.shape, _compute_dtype(p.dtype))
    return (u < p).astype(p.dtype)


def _multinomial_forward(xp: Any, probs: Any, num_samples: int, replacement: bool, gen: Generator) -> Any:
    n = probs.shape[-1]
    p = probs.reshape(-1, n).astype(np.float64)
    device_check(
        xp,
        xp.any(~xp.isfinite(p) | (p < 0)),
        RuntimeError,
        "multinomial(): probability tensor contains either `inf`, `nan` or element < 0",
    )
    total = p.sum(axis=1, keepdims=True)
    invalid = "multinomial(): invalid multinomial distribution (sum of probabilities <= 0)"
    device_check(xp, xp.any(total <= 0), RuntimeError, invalid)
    bits = _bits(gen)
    rows = p.shape[0]
    if replacement:
        # One sorted search over all rows: row r's normalised CDF lies in [r, r + 1].
        offsets = xp.arange(rows, dtype=np.float64)[:, None]
        cdf = xp.cumsum(p, axis=1) / total
        cdf[:, -1] = 1.0
        u = bits.random(size=(rows, num_samples)) + offsets
        flat = xp.searchsorted((cdf + offsets).ravel(), u.ravel(), side="right").reshape(rows, num_samples)
        samples = xp.minimum(flat - xp.arange(rows)[:, None] * n, n - 1)
    else:
        # Exponential race: the order of E_i / p_i (E_i ~ Exp(1)) draws without replacement by weight.
        e = -xp.log1p(-bits.random(size=(rows, n)))
        positive = p > 0
        keys = xp.where(positive, e / xp.where(positive, p, 1.0), xp.inf)
        samples = xp.argsort(keys, axis=1)[:, :num_samples]
    return samples.astype(np.int64).reshape(*probs.shape[:-1], num_samples)


def _poisson_forward(xp: Any, rates: Any, gen: Generator) -> Any:
    device_check(
        xp, xp.any(rates < 0), RuntimeError, "poisson(): invalid Poisson rate, expected rate to be non-negative"
    )
    return _bits(gen).poisson(rates.astype(np.float64)).astype(rates.dtype)


# In-place samplers: input 0 is the target, whose shape and dtype the result takes.


def _uniform_inplace_forward(xp: Any, target: Any, low: float, high: float, gen: Generator) -> Any:
    u = _sample(_standard_uniform, xp, _bits(gen), target.shape, target.dtype)
    real = u.real.dtype.type if u.dtype.kind == "c" else u.dtype.type
    return (u * real(high - low) + real(low)).astype(target.dtype, copy=False)


def _normal_inplace_forward(xp: Any, target: Any, mean: float, std: float, gen: Generator) -> Any:
    z = _sample(_standard_normal, xp, _bits(gen), target.shape, target.dtype, math.sqrt(0.5))
    real = z.real.dtype.type if z.dtype.kind == "c" else z.dtype.type
    return (z * real(std) + real(mean)).astype(target.dtype, copy=False)


def _random_inplace_forward(xp: Any, target: Any, low: int, high_inclusive: int, gen: Generator) -> Any:
    return _integers(xp, _bits(gen), low, high_inclusive, target.shape, target.dtype)


def _bernoulli_inplace_forward(xp: Any, target: Any, p: Any, gen: Generator) -> Any:
    if not isinstance(p, (int, float)):
        _check_probabilities(xp, "bernoulli_", p)
    # float64 targets compare 53-bit uniforms, others 24-bit ones (half the random bits, a quarter of the traffic)
    uniform_dtype = np.float64 if target.dtype == np.float64 else np.float32
    u = _standard_uniform(xp, _bits(gen), target.shape, uniform_dtype)
    return (u < p).astype(target.dtype)


def _check_probabilities(xp: Any, op: str, p: Any) -> None:
    device_check(
        xp,
        xp.any((p < 0) | (p > 1) | xp.isnan(p)),
        RuntimeError,
        f"{op}(): Expected p_in >= 0 && p_in <= 1 to be true, but got false.",
    )


def _exponential_inplace_forward(xp: Any, target: Any, lambd: float, gen: Generator) -> Any:
    u = _standard_uniform(xp, _bits(gen), target.shape, _compute_dtype(target.dtype))
    return (-xp.log1p(-u) / u.dtype.type(lambd)).astype(target.dtype, copy=False)


def _geometric_inplace_forward(xp: Any, target: Any, p: float, gen: Generator) -> Any:
    u = _standard_uniform(xp, _bits(gen), target.shape, np.float64)
    # Trials up to and including the first success: ceil(log(1 - u) / log(1 - p)), at least 1.
    return xp.maximum(xp.ceil(xp.log1p(-u) / math.log1p(-p)), 1.0).astype(target.dtype)


def _log_normal_inplace_forward(xp: Any, target: Any, mean: float, std: float, gen: Generator) -> Any:
    z = _standard_normal(xp, _bits(gen), target.shape, target.dtype)
    return xp.exp(z * z.dtype.type(std) + z.dtype.type(mean)).astype(target.dtype, copy=False)


def _cauchy_inplace_forward(xp: Any, target: Any, median: float, sigma: float, gen: Generator) -> Any:
    u = _standard_uniform(xp, _bits(gen), target.shape, _compute_dtype(target.dtype))
    half = u.dtype.type(0.5)
    return (u.dtype.type(median) + u.dtype.type(sigma) * xp.tan(u.dtype.type(math.pi) * (u - half))).astype(
        target.dtype, copy=False
    )


def _no_samples(dev: Any, d: dtype) -> list[Any]:
    return []


_RANDOM_SKIPS = {
    "forward": "random values have no reference; tests/test_random.py checks their distributions",
    "torch": "tocha's bit generators differ from PyTorch's: values cannot match",
    "vjp": "finite differences of random draws are meaningless; tests/test_random.py checks the zero gradients",
}


def _zero_vjp(ctx: VjpContext, grad: Tensor) -> tuple[Tensor | None, ...]:
    from .creation import zeros

    return tuple(
        zeros(shape, dtype=d, device=grad.device) if wanted and shape is not None and d is not None else None
        for shape, d, wanted in zip(ctx.input_shapes, ctx.input_dtypes, ctx.needs_input_grad, strict=True)
    )


def _record(name: str, forward: Any) -> OpRecord:
    torch_name = None if name.endswith("_") else name  # in-place samplers are Tensor methods only
    test = OpTest(samples=_no_samples, torch_name=torch_name, skips=_RANDOM_SKIPS)
    return register_op(OpRecord(name=name, forward=forward, vjp=_zero_vjp, test=test))


RAND = _record("rand", _rand_forward)
RANDN = _record("randn", _randn_forward)
RANDINT = _record("randint", _randint_forward)
RANDPERM = _record("randperm", _randperm_forward)
NORMAL = _record("normal", _normal_forward)
BERNOULLI = _record("bernoulli", _bernoulli_forward)
MULTINOMIAL = _record("multinomial", _multinomial_forward)
POISSON = _record("poisson", _poisson_forward)
UNIFORM_ = _record("uniform_", _uniform_inplace_forward)
NORMAL_ = _record("normal_", _normal_inplace_forward)
RANDOM_ = _record("random_", _random_inplace_forward)
BERNOULLI_ = _record("bernoulli_", _bernoulli_inplace_forward)
EXPONENTIAL_ = _record("exponential_", _exponential_inplace_forward)
GEOMETRIC_ = _record("geometric_", _geometric_inplace_forward)
LOG_NORMAL_ = _record("log_normal_", _log_normal_inplace_forward)
CAUCHY_ = _record("cauchy_", _cauchy_inplace_forward)


# ------------------------------------------------------------------ argument checks


def _not_implemented(op: str, d: dtype) -> NotImplementedError:
    return NotImplementedError(f"\"{op}\" not implemented for '{type_name(d)}'")


def _floating(op: str, d: dtype) -> None:
    if d.category < _FLOAT or d in FLOAT8_DTYPES:
        raise _not_implemented(op, d)


def _real_floating(op: str, d: dtype) -> None:
    if d.category != _FLOAT or d in FLOAT8_DTYPES:
        raise _not_implemented(op, d)


def _int_bounds(d: dtype) -> tuple[int, int]:
    """The integers ``random_`` may produce in dtype ``d`` (floats: those it represents exactly)."""
    if d.category == _BOOL:
        return 0, 1
    if d.category == _INT:
        info = np.iinfo(d.numpy_dtype)
        return int(info.min), int(info.max)
    if d in FLOAT8_DTYPES:
        raise _not_implemented("random_", d)
    digits = 1 << _SIGNIFICAND[d.to_real().name]
    return -digits, digits


def _check_range(op: str, low: int, high: int, d: dtype) -> None:
    """Check ``[low, high)`` is a non-empty range of integers that dtype ``d`` holds."""
    if low >= high:
        raise RuntimeError(f"{op}(): random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    lo, hi = _int_bounds(d)
    if not lo <= low <= hi:
        raise RuntimeError(f"{op}(): from={low} is out of bounds for {type_name(d)} (range [{lo}, {hi}])")
    if not lo <= high - 1 <= hi:
        raise RuntimeError(f"{op}(): to - 1 = {high - 1} is out of bounds for {type_name(d)} (range [{lo}, {hi}])")


def _as_int(op: str, name: str, value: Any) -> int:
    if isinstance(value, TensorBase):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}(): argument '{name}' must be int, not {type(value).__name__}")
    return int(value)


def _as_float(op: str, name: str, value: Any) -> float:
    if isinstance(value, TensorBase):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}(): argument '{name}' must be float, not {type(value).__name__}")
    return float(value)


# ------------------------------------------------------------------ sampling functions


def rand(
    *size: Any,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """Values drawn uniformly from ``[0, 1)``; complex dtypes draw real and imaginary parts.

    Example:
        >>> import tocha
        >>> x = tocha.rand(2, 3, generator=tocha.Generator().manual_seed(0))
        >>> x.shape, bool(((x.numpy() >= 0) & (x.numpy() < 1)).all())
        (tocha.Size([2, 3]), True)
    """
    if layout is not None:
        check_layout("rand", layout)
    d = dtype or get_default_dtype()
    _floating("rand", d)
    dev = resolve_device(device)
    gen = _generator("rand", generator, dev)
    return _finish(call(RAND, dev, (), (size_args("rand", size), d.numpy_dtype, gen)), requires_grad)


def randn(
    *size: Any,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """Values drawn from the standard normal distribution (complex: variance 1/2 per part).

    Example:
        >>> import tocha
        >>> tocha.randn(4, dtype=tocha.float64).dtype
        tocha.float64
    """
    if layout is not None:
        check_layout("randn", layout)
    d = dtype or get_default_dtype()
    _floating("randn", d)
    dev = resolve_device(device)
    gen = _generator("randn", generator, dev)
    return _finish(call(RANDN, dev, (), (size_args("randn", size), d.numpy_dtype, gen)), requires_grad)


def randint(
    *args: Any,
    size: Any = None,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
    low: Any = None,
    high: Any = None,
) -> Tensor:
    """Integers drawn uniformly from ``[low, high)``: ``randint(high, size)`` or ``randint(low, high, size)``.

    ``low`` defaults to 0; the dtype defaults to int64 (any dtype that holds the range is accepted).

    Example:
        >>> import tocha
        >>> x = tocha.randint(3, 10, (5,))
        >>> x.dtype, x.shape
        (tocha.int64, tocha.Size([5]))
    """
    if layout is not None:
        check_layout("randint", layout)
    positional = list(args)
    if size is None:
        if not positional or not isinstance(positional[-1], (tuple, list)):
            raise TypeError(
                "randint(): missing the 'size' argument: call randint(high, size) or randint(low, high, size), "
                "size being a tuple of ints"
            )
        size = positional.pop()
    if high is None:
        if not positional:
            raise TypeError("randint(): missing the 'high' argument")
        high = positional.pop()
    if low is None:
        low = positional.pop() if positional else 0
    if positional:
        raise TypeError(f"randint(): too many positional arguments ({len(args)})")
    lo, hi = _as_int("randint", "low", low), _as_int("randint", "high", high)
    d = dtype or int64
    _check_range("randint", lo, hi, d)
    dev = resolve_device(device)
    gen = _generator("randint", generator, dev)
    shape = size_args("randint", (size,))
    return _finish(call(RANDINT, dev, (), (lo, hi, shape, d.numpy_dtype, gen)), requires_grad)


def randperm(
    n: int,
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype`` says otherwise).

    Example:
        >>> import tocha
        >>> sorted(tocha.randperm(5).tolist())
        [0, 1, 2, 3, 4]
    """
    if layout is not None:
        check_layout("randperm", layout)
    count = _as_int("randperm", "n", n)
    if count < 0:
        raise RuntimeError(f"randperm(): n must be non-negative, got {count}")
    d = dtype or int64
    if d.category != _BOOL and count > 0:
        _, hi = _int_bounds(d)
        if count - 1 > hi:
            raise RuntimeError(f"randperm(): n is too large for result tensor type: '{type_name(d)}' (n={count})")
    dev = resolve_device(device)
    gen = _generator("randperm", generator, dev)
    return _finish(call(RANDPERM, dev, (), (count, d.numpy_dtype, gen)), requires_grad)


def _like(op: str, input: Any, d: dtype | None, dev: DeviceLike | None) -> tuple[tuple[int, ...], dtype, device_type]:
    t = tensor_arg(op, input)
    return tuple(t._data.shape), d or t._dtype, t._device if dev is None else resolve_device(dev)


def _is_vmap_batched(input: Any) -> bool:
    return getattr(input, "_batched_value", None) is not None


def _draw_like_batched(input: Tensor, d: dtype | None, dev: Any, fmt: Any, requires_grad: bool, fill: Any) -> Tensor:
    """A ``*_like`` draw for a tensor batched by vmap: ``fill`` (an in-place sampler) on a batched ``empty_like``,
    which the batching layer draws per entry or once for all (NOTE [ Randomness under vmap ] in tocha._vmap)."""
    from .creation import empty_like

    result: Tensor = fill(empty_like(input, dtype=d, device=dev, memory_format=fmt))
    return result.requires_grad_() if requires_grad else result


def _in_format(op: str, input: Tensor, fmt: Any, result: Tensor, requires_grad: bool) -> Tensor:
    """``result`` laid out as ``*_like(input, memory_format=fmt)`` asks (NOTE [ Memory formats ])."""
    order = like_order(op, input, fmt)
    if order is not None:
        result = call(CLONE, result._device, (result,), (order,))
    return _finish(result, requires_grad)


def rand_like(
    input: Tensor,
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """:func:`rand` with ``input``'s shape, dtype and device (``memory_format``: as :func:`empty_like`).

    Example:
        >>> import tocha
        >>> tocha.rand_like(tocha.zeros(2, 2, dtype=tocha.float64)).dtype
        tocha.float64
    """
    if layout is not None:
        check_layout("rand_like", layout)
    if _is_vmap_batched(input):
        return _draw_like_batched(
            input, dtype, device, memory_format, requires_grad, lambda t: t.uniform_(generator=generator)
        )
    shape, d, dev = _like("rand_like", input, dtype, device)
    result = rand(shape, generator=generator, dtype=d, device=dev)
    return _in_format("rand_like", input, memory_format, result, requires_grad)


def randn_like(
    input: Tensor,
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """:func:`randn` with ``input``'s shape, dtype and device (``memory_format``: as :func:`empty_like`).

    Example:
        >>> import tocha
        >>> tocha.randn_like(tocha.zeros(3)).shape
        tocha.Size([3])
    """
    if layout is not None:
        check_layout("randn_like", layout)
    if _is_vmap_batched(input):
        return _draw_like_batched(
            input, dtype, device, memory_format, requires_grad, lambda t: t.normal_(generator=generator)
        )
    shape, d, dev = _like("randn_like", input, dtype, device)
    result = randn(shape, generator=generator, dtype=d, device=dev)
    return _in_format("randn_like", input, memory_format, result, requires_grad)


def randint_like(
    input: Tensor,
    low: Any = 0,
    high: Any = None,
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    layout: layout_ | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """:func:`randint` with ``input``'s shape, dtype and device: ``randint_like(t, high)`` or ``(t, low, high)``.

    ``memory_format`` lays the result out as :func:`empty_like` does.

    Example:
        >>> import tocha
        >>> tocha.randint_like(tocha.zeros(2), 5).dtype
        tocha.float32
    """
    if layout is not None:
        check_layout("randint_like", layout)
    if high is None:
        low, high = 0, low
    if _is_vmap_batched(input):
        return _draw_like_batched(
            input, dtype, device, memory_format, requires_grad, lambda t: t.random_(low, high, generator=generator)
        )
    shape, d, dev = _like("randint_like", input, dtype, device)
    result = randint(low, high, shape, generator=generator, dtype=d, device=dev)
    return _in_format("randint_like", input, memory_format, result, requires_grad)


def normal(
    mean: Any,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    device: DeviceLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Normal samples with the given means and standard deviations.

    The four forms: ``normal(mean_tensor, std_tensor)`` (broadcast),
    ``normal(mean_tensor, std=1.0)``, ``normal(mean_float, std_tensor)``, and
    ``normal(mean_float, std_float, size)``. Not differentiable in tocha.

    Example:
        >>> import tocha
        >>> tocha.normal(2.0, 3.0, size=(2, 2)).shape
        tocha.Size([2, 2])
        >>> tocha.normal(tocha.zeros(3), tocha.ones(2, 3)).shape
        tocha.Size([2, 3])
    """
    mean_t, std_t = isinstance(mean, TensorBase), isinstance(std, TensorBase)
    if not mean_t and not std_t:
        m, s = _as_float("normal", "mean", mean), _as_float("normal", "std", std)
        if size is None:
            raise TypeError("normal(): with a float mean and std, the 'size' argument is required")
        if s < 0:
            raise RuntimeError(f"normal(): normal expects std >= 0.0, but found std {std}")
        d = dtype or get_default_dtype()
        _floating("normal", d)
        dev = resolve_device(device)
        params = (size_args("normal", (size,)), d.numpy_dtype, _generator("normal", generator, dev))
        return _finish(call(NORMAL, dev, (m, s), params), requires_grad)
    tensors = [t for t in (mean, std) if isinstance(t, TensorBase)]
    if size is not None:
        raise TypeError("normal(): 'size' is only accepted when mean and std are both numbers")
    from ._common import common_device

    dev = common_device("normal", *tensors)
    d = dtype or result_type_of(*tensors)
    _floating("normal", d)
    if not std_t and _as_float("normal", "std", std) < 0:
        raise RuntimeError(f"normal(): normal expects std >= 0.0, but found std {std}")
    shape = broadcast_shape("normal", *(tuple(t._data.shape) for t in tensors))
    m = mean if mean_t else _as_float("normal", "mean", mean)
    s = std if std_t else _as_float("normal", "std", std)
    params = (shape, d.numpy_dtype, _generator("normal", generator, dev))
    return _finish(call(NORMAL, dev, (m, s), params), requires_grad)


def bernoulli(input: Tensor, p: Any = None, *, generator: Generator | None = None) -> Tensor:
    """0/1 samples: element ``i`` is 1 with probability ``input[i]`` (or ``p`` when given), in input's dtype.

    Example:
        >>> import tocha
        >>> tocha.bernoulli(tocha.tensor([0.0, 1.0, 1.0]))
        tensor([0., 1., 1.])
    """
    t = tensor_arg("bernoulli", input)
    if p is not None:
        from .creation import empty_like

        return empty_like(t).bernoulli_(p, generator=generator)  # type: ignore[attr-defined,no-any-return]
    _floating("bernoulli", t._dtype)
    gen = _generator("bernoulli", generator, t._device)
    return call(BERNOULLI, t._device, (t,), (gen,))  # type: ignore[no-any-return]


def multinomial(
    input: Tensor, num_samples: int, replacement: bool = False, *, generator: Generator | None = None
) -> Tensor:
    """Indices drawn from the categories each row of ``input`` weighs (1-D or 2-D, non-negative weights).

    Without replacement, ``num_samples`` may not exceed the number of categories.

    Example:
        >>> import tocha
        >>> tocha.multinomial(tocha.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
        tensor([1, 1])
    """
    t = tensor_arg("multinomial", input)
    k = _as_int("multinomial", "num_samples", num_samples)
    if t._dtype.category != _FLOAT:
        raise RuntimeError(
            f"multinomial(): multinomial only supports floating-point dtypes for input, got: {type_name(t._dtype)}"
        )
    ndim = t._data.ndim
    if ndim not in (1, 2):
        raise RuntimeError(f"multinomial(): prob_dist must be 1 or 2 dim, got a {ndim}-D tensor")
    if k <= 0:
        raise RuntimeError(f"multinomial(): cannot sample n_sample <= 0 samples (num_samples={k})")
    n = t._data.shape[-1]
    if not replacement and k > n:
        raise RuntimeError(
            f"multinomial(): cannot sample n_sample > prob_dist.size(-1) samples without replacement "
            f"(num_samples={k}, categories={n})"
        )
    if n == 0:
        raise RuntimeError("multinomial(): invalid multinomial distribution (sum of probabilities <= 0)")
    gen = _generator("multinomial", generator, t._device)
    return call(MULTINOMIAL, t._device, (t,), (k, bool(replacement), gen))  # type: ignore[no-any-return]


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:
    """Poisson samples with rates ``input`` (non-negative), in input's dtype.

    Example:
        >>> import tocha
        >>> tocha.poisson(tocha.zeros(3))
        tensor([0., 0., 0.])
    """
    t = tensor_arg("poisson", input)
    _real_floating("poisson", t._dtype)
    gen = _generator("poisson", generator, t._device)
    return call(POISSON, t._device, (t,), (gen,))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ Tensor methods


def _fill(op: str, record: OpRecord, target: Any, params: tuple[Any, ...], generator: Generator | None) -> Tensor:
    gen = _generator(op, generator, target._device)
    return call_inplace(record, target._device, target, (target,), (*params, gen))


class RandomMethods:
    """In-place samplers (``uniform_``, ``normal_``...) and ``bernoulli``/``multinomial`` methods."""

    __slots__ = ()

    def uniform_(self: Any, from_: float = 0.0, to: float = 1.0, *, generator: Generator | None = None) -> Tensor:
        """Fill with values drawn uniformly from ``[from_, to)``.

        Example:
            >>> import tocha
            >>> x = tocha.empty(100).uniform_(-2, 2)
            >>> bool(((x.numpy() >= -2) & (x.numpy() < 2)).all())
            True
        """
        _floating("uniform_", self._dtype)
        low, high = _as_float("uniform_", "from", from_), _as_float("uniform_", "to", to)
        if low > high:
            raise RuntimeError(
                f"uniform_(): uniform_ expects to return a [from, to) range, but found from={from_} > to={to}"
            )
        if not (math.isfinite(low) and math.isfinite(high)):
            raise RuntimeError(f"uniform_(): from and to must be finite, got from={from_}, to={to}")
        return _fill("uniform_", UNIFORM_, self, (low, high), generator)

    def normal_(self: Any, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
        """Fill with normal samples of mean ``mean`` and standard deviation ``std``.

        Example:
            >>> import tocha
            >>> tocha.zeros(2, 3).normal_(5.0, 0.1).shape
            tocha.Size([2, 3])
        """
        _floating("normal_", self._dtype)
        m, s = _as_float("normal_", "mean", mean), _as_float("normal_", "std", std)
        if s < 0:
            raise RuntimeError(f"normal_(): normal expects std >= 0.0, but found std {std}")
        return _fill("normal_", NORMAL_, self, (m, s), generator)

    def random_(self: Any, from_: Any = None, to: Any = _UNSET, *, generator: Generator | None = None) -> Tensor:
        """Fill with integers uniform over ``[from_, to)``.

        ``random_(to)`` draws from ``[0, to)``, ``random_(from_, None)`` from
        ``[from_, max]`` and ``random_()`` from ``[0, max]``,
        ``max`` being the dtype's largest integer (for floats, the largest that
        all smaller integers are exact below, such as ``2**24`` for float32).

        Example:
            >>> import tocha
            >>> x = tocha.zeros(50, dtype=tocha.int32).random_(3, 6)
            >>> set(x.tolist()) <= {3, 4, 5}
            True
        """
        d = self._dtype
        if d.category == _COMPLEX:
            raise _not_implemented("random_", d)
        lo, hi = _int_bounds(d)
        if from_ is None and (to is _UNSET or to is None):
            low, high_inclusive = 0, hi
        elif to is _UNSET:
            low, high_inclusive = 0, _as_int("random_", "to", from_) - 1
            _check_range("random_", 0, high_inclusive + 1, d)
        else:
            low = _as_int("random_", "from", from_)
            if to is None:
                if not lo <= low <= hi:
                    raise RuntimeError(f"random_(): from={low} is out of bounds for {type_name(d)}")
                high_inclusive = hi
            else:
                high = _as_int("random_", "to", to)
                _check_range("random_", low, high, d)
                high_inclusive = high - 1
        return _fill("random_", RANDOM_, self, (low, high_inclusive), generator)

    def bernoulli_(self: Any, p: Any = 0.5, *, generator: Generator | None = None) -> Tensor:
        """Fill with 1 with probability ``p`` (a float or a tensor broadcasting to this one), else 0.

        Example:
            >>> import tocha
            >>> tocha.zeros(3).bernoulli_(1.0)
            tensor([1., 1., 1.])
        """
        if isinstance(p, TensorBase):
            shape = broadcast_shape("bernoulli_", tuple(self._data.shape), tuple(p._data.shape))
            if shape != tuple(self._data.shape):
                raise RuntimeError(
                    f"bernoulli_(): p of shape {list(p._data.shape)} does not broadcast to the tensor's shape "
                    f"{list(self._data.shape)}"
                )
            _floating("bernoulli_", p._dtype)
            probability: Any = p if p._device is self._device else to_device(p, self._device)  # type: ignore[arg-type]
        else:
            probability = _as_float("bernoulli_", "p", p)
            if not 0.0 <= probability <= 1.0:
                raise RuntimeError(f"bernoulli_(): bernoulli_ expects p to be in [0, 1], but got p={p}")
        gen = _generator("bernoulli_", generator, self._device)
        return call_inplace(BERNOULLI_, self._device, self, (self, probability), (gen,))

    def exponential_(self: Any, lambd: float = 1.0, *, generator: Generator | None = None) -> Tensor:
        """Fill with exponential samples of rate ``lambd`` (density ``lambd * exp(-lambd * x)``).

        Example:
            >>> import tocha
            >>> tocha.empty(4).exponential_(2.0).shape
            tocha.Size([4])
        """
        if self._dtype.category != _FLOAT:
            raise RuntimeError(
                "exponential_(): Exponential distribution is a continuous probability distribution. "
                f"dtype must be a floating point but you specified {type_name(self._dtype)}"
            )
        rate = _as_float("exponential_", "lambd", lambd)
        if not rate > 0:
            raise RuntimeError(f"exponential_(): exponential_ expects lambda > 0.0, but found lambda={lambd}")
        return _fill("exponential_", EXPONENTIAL_, self, (rate,), generator)

    def geometric_(self: Any, p: float, *, generator: Generator | None = None) -> Tensor:
        """Fill with geometric samples: the number of Bernoulli(``p``) trials up to the first success (≥ 1).

        Example:
            >>> import tocha
            >>> bool((tocha.empty(5).geometric_(0.5).numpy() >= 1).all())
            True
        """
        if self._dtype.category in (_BOOL, _COMPLEX):
            raise _not_implemented("geometric_", self._dtype)
        prob = _as_float("geometric_", "p", p)
        if not 0 < prob < 1:
            raise RuntimeError(f"geometric_(): geometric_ expects p to be in (0, 1), but got p={p}")
        return _fill("geometric_", GEOMETRIC_, self, (prob,), generator)

    def log_normal_(self: Any, mean: float = 1.0, std: float = 2.0, *, generator: Generator | None = None) -> Tensor:
        """Fill with ``exp(N(mean, std))`` samples.

        Example:
            >>> import tocha
            >>> tocha.empty(3).log_normal_().shape
            tocha.Size([3])
        """
        _real_floating("log_normal_", self._dtype)
        m, s = _as_float("log_normal_", "mean", mean), _as_float("log_normal_", "std", std)
        if not s > 0:
            raise RuntimeError(f"log_normal_(): log_normal_ expects std > 0.0, but found std={std}")
        return _fill("log_normal_", LOG_NORMAL_, self, (m, s), generator)

    def cauchy_(self: Any, median: float = 0.0, sigma: float = 1.0, *, generator: Generator | None = None) -> Tensor:
        """Fill with Cauchy samples: ``median + sigma * tan(pi * (U - 1/2))``.

        Example:
            >>> import tocha
            >>> tocha.empty(3).cauchy_().shape
            tocha.Size([3])
        """
        _real_floating("cauchy_", self._dtype)
        m, s = _as_float("cauchy_", "median", median), _as_float("cauchy_", "sigma", sigma)
        if not s > 0:
            raise RuntimeError(f"cauchy_(): cauchy_ expects sigma > 0.0, but found sigma={sigma}")
        return _fill("cauchy_", CAUCHY_, self, (m, s), generator)

    def bernoulli(self: Any, p: Any = None, *, generator: Generator | None = None) -> Tensor:
        """See :func:`tocha.bernoulli`."""
        return bernoulli(self, p, generator=generator)

    def multinomial(
        self: Any, num_samples: int, replacement: bool = False, *, generator: Generator | None = None
    ) -> Tensor:
        """See :func:`tocha.multinomial`."""
        return multinomial(self, num_samples, replacement, generator=generator)
