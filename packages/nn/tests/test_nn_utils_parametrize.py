"""nn.utils.parametrize and nn.utils.parametrizations (weight_norm, spectral_norm, orthogonal)."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pytest
from nn_oracle import torch_or_skip

import tocha
from tocha import nn
from tocha.nn.utils import parametrize
from tocha.nn.utils.parametrizations import orthogonal, spectral_norm, weight_norm


class Holder(nn.Module):
    def __init__(self, weight: Any, lib: Any = tocha, nnlib: Any = nn) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight)
        self.register_buffer("scale", tocha.ones(1))

    def forward(self, x: Any) -> Any:
        return x @ self.weight.T

    def extra_repr(self) -> str:
        return f"shape={tuple(self.weight.shape)}"


class Symmetric(nn.Module):
    def forward(self, x: Any) -> Any:
        return x.triu() + x.triu(1).mT


class Positive(nn.Module):
    def forward(self, x: Any) -> Any:
        return x.exp()

    def right_inverse(self, y: Any) -> Any:
        return y.log()


class Split(nn.Module):
    """Two originals: the tensor is their sum."""

    def forward(self, a: Any, b: Any) -> Any:
        return a + b

    def right_inverse(self, y: Any) -> Any:
        return y * 0.25, y * 0.75


def mat(*rows: list[float]) -> tocha.Tensor:
    return tocha.tensor([list(r) for r in rows])


def test_register_and_state_dict_keys() -> None:
    m = Holder(mat([1.0, 2.0], [3.0, 4.0]))
    original = m.weight
    parametrize.register_parametrization(m, "weight", Symmetric())
    assert type(m).__name__ == "ParametrizedHolder"
    assert isinstance(m, Holder)
    assert parametrize.is_parametrized(m)
    assert parametrize.is_parametrized(m, "weight")
    assert not parametrize.is_parametrized(m, "scale")
    assert parametrize.type_before_parametrizations(m) is Holder
    assert m.weight.tolist() == [[1.0, 2.0], [2.0, 4.0]]
    assert m.parametrizations.weight.original is original
    assert list(m.state_dict()) == ["scale", "parametrizations.weight.original"]
    assert [n for n, _ in m.named_parameters()] == ["parametrizations.weight.original"]
    out = m(tocha.ones(1, 2))
    out.sum().backward()
    assert original.grad is not None
    assert repr(m) == (
        "ParametrizedHolder(\n"
        "  shape=(2, 2)\n"
        "  (parametrizations): ModuleDict(\n"
        "    (weight): ParametrizationList(\n"
        "      (0): Symmetric()\n"
        "    )\n"
        "  )\n"
        ")"
    )


def test_right_inverse_and_assignment() -> None:
    m = Holder(mat([1.0, 2.0]))
    parametrize.register_parametrization(m, "weight", Positive())
    np.testing.assert_allclose(m.parametrizations.weight.original.detach().numpy(), np.log([[1.0, 2.0]]), rtol=1e-6)
    np.testing.assert_allclose(m.weight.detach().numpy(), [[1.0, 2.0]], rtol=1e-6)
    m.weight = mat([5.0, 7.0])
    np.testing.assert_allclose(m.parametrizations.weight.original.detach().numpy(), np.log([[5.0, 7.0]]), rtol=1e-6)
    np.testing.assert_allclose(m.weight.detach().numpy(), [[5.0, 7.0]], rtol=1e-5)
    s = Holder(mat([1.0, 1.0], [1.0, 1.0]))
    parametrize.register_parametrization(s, "weight", Symmetric())
    with pytest.raises(RuntimeError, match="parametrization Symmetric does not implement right_inverse"):
        s.weight = tocha.zeros(2, 2)


def test_chained_parametrizations() -> None:
    m = Holder(mat([1.0, 2.0], [3.0, 4.0]))
    parametrize.register_parametrization(m, "weight", Symmetric())
    parametrize.register_parametrization(m, "weight", Positive())
    assert len(m.parametrizations.weight) == 2
    np.testing.assert_allclose(m.weight.detach().numpy(), np.exp([[1.0, 2.0], [2.0, 4.0]]), rtol=1e-6)


def test_multiple_originals() -> None:
    m = Holder(mat([4.0, 8.0]))
    parametrize.register_parametrization(m, "weight", Split())
    assert list(m.state_dict()) == ["scale", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    assert m.parametrizations.weight.original0.tolist() == [[1.0, 2.0]]
    assert isinstance(m.parametrizations.weight.original1, nn.Parameter)
    assert m.weight.tolist() == [[4.0, 8.0]]
    m.weight = mat([0.0, 4.0])
    assert m.parametrizations.weight.original1.tolist() == [[0.0, 3.0]]
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    parametrize.remove_parametrizations(m, "weight")
    assert type(m) is Holder
    assert m.weight.tolist() == [[0.0, 4.0]]
    assert isinstance(m.weight, nn.Parameter)


def test_parametrize_buffer() -> None:
    m = Holder(mat([1.0]))
    parametrize.register_parametrization(m, "scale", Positive())
    assert list(m.state_dict()) == ["weight", "parametrizations.scale.original"]
    assert [n for n, _ in m.named_buffers()] == ["parametrizations.scale.original"]
    np.testing.assert_allclose(m.scale.numpy(), [1.0])


def test_remove_parametrizations() -> None:
    m = Holder(mat([1.0, 2.0], [3.0, 4.0]))
    original = m.weight
    parametrize.register_parametrization(m, "weight", Symmetric())
    parametrize.remove_parametrizations(m, "weight")
    assert type(m) is Holder
    assert "parametrizations" not in m._modules
    assert m.weight is original
    assert m.weight.tolist() == [[1.0, 2.0], [2.0, 4.0]]
    assert list(m.state_dict()) == ["weight", "scale"]
    m2 = Holder(mat([1.0, 2.0], [3.0, 4.0]))
    parametrize.register_parametrization(m2, "weight", Symmetric())
    parametrize.register_parametrization(m2, "scale", Positive())
    parametrize.remove_parametrizations(m2, "weight", leave_parametrized=False)
    assert m2.weight.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert parametrize.is_parametrized(m2)
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        parametrize.remove_parametrizations(m2, "weight")


def test_register_errors() -> None:
    m = Holder(mat([1.0, 2.0]))

    class Shrink(nn.Module):
        def forward(self, x: Any) -> Any:
            return x[..., :1]

    class ToDouble(nn.Module):
        def forward(self, x: Any) -> Any:
            return x.double()

    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element"):
        parametrize.register_parametrization(m, "nope", Symmetric())
    with pytest.raises(ValueError, match="may not change the shape of the tensor"):
        parametrize.register_parametrization(m, "weight", Shrink())
    with pytest.raises(ValueError, match="may not change the dtype of the tensor"):
        parametrize.register_parametrization(m, "weight", ToDouble())
    parametrize.register_parametrization(Holder(mat([1.0, 2.0])), "weight", Shrink(), unsafe=True)


def test_cached() -> None:
    calls: list[int] = []

    class Counting(nn.Module):
        def forward(self, x: Any) -> Any:
            calls.append(1)
            return x * 2

    m = Holder(mat([1.0]))
    parametrize.register_parametrization(m, "weight", Counting())
    calls.clear()
    with parametrize.cached():
        a = m.weight
        b = m.weight
        with parametrize.cached():
            assert m.weight is a
    assert a is b
    assert len(calls) == 1
    m.weight
    assert len(calls) == 2


def test_deepcopy_and_pickle_of_parametrized_module() -> None:
    m = Holder(mat([1.0, 2.0], [3.0, 4.0]))
    parametrize.register_parametrization(m, "weight", Symmetric())
    twin = copy.deepcopy(m)
    assert type(twin) is type(m)
    assert twin.weight.tolist() == m.weight.tolist()
    assert twin.parametrizations.weight.original is not m.parametrizations.weight.original
    with pytest.raises(
        RuntimeError, match="Serialization of parametrized modules is only supported through state_dict"
    ):
        pickle.dumps(m)


def test_load_state_dict_into_parametrized() -> None:
    a = Holder(mat([1.0, 2.0], [3.0, 4.0]))
    b = Holder(tocha.zeros(2, 2))
    for m in (a, b):
        parametrize.register_parametrization(m, "weight", Symmetric())
    b.load_state_dict(a.state_dict())
    assert b.weight.tolist() == a.weight.tolist()


def test_transfer_parametrizations() -> None:
    a = Holder(mat([1.0, 2.0], [3.0, 4.0]))
    parametrize.register_parametrization(a, "weight", Symmetric())
    b = Holder(tocha.zeros(2, 2))
    parametrize.transfer_parametrizations_and_params(a, b)
    assert parametrize.is_parametrized(b, "weight")
    assert b.weight.tolist() == a.weight.tolist()


# ---------------------------------------------------------------------------------------------- weight_norm


def test_weight_norm() -> None:
    w = tocha.tensor([[3.0, 4.0], [0.0, 2.0], [1.0, 0.0]])
    m = Holder(w.clone())
    weight_norm(m)
    g = m.parametrizations.weight.original0
    v = m.parametrizations.weight.original1
    assert tuple(g.shape) == (3, 1)
    assert g.tolist() == [[5.0], [2.0], [1.0]]
    assert v.tolist() == w.tolist()
    np.testing.assert_allclose(m.weight.detach().numpy(), w.numpy(), rtol=1e-6)
    with tocha.no_grad():
        g.mul_(2)
    np.testing.assert_allclose(m.weight.detach().numpy(), 2 * w.numpy(), rtol=1e-6)
    m1 = Holder(w.clone())
    weight_norm(m1, dim=1)
    assert tuple(m1.parametrizations.weight.original0.shape) == (1, 2)
    m2 = Holder(w.clone())
    weight_norm(m2, dim=None)
    assert m2.parametrizations.weight.original0.ndim == 0


def test_weight_norm_gradients_against_finite_differences() -> None:
    rng = np.random.default_rng(0)
    w = tocha.from_numpy(rng.standard_normal((3, 4)))
    m = Holder(w)
    weight_norm(m)
    x = tocha.from_numpy(rng.standard_normal((2, 4)))
    g, v = m.parametrizations.weight.original0, m.parametrizations.weight.original1

    def loss() -> float:
        return float((m(x) ** 2).sum())

    (m(x) ** 2).sum().backward()
    for param in (g, v):
        grad = param.grad.numpy().copy()  # type: ignore[union-attr]
        flat = param.detach().numpy().reshape(-1)
        numeric = np.zeros_like(flat)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + 1e-6
            up = loss()
            flat[i] = old - 1e-6
            down = loss()
            flat[i] = old
            numeric[i] = (up - down) / 2e-6
        np.testing.assert_allclose(grad.reshape(-1), numeric, rtol=1e-5, atol=1e-7)


def test_weight_norm_old_state_dict_keys() -> None:
    m = Holder(tocha.ones(2, 2))
    weight_norm(m)
    m.load_state_dict({"scale": tocha.ones(1), "weight_g": tocha.full((2, 1), 3.0), "weight_v": tocha.ones(2, 2)})
    np.testing.assert_allclose(m.weight.detach().numpy(), np.full((2, 2), 3.0 / np.sqrt(2)), rtol=1e-6)


def torch_holder(torch: Any, weight: Any) -> Any:
    class TorchHolder(torch.nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.weight = torch.nn.Parameter(weight)
            self.register_buffer("scale", torch.ones(1))

    return TorchHolder()


def test_weight_norm_matches_torch() -> None:
    torch = torch_or_skip()
    rng = np.random.default_rng(1)
    w = rng.standard_normal((4, 3, 2)).astype(np.float32)
    x = rng.standard_normal((6,)).astype(np.float32)
    for dim in (0, 1, 2, None):
        ours = weight_norm(Holder(tocha.from_numpy(w.copy())), dim=dim)
        theirs = torch.nn.utils.parametrizations.weight_norm(torch_holder(torch, torch.from_numpy(w.copy())), dim=dim)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-6)
        (ours.weight.reshape(4, 6) @ tocha.from_numpy(x)).sum().backward()
        (theirs.weight.reshape(4, 6) @ torch.from_numpy(x)).sum().backward()
        for i in range(2):
            np.testing.assert_allclose(
                getattr(ours.parametrizations.weight, f"original{i}").grad.numpy(),
                getattr(theirs.parametrizations.weight, f"original{i}").grad.numpy(),
                rtol=1e-5,
                atol=1e-6,
            )


# ---------------------------------------------------------------------------------------------- spectral_norm


def test_spectral_norm_converges_to_top_singular_value() -> None:
    rng = np.random.default_rng(2)
    w = rng.standard_normal((5, 3, 2))
    m = Holder(tocha.from_numpy(w.copy()))
    spectral_norm(m, n_power_iterations=5)
    assert list(m.state_dict()) == [
        "scale",
        "parametrizations.weight.original",
        "parametrizations.weight.0._u",
        "parametrizations.weight.0._v",
    ]
    for _ in range(20):
        weight = m.weight
    sigma = np.linalg.svd(w.reshape(5, -1), compute_uv=False)[0]
    np.testing.assert_allclose(weight.detach().numpy(), w / sigma, rtol=1e-6)
    # eval mode: no power iteration, the buffers stay
    m.eval()
    u = m.parametrizations.weight[0]._u.clone()
    m.weight
    assert m.parametrizations.weight[0]._u.tolist() == u.tolist()
    vec = Holder(tocha.tensor([3.0, 4.0]))
    spectral_norm(vec)
    np.testing.assert_allclose(vec.weight.detach().numpy(), [0.6, 0.8], rtol=1e-6)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'nope'"):
        spectral_norm(Holder(tocha.ones(2, 2)), name="nope")
    with pytest.raises(IndexError, match="Dimension out of range"):
        spectral_norm(Holder(tocha.ones(2, 2)), dim=2)
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
        spectral_norm(Holder(tocha.ones(2, 2)), n_power_iterations=0)


def test_spectral_norm_matches_torch() -> None:
    torch = torch_or_skip()
    rng = np.random.default_rng(3)
    w = rng.standard_normal((4, 3, 2)).astype(np.float32)
    for dim in (0, 1):
        ours = spectral_norm(Holder(tocha.from_numpy(w.copy())), dim=dim)
        theirs = torch.nn.utils.parametrizations.spectral_norm(torch_holder(torch, torch.from_numpy(w.copy())), dim=dim)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        ours.load_state_dict({k: tocha.from_numpy(v.numpy().copy()) for k, v in theirs.state_dict().items()})
        for training in (True, False):
            ours.train(training)
            theirs.train(training)
            np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-4)
            np.testing.assert_allclose(
                ours.parametrizations.weight[0]._u.numpy(), theirs.parametrizations.weight[0]._u.numpy(), atol=1e-5
            )
        (ours.weight * tocha.from_numpy(w)).sum().backward()
        (theirs.weight * torch.from_numpy(w)).sum().backward()
        np.testing.assert_allclose(
            ours.parametrizations.weight.original.grad.numpy(),
            theirs.parametrizations.weight.original.grad.numpy(),
            rtol=1e-4,
            atol=1e-5,
        )


# ---------------------------------------------------------------------------------------------- orthogonal


def perturbation(rng: Any, shape: tuple[int, ...]) -> tocha.Tensor:
    """A random change that keeps the diagonal (and, for the transposed case, the layout) of the original."""
    delta = rng.standard_normal(shape) * 0.3
    n, k = shape[-2:]
    mask = np.tril(np.ones((n, k)), -1) if n >= k else np.triu(np.ones((n, k)), 1)
    return tocha.from_numpy(delta * mask)


@pytest.mark.parametrize("orthogonal_map", [None, "matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 3, 3)])
def test_orthogonal(orthogonal_map: str | None, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(4)
    m = Holder(tocha.from_numpy(rng.standard_normal(shape)))
    orthogonal(m, orthogonal_map=orthogonal_map)
    assert list(m.state_dict()) == ["scale", "parametrizations.weight.original", "parametrizations.weight.0.base"]

    def check() -> None:
        q = m.weight.detach().numpy()
        small = min(shape[-2:])
        gram = q @ np.swapaxes(q, -1, -2) if shape[-2] <= shape[-1] else np.swapaxes(q, -1, -2) @ q
        np.testing.assert_allclose(gram, np.broadcast_to(np.eye(small), gram.shape), atol=1e-10)

    check()
    # move away from the base: still orthogonal, and differentiable (householder reads only the strictly
    # lower triangle; its diagonal holds signs, which gradients never change)
    with tocha.no_grad():
        m.parametrizations.weight.original.add_(perturbation(rng, shape))
    check()
    m.weight.sum().backward()
    assert m.parametrizations.weight.original.grad is not None
    # assigning an orthogonal matrix keeps it
    target = m.weight.detach().clone()
    m.weight = target
    np.testing.assert_allclose(m.weight.detach().numpy(), target.numpy(), atol=1e-10)


def test_orthogonal_gradients_against_finite_differences() -> None:
    rng = np.random.default_rng(5)
    for orthogonal_map, shape in (("matrix_exp", (3, 3)), ("cayley", (3, 3)), ("householder", (4, 2))):
        m = Holder(tocha.from_numpy(rng.standard_normal(shape)))
        orthogonal(m, orthogonal_map=orthogonal_map)
        original = m.parametrizations.weight.original
        with tocha.no_grad():
            original.add_(perturbation(rng, shape))
        c = tocha.from_numpy(rng.standard_normal(shape))
        (m.weight * c).sum().backward()
        grad = original.grad.numpy().copy()  # type: ignore[union-attr]
        flat = original.detach().numpy().reshape(-1)
        numeric = np.zeros_like(flat)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + 1e-6
            up = float((m.weight * c).sum())
            flat[i] = old - 1e-6
            down = float((m.weight * c).sum())
            flat[i] = old
            numeric[i] = (up - down) / 2e-6
        # householder reads the diagonal as signs (not differentiable); compare the other entries
        keep = np.ones(shape, dtype=bool) if orthogonal_map != "householder" else ~np.eye(*shape, dtype=bool)
        np.testing.assert_allclose(
            grad.reshape(-1)[keep.reshape(-1)], numeric[keep.reshape(-1)], rtol=1e-5, atol=1e-7, err_msg=orthogonal_map
        )


def test_orthogonal_errors() -> None:
    with pytest.raises(ValueError, match=r"Expected a matrix or batch of matrices\. Got a tensor of 1 dimensions\."):
        orthogonal(Holder(tocha.ones(3)))
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", "householder"'):
        orthogonal(Holder(tocha.ones(2, 2)), orthogonal_map="qr")
    m = orthogonal(Holder(tocha.eye(2)))
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices of shape"):
        m.weight = tocha.eye(3)


def test_orthogonal_matches_torch() -> None:
    torch = torch_or_skip()
    rng = np.random.default_rng(6)
    for orthogonal_map, shape in (("matrix_exp", (4, 4)), ("cayley", (4, 4)), ("householder", (5, 3))):
        w = rng.standard_normal(shape)
        ours = orthogonal(Holder(tocha.from_numpy(w.copy())), orthogonal_map=orthogonal_map)
        theirs = torch.nn.utils.parametrizations.orthogonal(
            torch_holder(torch, torch.from_numpy(w.copy())), orthogonal_map=orthogonal_map
        )
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for key, value in theirs.state_dict().items():
            if shape[0] == shape[1]:  # a non-square base is completed with random columns
                np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), atol=1e-10, err_msg=key)
        ours.load_state_dict({k: tocha.from_numpy(v.numpy().copy()) for k, v in theirs.state_dict().items()})
        delta = perturbation(rng, shape).numpy()
        with torch.no_grad():
            theirs.parametrizations.weight.original.add_(torch.from_numpy(delta))
        with tocha.no_grad():
            ours.parametrizations.weight.original.add_(tocha.from_numpy(delta))
        np.testing.assert_allclose(
            ours.weight.detach().numpy(), theirs.weight.detach().numpy(), atol=1e-10, err_msg=orthogonal_map
        )
        c = rng.standard_normal(shape)
        (ours.weight * tocha.from_numpy(c)).sum().backward()
        (theirs.weight * torch.from_numpy(c)).sum().backward()
        np.testing.assert_allclose(
            ours.parametrizations.weight.original.grad.numpy(),
            theirs.parametrizations.weight.original.grad.numpy(),
            atol=1e-9,
        )


def test_parametrized_layers_match_torch() -> None:
    torch = torch_or_skip()
    if not all(hasattr(nn, n) for n in ("Linear", "ConvTranspose2d")):
        pytest.skip("Linear/ConvTranspose2d not available yet")
    cases = [
        (lambda lib: lib.nn.Linear(4, 3), "weight_norm", {}),
        (lambda lib: lib.nn.Linear(4, 4), "orthogonal", {}),
        (lambda lib: lib.nn.ConvTranspose2d(2, 3, 3), "spectral_norm", {}),
        (lambda lib: lib.nn.Linear(4, 3), "spectral_norm", {"n_power_iterations": 3}),
    ]
    for build, fn_name, kwargs in cases:
        theirs = getattr(torch.nn.utils.parametrizations, fn_name)(build(torch), **kwargs)
        ours_layer = build(tocha)
        ours_layer.weight.data = tocha.from_numpy(
            theirs.parametrizations.weight.original.detach().numpy().copy()
            if fn_name != "weight_norm"
            else theirs.weight.detach().numpy().copy()
        )
        ours = getattr(tocha.nn.utils.parametrizations, fn_name)(ours_layer, **kwargs)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        ours.load_state_dict({k: tocha.from_numpy(v.numpy().copy()) for k, v in theirs.state_dict().items()})
        ours.eval()
        theirs.eval()
        np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-4, atol=1e-5)
