"""``tocha.utils``: PyTorch's ``torch.utils`` names (dlpack here; the data/checkpoint aliases need their
distributions, so tests-integration checks those, and this venv checks the error when they are missing)."""

from __future__ import annotations

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
        import tocha.utils.data
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        _ = tocha.utils.nothing
