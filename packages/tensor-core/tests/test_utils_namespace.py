"""``tocha.utils``: PyTorch's ``torch.utils`` names (dlpack here; the data/checkpoint aliases need their
distributions, so tests-integration checks those, and this venv checks the error when they are missing)."""

from __future__ import annotations

import importlib
import importlib.util

import numpy as np
import pytest

import tocha
import tocha.utils
from tocha.utils.dlpack import DLDeviceType, from_dlpack


def test_dlpack_names_match_pytorch_codes() -> None:
    x = from_dlpack(np.arange(4, dtype=np.float32))
    assert isinstance(x, tocha.Tensor)
    np.testing.assert_array_equal(x.numpy(), np.arange(4, dtype=np.float32))
    assert tocha.zeros(2).__dlpack_device__()[0] == DLDeviceType.kDLCPU == 1
    assert DLDeviceType.kDLCUDA == 2
    assert DLDeviceType.kDLMAIA == 17


def test_dlpack_enum_matches_pytorch() -> None:
    torch_codes = pytest.importorskip("torch.utils.dlpack").DLDeviceType

    assert {m.name: int(m) for m in DLDeviceType} == {m.name: int(m) for m in torch_codes}


@pytest.mark.skipif(importlib.util.find_spec("tocha.data") is not None, reason="tocha-data is installed here")
def test_missing_distribution_is_named() -> None:
    with pytest.raises(ModuleNotFoundError, match=r"it is tocha\.data, from the tocha-data distribution"):
        importlib.import_module("tocha.utils.data")
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        _ = tocha.utils.nothing


@pytest.mark.skipif(importlib.util.find_spec("tocha.nn") is not None, reason="tocha-nn is installed here")
def test_missing_subpackage_attribute_names_its_distribution() -> None:
    with pytest.raises(
        AttributeError, match=r"tocha\.nn comes with the tocha-nn distribution \(pip install tocha-nn\)"
    ):
        _ = tocha.nn
    assert not hasattr(tocha, "optim")


def test_unknown_attributes_are_plain_attribute_errors() -> None:
    with pytest.raises(AttributeError, match=r"^module 'tocha' has no attribute 'no_such_name'$") as info:
        _ = tocha.no_such_name
    assert info.value.name == "no_such_name"
    assert tocha.utils.dlpack.DLDeviceType.kDLCPU == 1
