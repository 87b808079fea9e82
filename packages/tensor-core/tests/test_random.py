"""Random numbers: generators and seeding, reproducibility, distributions, dtypes, shapes and errors."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

import tocha

N = 200_000  # large samples: moments within a few standard errors


def gen(seed: int = 0) -> tocha.Generator:
    return tocha.Generator().manual_seed(seed)


def values(x: tocha.Tensor) -> np.ndarray:
    return (
        np.asarray(x.numpy(), dtype=np.float64)
        if x.dtype is not tocha.bfloat16
        else x.float().numpy().astype(np.float64)
    )


def assert_moments(x: np.ndarray, mean: float, std: float, k: float = 6.0) -> None:
    n = x.size
    assert abs(x.mean() - mean) < k * std / np.sqrt(n), (x.mean(), mean)
    assert abs(x.std() - std) < k * std / np.sqrt(n) * 1.5, (x.std(), std)


# ------------------------------------------------------------------ generators and seeds


def test_generator_api() -> None:
    g = tocha.Generator()
    assert g.device == tocha.device("cpu")
    assert g.initial_seed() == 67280421310721
    assert g.manual_seed(5) is g
    assert g.initial_seed() == 5
    assert g.manual_seed(-1).initial_seed() == 2**64 - 1
    s = g.seed()
    assert s == g.initial_seed()
    assert s >= 0
    assert "Generator" in repr(g)
    with pytest.raises(RuntimeError, match=r"manual_seed\(\): seed must be within the range"):
        g.manual_seed(2**64)
    with pytest.raises(TypeError, match=r"manual_seed\(\): expected an int seed, got str"):
        g.manual_seed("3")  # type: ignore[arg-type]


def test_same_seed_same_values() -> None:
    for fn in (
        lambda g: tocha.rand(5, generator=g),
        lambda g: tocha.randn(2, 3, generator=g),
        lambda g: tocha.randint(0, 100, (6,), generator=g),
        lambda g: tocha.randperm(10, generator=g),
        lambda g: tocha.normal(1.0, 2.0, (4,), generator=g),
        lambda g: tocha.multinomial(tocha.ones(10), 5, generator=g),
        lambda g: tocha.empty(5).exponential_(generator=g),
    ):
        assert fn(gen(3)).tolist() == fn(gen(3)).tolist()
        assert fn(gen(3)).tolist() != fn(gen(4)).tolist()


def test_manual_seed_seeds_the_default_generator() -> None:
    g = tocha.manual_seed(123)
    assert g is tocha.default_generator
    assert tocha.initial_seed() == 123
    a = tocha.rand(4)
    tocha.manual_seed(123)
    assert tocha.rand(4).tolist() == a.tolist()
    s = tocha.seed()
    assert tocha.initial_seed() == s


def test_rng_state_round_trip() -> None:
    tocha.manual_seed(0)
    state = tocha.get_rng_state()
    assert state.dtype is tocha.uint8
    assert state.ndim == 1
    a = tocha.randn(5)
    tocha.set_rng_state(state)
    assert tocha.randn(5).tolist() == a.tolist()
    g = gen(9)
    tocha.rand(3, generator=g)
    saved = g.get_state()
    b = tocha.rand(3, generator=g)
    other = tocha.Generator().set_state(saved)
    assert other.initial_seed() == 9
    assert tocha.rand(3, generator=other).tolist() == b.tolist()


def test_cpu_generators_have_no_offset_and_clone_their_state() -> None:
    g = gen(4)
    with pytest.raises(RuntimeError, match=r"get_offset\(\): the cpu generator does not use an offset"):
        g.get_offset()
    with pytest.raises(RuntimeError, match=r"set_offset\(\): the cpu generator does not use an offset"):
        g.set_offset(1)
    tocha.rand(2, generator=g)
    twin = g.clone_state()
    assert twin is not g
    assert twin.initial_seed() == 4
    assert tocha.rand(5, generator=twin).tolist() == tocha.rand(5, generator=g).tolist()


def test_fork_rng_restores_the_cpu_generator() -> None:
    tocha.manual_seed(5)
    with tocha.random.fork_rng(devices=[]):
        inside = tocha.rand(3)
    assert tocha.rand(3).tolist() == inside.tolist()
    with tocha.random.fork_rng(device_type="cpu"):
        tocha.rand(3)
    with tocha.random.fork_rng(enabled=False):
        skipped = tocha.rand(3)
    assert tocha.rand(3).tolist() != skipped.tolist()
    assert tocha.random.manual_seed is tocha.manual_seed
    assert tocha.random.get_rng_state is tocha.get_rng_state


def test_set_state_errors() -> None:
    g = tocha.Generator()
    with pytest.raises(TypeError, match=r"RNG state must be a tocha.ByteTensor"):
        g.set_state(tocha.zeros(5))
    with pytest.raises(
        RuntimeError, match=r"set_state\(\): the 3-byte tensor is not a state produced by Generator.get_state"
    ):
        g.set_state(tocha.zeros(3, dtype=tocha.uint8))


def test_seeded_run_reproduces_in_a_fresh_process() -> None:
    code = "import tocha; tocha.manual_seed(42); print(tocha.rand(4).tolist(), tocha.randint(0, 1000, (3,)).tolist())"
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert runs[0]
    tocha.manual_seed(42)
    assert runs[0].strip() == f"{tocha.rand(4).tolist()} {tocha.randint(0, 1000, (3,)).tolist()}"


def test_generator_device_mismatch_and_type() -> None:
    with pytest.raises(TypeError, match=r"rand\(\): argument 'generator' must be tocha.Generator, not int"):
        tocha.rand(2, generator=3)  # type: ignore[arg-type]


# ------------------------------------------------------------------ rand, randn, randint, randperm


@pytest.mark.parametrize("d", [tocha.float16, tocha.bfloat16, tocha.float32, tocha.float64])
def test_rand_range_and_moments(d: tocha.dtype) -> None:
    x = tocha.rand(N, dtype=d, generator=gen())
    assert x.dtype is d
    assert x.shape == (N,)
    v = values(x)
    assert v.min() >= 0.0
    assert v.max() < 1.0
    assert_moments(v, 0.5, np.sqrt(1 / 12))


@pytest.mark.parametrize("d", [tocha.float16, tocha.bfloat16, tocha.float32, tocha.float64])
def test_randn_moments(d: tocha.dtype) -> None:
    v = values(tocha.randn(N, dtype=d, generator=gen()))
    assert_moments(v, 0.0, 1.0, k=8.0)


def test_complex_rand_and_randn() -> None:
    x = tocha.rand(N, dtype=tocha.complex64, generator=gen())
    assert x.dtype is tocha.complex64
    parts = x.numpy()
    assert parts.real.min() >= 0
    assert parts.imag.max() < 1
    z = tocha.randn(N, dtype=tocha.complex128, generator=gen()).numpy()
    assert_moments(z.real, 0.0, np.sqrt(0.5))
    assert_moments(z.imag, 0.0, np.sqrt(0.5))


@pytest.mark.autograd
def test_shapes_and_defaults() -> None:
    assert tocha.rand(2, 3).shape == (2, 3)
    assert tocha.rand((2, 3)).shape == (2, 3)
    assert tocha.rand(()).shape == ()
    assert tocha.rand(0, 3).shape == (0, 3)
    assert tocha.rand(2).dtype is tocha.float32
    tocha.set_default_dtype(tocha.float64)
    try:
        assert tocha.randn(2).dtype is tocha.float64
    finally:
        tocha.set_default_dtype(tocha.float32)
    assert tocha.rand(2, requires_grad=True).requires_grad


def test_rand_rejects_integer_dtypes() -> None:
    with pytest.raises(NotImplementedError, match=r"\"rand\" not implemented for 'Long'"):
        tocha.rand(2, dtype=tocha.int64)
    with pytest.raises(NotImplementedError, match=r"\"randn\" not implemented for 'Int'"):
        tocha.randn(2, dtype=tocha.int32)


def test_randint() -> None:
    x = tocha.randint(3, 10, (N,), generator=gen())
    assert x.dtype is tocha.int64
    assert x.shape == (N,)
    v = x.numpy()
    assert v.min() == 3
    assert v.max() == 9
    counts = np.bincount(v - 3, minlength=7)
    assert np.all(np.abs(counts - N / 7) < 6 * np.sqrt(N / 7))
    assert set(tocha.randint(5, (100,)).tolist()) <= set(range(5))
    assert tocha.randint(0, 2, (4,), dtype=tocha.bool).dtype is tocha.bool
    assert tocha.randint(3, 5, (4,), dtype=tocha.float32).dtype is tocha.float32
    assert tocha.randint(-5, 5, (2, 3), dtype=tocha.int8).shape == (2, 3)
    assert tocha.randint(low=1, high=3, size=(5,)).min().item() >= 1
    assert tocha.randint(2**62, 2**63 - 1, (3,)).min().item() >= 2**62


def test_randint_errors() -> None:
    with pytest.raises(
        RuntimeError, match=r"randint\(\): random_ expects 'from' to be less than 'to', but got from=5 >= to=5"
    ):
        tocha.randint(5, 5, (2,))
    with pytest.raises(RuntimeError, match=r"to - 1 = 299 is out of bounds for Byte"):
        tocha.randint(0, 300, (2,), dtype=tocha.uint8)
    with pytest.raises(RuntimeError, match=r"from=-1 is out of bounds for Byte"):
        tocha.randint(-1, 3, (2,), dtype=tocha.uint8)
    with pytest.raises(TypeError, match=r"randint\(\): missing the 'size' argument"):
        tocha.randint(5)
    with pytest.raises(TypeError, match=r"randint\(\): argument 'high' must be int, not float"):
        tocha.randint(0, 5.5, (3,))


def test_randperm() -> None:
    p = tocha.randperm(1000, generator=gen())
    assert p.dtype is tocha.int64
    assert sorted(p.tolist()) == list(range(1000))
    assert p.tolist() != list(range(1000))
    assert tocha.randperm(0).shape == (0,)
    assert tocha.randperm(5, dtype=tocha.float32).dtype is tocha.float32
    with pytest.raises(RuntimeError, match=r"randperm\(\): n must be non-negative, got -1"):
        tocha.randperm(-1)
    with pytest.raises(RuntimeError, match=r"n is too large for result tensor type: 'Byte'"):
        tocha.randperm(300, dtype=tocha.uint8)


def test_like_functions() -> None:
    base = tocha.zeros(2, 3, dtype=tocha.float64)
    assert tocha.rand_like(base).dtype is tocha.float64
    assert tocha.rand_like(base).shape == (2, 3)
    assert tocha.randn_like(base, dtype=tocha.float32).dtype is tocha.float32
    r = tocha.randint_like(base, 5)
    assert r.dtype is tocha.float64
    assert set(r.tolist()[0]) <= {0.0, 1.0, 2.0, 3.0, 4.0}
    r2 = tocha.randint_like(tocha.zeros(100, dtype=tocha.int32), 3, 5)
    assert set(r2.tolist()) <= {3, 4}
    with pytest.raises(NotImplementedError, match=r"\"randn\" not implemented for 'Long'"):
        tocha.randn_like(tocha.zeros(2, dtype=tocha.int64))


# ------------------------------------------------------------------ normal


def test_normal_overloads() -> None:
    a = tocha.normal(tocha.zeros(3), tocha.ones(2, 3))
    assert a.shape == (2, 3)
    assert a.dtype is tocha.float32
    b = tocha.normal(tocha.zeros(3, dtype=tocha.float64), tocha.ones(2, 3))
    assert b.dtype is tocha.float64
    c = tocha.normal(0.0, tocha.ones(2, 3))
    assert c.shape == (2, 3)
    d = tocha.normal(tocha.zeros(2, 3), 1.0)
    assert d.shape == (2, 3)
    e = tocha.normal(tocha.zeros(2, 3))
    assert e.shape == (2, 3)
    f = tocha.normal(0.0, 1.0, (2, 3))
    assert f.shape == (2, 3)
    assert f.dtype is tocha.float32
    assert tocha.normal(0.0, 1.0, size=(2,), dtype=tocha.float64).dtype is tocha.float64
    assert tocha.normal(0, 1, (2,)).dtype is tocha.float32


def test_normal_moments() -> None:
    v = values(tocha.normal(3.0, 2.0, (N,), generator=gen()))
    assert_moments(v, 3.0, 2.0)
    mean = tocha.full((N,), -1.0, dtype=tocha.float64)
    std = tocha.full((N,), 0.5, dtype=tocha.float64)
    assert_moments(values(tocha.normal(mean, std, generator=gen())), -1.0, 0.5)
    assert_moments(values(tocha.zeros(N).normal_(1.0, 3.0, generator=gen())), 1.0, 3.0)


def test_normal_errors() -> None:
    with pytest.raises(RuntimeError, match=r"normal\(\): normal expects std >= 0.0, but found std -1"):
        tocha.normal(0.0, -1.0, size=(2, 3))
    with pytest.raises(RuntimeError, match=r"normal expects all elements of std >= 0.0"):
        tocha.normal(tocha.zeros(2), -tocha.ones(2))
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(4\)"):
        tocha.normal(tocha.zeros(3), tocha.ones(4))
    with pytest.raises(NotImplementedError, match=r"\"normal\" not implemented for 'Long'"):
        tocha.normal(tocha.zeros(3, dtype=tocha.int64), tocha.ones(3, dtype=tocha.int64))
    with pytest.raises(TypeError, match=r"the 'size' argument is required"):
        tocha.normal(0.0, 1.0)
    with pytest.raises(RuntimeError, match=r"normal_\(\): normal expects std >= 0.0, but found std -1"):
        tocha.zeros(3).normal_(0, -1)
    with pytest.raises(NotImplementedError, match=r"\"normal_\" not implemented for 'Long'"):
        tocha.zeros(3, dtype=tocha.int64).normal_()


# ------------------------------------------------------------------ bernoulli, multinomial, poisson


def test_bernoulli() -> None:
    p = tocha.full((N,), 0.3, dtype=tocha.float64)
    x = tocha.bernoulli(p, generator=gen())
    assert x.dtype is tocha.float64
    assert set(np.unique(x.numpy())) <= {0.0, 1.0}
    assert abs(x.numpy().mean() - 0.3) < 6 * np.sqrt(0.21 / N)
    assert tocha.bernoulli(tocha.tensor([0.0, 1.0])).tolist() == [0.0, 1.0]
    y = tocha.bernoulli(tocha.zeros(N), 0.8, generator=gen())
    assert abs(y.numpy().mean() - 0.8) < 6 * np.sqrt(0.16 / N)
    assert tocha.full((3,), 0.5).bernoulli().shape == (3,)
    with pytest.raises(RuntimeError, match=r"Expected p_in >= 0 && p_in <= 1 to be true, but got false"):
        tocha.bernoulli(tocha.full((3,), 1.5))
    with pytest.raises(NotImplementedError, match=r"\"bernoulli\" not implemented for 'Long'"):
        tocha.bernoulli(tocha.ones(3, dtype=tocha.int64))


def test_bernoulli_inplace() -> None:
    x = tocha.zeros(N, dtype=tocha.int64)
    assert x.bernoulli_(0.25, generator=gen()) is x
    assert abs(x.numpy().mean() - 0.25) < 6 * np.sqrt(0.1875 / N)
    probs = tocha.tensor([0.0, 1.0, 0.0, 1.0])
    assert tocha.zeros(2, 4).bernoulli_(probs).tolist() == [[0.0, 1.0, 0.0, 1.0]] * 2
    with pytest.raises(RuntimeError, match=r"bernoulli_ expects p to be in \[0, 1\], but got p=1.3"):
        tocha.zeros(3).bernoulli_(1.3)
    with pytest.raises(RuntimeError, match=r"bernoulli_\(\)"):
        tocha.zeros(3).bernoulli_(tocha.full((2, 3), 0.5))


def test_multinomial_with_replacement() -> None:
    weights = tocha.tensor([1.0, 2.0, 0.0, 7.0], dtype=tocha.float64)
    x = tocha.multinomial(weights, N, replacement=True, generator=gen())
    assert x.dtype is tocha.int64
    assert x.shape == (N,)
    freq = np.bincount(x.numpy(), minlength=4) / N
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.0, 0.7], atol=6 * np.sqrt(0.25 / N))
    rows = tocha.multinomial(tocha.tensor([[1.0, 0.0], [0.0, 1.0]]), 5, True)
    assert rows.tolist() == [[0] * 5, [1] * 5]


def test_multinomial_without_replacement() -> None:
    x = tocha.multinomial(tocha.ones(10), 10, generator=gen())
    assert sorted(x.tolist()) == list(range(10))
    zero = tocha.multinomial(tocha.tensor([1.0, 0.0, 0.0]), 1)
    assert zero.tolist() == [0]
    first = tocha.multinomial(tocha.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]), 2)
    assert first.shape == (2, 2)
    assert first[:, 0].tolist() == [0, 2]
    # The first draw follows the weights.
    draws = np.array([tocha.multinomial(tocha.tensor([1.0, 3.0]), 1, generator=gen(s)).item() for s in range(2000)])
    assert abs(draws.mean() - 0.75) < 6 * np.sqrt(0.1875 / 2000)


def test_multinomial_errors() -> None:
    with pytest.raises(
        RuntimeError, match=r"cannot sample n_sample > prob_dist.size\(-1\) samples without replacement"
    ):
        tocha.multinomial(tocha.ones(3), 4)
    with pytest.raises(RuntimeError, match=r"cannot sample n_sample <= 0 samples"):
        tocha.multinomial(tocha.ones(3), 0)
    with pytest.raises(RuntimeError, match=r"prob_dist must be 1 or 2 dim"):
        tocha.multinomial(tocha.ones(2, 2, 3), 1)
    with pytest.raises(RuntimeError, match=r"invalid multinomial distribution \(sum of probabilities <= 0\)"):
        tocha.multinomial(tocha.zeros(3), 1)
    with pytest.raises(RuntimeError, match=r"probability tensor contains either `inf`, `nan` or element < 0"):
        tocha.multinomial(tocha.tensor([1.0, -1.0]), 1)
    with pytest.raises(RuntimeError, match=r"probability tensor contains either `inf`, `nan` or element < 0"):
        tocha.multinomial(tocha.tensor([1.0, float("nan")]), 1)
    with pytest.raises(RuntimeError, match=r"multinomial only supports floating-point dtypes for input, got: Long"):
        tocha.multinomial(tocha.tensor([1, 2]), 1)


def test_poisson() -> None:
    rates = tocha.full((N,), 4.0, dtype=tocha.float64)
    x = tocha.poisson(rates, generator=gen())
    assert x.dtype is tocha.float64
    assert_moments(x.numpy(), 4.0, 2.0)
    with pytest.raises(RuntimeError, match=r"invalid Poisson rate, expected rate to be non-negative"):
        tocha.poisson(tocha.tensor([1.0, -1.0]))
    with pytest.raises(NotImplementedError, match=r"\"poisson\" not implemented for 'Long'"):
        tocha.poisson(tocha.tensor([1, 2]))


# ------------------------------------------------------------------ in-place samplers


def test_uniform_() -> None:
    x = tocha.empty(N, dtype=tocha.float64)
    assert x.uniform_(-2.0, 3.0, generator=gen()) is x
    v = x.numpy()
    assert v.min() >= -2.0
    assert v.max() < 3.0
    assert_moments(v, 0.5, 5 / np.sqrt(12))
    view = tocha.zeros(4, 4)[:, 1]
    view.uniform_()
    with pytest.raises(RuntimeError, match=r"uniform_ expects to return a \[from, to\) range, but found from=2 > to=1"):
        tocha.zeros(3).uniform_(2, 1)
    with pytest.raises(NotImplementedError, match=r"\"uniform_\" not implemented for 'Long'"):
        tocha.zeros(3, dtype=tocha.int64).uniform_()


def test_inplace_writes_through_views() -> None:
    base = tocha.zeros(4, 4)
    base[:, 1].uniform_(5.0, 6.0)  # type: ignore[index]
    arr = base.numpy()
    assert np.all(arr[:, 1] >= 5.0)
    assert np.all(arr[:, [0, 2, 3]] == 0.0)


def test_random_() -> None:
    x = tocha.zeros(N, dtype=tocha.int32)
    x.random_(3, 8, generator=gen())
    assert set(np.unique(x.numpy())) == {3, 4, 5, 6, 7}
    x.random_(4)
    assert set(np.unique(x.numpy())) == {0, 1, 2, 3}
    i8 = tocha.zeros(N, dtype=tocha.int8).random_()
    assert i8.numpy().min() >= 0
    assert i8.numpy().max() == 127
    assert set(tocha.zeros(100, dtype=tocha.bool).random_().tolist()) == {False, True}
    f = tocha.zeros(1000).random_()
    assert f.numpy().min() >= 0
    assert f.numpy().max() <= 2**24
    assert np.all(f.numpy() == np.round(f.numpy()))
    g = tocha.zeros(1000, dtype=tocha.int16).random_(100, None)
    assert g.numpy().min() >= 100
    with pytest.raises(RuntimeError, match=r"random_ expects 'from' to be less than 'to', but got from=5 >= to=5"):
        tocha.zeros(3, dtype=tocha.int64).random_(5, 5)
    with pytest.raises(RuntimeError, match=r"to - 1 = 299 is out of bounds for Byte"):
        tocha.zeros(3, dtype=tocha.uint8).random_(0, 300)


@pytest.mark.parametrize("d", [tocha.float32, tocha.float64])
def test_exponential_(d: tocha.dtype) -> None:
    v = values(tocha.empty(N, dtype=d).exponential_(2.0, generator=gen()))
    assert v.min() >= 0
    assert_moments(v, 0.5, 0.5)


def test_geometric_() -> None:
    v = tocha.empty(N, dtype=tocha.float64).geometric_(0.25, generator=gen()).numpy()
    assert v.min() >= 1
    assert np.all(v == np.round(v))
    assert_moments(v, 4.0, np.sqrt(0.75) / 0.25)
    assert tocha.zeros(3, dtype=tocha.int64).geometric_(0.5).dtype is tocha.int64


def test_log_normal_() -> None:
    v = tocha.empty(N, dtype=tocha.float64).log_normal_(0.5, 0.25, generator=gen()).numpy()
    assert v.min() > 0
    assert_moments(np.log(v), 0.5, 0.25)


def test_cauchy_() -> None:
    v = tocha.empty(N, dtype=tocha.float64).cauchy_(1.0, 2.0, generator=gen()).numpy()
    median = np.median(v)
    assert abs(median - 1.0) < 0.05
    q1, q3 = np.percentile(v, [25, 75])
    assert abs((q3 - q1) / 2 - 2.0) < 0.1  # the half interquartile range is sigma


def test_inplace_argument_errors() -> None:
    with pytest.raises(RuntimeError, match=r"exponential_ expects lambda > 0.0, but found lambda=0"):
        tocha.zeros(3).exponential_(0)
    with pytest.raises(RuntimeError, match=r"dtype must be a floating point but you specified Long"):
        tocha.zeros(3, dtype=tocha.int64).exponential_()
    for p in (0, 1, 1.5):
        with pytest.raises(RuntimeError, match=rf"geometric_ expects p to be in \(0, 1\), but got p={p}"):
            tocha.zeros(3).geometric_(p)
    with pytest.raises(RuntimeError, match=r"log_normal_ expects std > 0.0, but found std=0"):
        tocha.zeros(3).log_normal_(0, 0)
    with pytest.raises(RuntimeError, match=r"cauchy_ expects sigma > 0.0, but found sigma=-1"):
        tocha.zeros(3).cauchy_(0, -1)


@pytest.mark.parametrize("d", [tocha.float16, tocha.bfloat16, tocha.float32, tocha.float64])
def test_inplace_samplers_keep_dtype_and_shape(d: tocha.dtype) -> None:
    x = tocha.zeros(2, 3, dtype=d)
    for fill in (
        lambda: x.uniform_(),
        lambda: x.normal_(),
        lambda: x.random_(0, 10),
        lambda: x.bernoulli_(0.5),
        lambda: x.exponential_(),
        lambda: x.geometric_(0.5),
        lambda: x.log_normal_(),
        lambda: x.cauchy_(),
    ):
        assert fill() is x
        assert x.dtype is d
        assert x.shape == (2, 3)


# ------------------------------------------------------------------ dispatch


def test_random_ops_go_through_the_dispatcher_with_their_generator() -> None:
    class Record(tocha.library.DispatchLayer):
        def __init__(self) -> None:
            self.calls: list[tuple[str, tuple[Any, ...]]] = []

        def handle(self, call: Any, proceed: Any) -> Any:
            self.calls.append((call.op.name, call.params))
            return proceed(call)

    g = gen(1)
    with Record() as layer:
        tocha.rand(2, generator=g)
        tocha.zeros(2).normal_(generator=g)
        tocha.randperm(3)
    names = [name for name, _ in layer.calls]
    assert "rand" in names
    assert "normal_" in names
    assert "randperm" in names
    params = dict(layer.calls)
    assert params["rand"][-1] is g
    assert params["normal_"][-1] is g
    assert params["randperm"][-1] is tocha.default_generator
    assert tocha.library.get_op("normal_").vjp is not None  # zero gradients, as PyTorch (tested below)


# ------------------------------------------------------------------ PyTorch oracle (semantics, not values)


def test_against_torch_dtypes_and_shapes() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        (lambda m: m.rand(2, 3), "rand"),
        (lambda m: m.randint(0, 5, (4,)), "randint"),
        (lambda m: m.randint(0, 5, (4,), dtype=m.float32), "randint float"),
        (lambda m: m.randperm(4), "randperm"),
        (lambda m: m.normal(m.zeros(3, dtype=m.float64), m.ones(2, 3)), "normal"),
        (lambda m: m.bernoulli(m.full((3,), 0.5)), "bernoulli"),
        (lambda m: m.multinomial(m.ones(2, 4), 3), "multinomial"),
        (lambda m: m.poisson(m.ones(3)), "poisson"),
        (lambda m: m.zeros(3, dtype=m.int64).geometric_(0.5), "geometric_"),
        (lambda m: m.rand_like(m.zeros(2, dtype=m.float64)), "rand_like"),
    ]
    for fn, name in cases:
        ours, theirs = fn(tocha), fn(torch)
        assert tuple(ours.shape) == tuple(theirs.shape), name
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch."), name


_SAMPLES_OF_PARAMETERS = {  # each runs on tocha's tensors or, given torch as ``lib``, on PyTorch's
    "bernoulli": lambda lib, p: lib.bernoulli(p),
    "poisson": lambda lib, p: lib.poisson(p),
    "normal(tensor, float)": lambda lib, p: lib.normal(p, 1.0),
    "normal(float, tensor)": lambda lib, p: lib.normal(0.0, p),
    "normal(tensor, tensor)": lambda lib, p: lib.normal(p, p),
    "uniform_": lambda lib, p: (p * 1).uniform_(),
    "normal_": lambda lib, p: (p * 1).normal_(),
    "bernoulli_(float)": lambda lib, p: (p * 1).bernoulli_(0.5),
    "bernoulli_(tensor)": lambda lib, p: lib.zeros(3, dtype=p.dtype).bernoulli_(p),
    "exponential_": lambda lib, p: (p * 1).exponential_(),
    "random_": lambda lib, p: (p * 1).random_(0, 5),
    "geometric_": lambda lib, p: (p * 1).geometric_(0.5),
    "log_normal_": lambda lib, p: (p * 1).log_normal_(),
    "cauchy_": lambda lib, p: (p * 1).cauchy_(),
}


@pytest.mark.parametrize("sample", list(_SAMPLES_OF_PARAMETERS))
def test_samples_require_grad_and_have_zero_gradients(sample: str) -> None:
    pytest.importorskip("tocha.autograd")
    p = tocha.full((3,), 0.5, dtype=tocha.float64, requires_grad=True)
    y = _SAMPLES_OF_PARAMETERS[sample](tocha, p)
    assert y.requires_grad
    assert y.grad_fn is not None
    y.sum().backward()
    assert p.grad is not None
    assert p.grad.dtype is tocha.float64
    assert p.grad.tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        tocha.zeros(2, requires_grad=True).uniform_()


@pytest.mark.parametrize("sample", list(_SAMPLES_OF_PARAMETERS))
def test_sample_gradients_match_pytorch(sample: str) -> None:
    torch = pytest.importorskip("torch")
    p = torch.full((3,), 0.5, dtype=torch.float64, requires_grad=True)
    y = _SAMPLES_OF_PARAMETERS[sample](torch, p)
    y.sum().backward()
    assert y.grad_fn is not None
    assert p.grad.tolist() == [0.0, 0.0, 0.0]
