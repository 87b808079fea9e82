"""The contract every family keeps (NOTE [ Distribution shapes ]), over the EXAMPLES lists of the family tests.

For each example: shapes, samples inside the support, ``log_prob`` of those samples, ``expand``, the moments
and entropy, ``enumerate_support`` and the reprs, all against PyTorch's class built from the same parameters.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np
import pytest

import tocha
import tocha.distributions as dists

_HERE = Path(__file__).parent
_FAMILY_TESTS = ("test_base", "test_continuous", "test_discrete", "test_multivariate", "test_transformed_families")
_NOT_EXPORTED = {"LogitRelaxedBernoulli": "relaxed_bernoulli", "ExpRelaxedCategorical": "relaxed_categorical"}
# Where tocha deliberately differs from PyTorch 2.13 (each difference is tested against the mathematics in the
# family's own tests): these comparisons are skipped.
_DIFFERENCES = {
    ("Kumaraswamy", "mode"),  # PyTorch returns NaN everywhere
    ("Wishart-1", "log_prob"),  # PyTorch crashes for a scalar df with batched matrices
    ("Wishart-1", "mean"),
    ("Wishart-1", "variance"),
    ("Wishart-1", "mode"),
    ("Wishart-1", "entropy"),
}


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_contract_{name}", _HERE / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _examples() -> list[Any]:
    cases = []
    for name in _FAMILY_TESTS:
        for family, kwargs_list in _load(name).EXAMPLES:
            for k, kwargs in enumerate(kwargs_list):
                cases.append(pytest.param(family, kwargs, id=f"{family}-{k}"))
    return cases


def _family(lib: Any, name: str) -> Any:
    if name in _NOT_EXPORTED:
        module = importlib.import_module(f"{lib.distributions.__name__}.{_NOT_EXPORTED[name]}")
        return getattr(module, name)
    return getattr(lib.distributions, name)


def _build(oracle: SimpleNamespace, family: str, kwargs: dict[str, Any]) -> tuple[Any, Any]:
    with warnings.catch_warnings():  # Wishart's low-df warning, from both libraries
        warnings.simplefilter("ignore", UserWarning)
        theirs = _family(oracle.torch, family)(**{k: _theirs(oracle, v) for k, v in kwargs.items()})
        ours = _family(tocha, family)(**kwargs)
    return ours, theirs


def _theirs(oracle: SimpleNamespace, value: Any) -> Any:
    if isinstance(value, dists.Distribution):  # MixtureSameFamily / Independent arguments
        params = {k: oracle.to_torch(v) for k, v in value.__dict__.items() if k in value.arg_constraints}
        return _family(oracle.torch, type(value).__name__)(**params)
    return oracle.to_torch(value)


def _call(fn: Any) -> Any:
    """``fn()``, or the exception type when it raises NotImplementedError."""
    try:
        return fn()
    except NotImplementedError:
        return NotImplementedError


def _same(oracle: SimpleNamespace, ours: Any, theirs: Any, what: str) -> None:
    if theirs is NotImplementedError or ours is NotImplementedError:
        assert ours is theirs, what
        return
    oracle.assert_close(ours, theirs, rtol=2e-4, atol=1e-5)


@pytest.mark.parametrize(("family", "kwargs"), _examples())
def test_family_keeps_the_contract(
    oracle: SimpleNamespace, family: str, kwargs: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    torch = oracle.torch
    case = request.node.callspec.id
    skipped = {what for name, what in _DIFFERENCES if name in (family, case)}
    ours, theirs = _build(oracle, family, kwargs)
    assert ours.batch_shape == tuple(theirs.batch_shape)
    assert ours.event_shape == tuple(theirs.event_shape)
    assert ours.has_rsample == theirs.has_rsample
    assert ours.has_enumerate_support == theirs.has_enumerate_support
    assert repr(ours.support) == repr(theirs.support)
    assert repr(ours) == repr(theirs).replace("torch.", "tocha.")

    tocha.manual_seed(0)
    sample = ours.sample((3,))
    assert sample.shape == (3, *ours.batch_shape, *ours.event_shape)
    assert not sample.requires_grad
    assert bool(ours.support.check(sample).all()), f"{family} drew outside its support"
    if ours.has_rsample:
        assert ours.rsample((2,)).shape == (2, *ours.batch_shape, *ours.event_shape)

    log_prob = ours.log_prob(sample)
    assert log_prob.shape == (3, *ours.batch_shape)
    if "log_prob" not in skipped:
        with torch.no_grad():
            _same(oracle, log_prob, theirs.log_prob(oracle.to_torch(sample)), "log_prob")

    for name in ("mean", "variance", "mode"):
        if name not in skipped:
            _same(oracle, _call(lambda n=name: getattr(ours, n)), _call(lambda n=name: getattr(theirs, n)), name)
    if "entropy" not in skipped:
        _same(oracle, _call(ours.entropy), _call(theirs.entropy), "entropy")
    if ours.has_enumerate_support and _call(theirs.enumerate_support) is not NotImplementedError:
        oracle.assert_close(ours.enumerate_support(), theirs.enumerate_support())
        oracle.assert_close(ours.enumerate_support(expand=False), theirs.enumerate_support(expand=False))

    wide = (4, *ours.batch_shape)
    expanded = ours.expand(wide)
    assert expanded.batch_shape == wide
    assert expanded.event_shape == ours.event_shape
    assert expanded.sample().shape == (*wide, *ours.event_shape)
    np.testing.assert_allclose(
        expanded.log_prob(sample[0]).detach().numpy(),
        np.broadcast_to(log_prob[0].detach().numpy(), wide),
        rtol=1e-6,
    )


def test_every_exported_family_has_an_example() -> None:
    covered = {family for name in _FAMILY_TESTS for family, _ in _load(name).EXAMPLES}
    families = {
        name
        for name in dists.__all__
        if isinstance(getattr(dists, name), type)
        and issubclass(getattr(dists, name), dists.Distribution)
        and name not in ("Distribution", "ExponentialFamily", "TransformedDistribution")
    }
    assert families - covered == set()
