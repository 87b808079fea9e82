"""tocha.nn.modules.utils: the helpers third-party layers import from torch.nn.modules.utils."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest

from tocha.nn.modules import utils


@pytest.mark.parametrize("value", [3, (1, 2), [4, 5, 6], "ab", range(2)])
def test_ntuples_equal_pytorchs(value: Any) -> None:
    torch_utils = pytest.importorskip("torch.nn.modules.utils")
    for name in ("_single", "_pair", "_triple", "_quadruple"):
        assert getattr(utils, name)(value) == getattr(torch_utils, name)(value), name
    assert utils._ntuple(5, "five")(1) == (1,) * 5
    assert utils._pair.__name__ == "_pair"


def test_reverse_repeat_and_list_with_default() -> None:
    assert utils._reverse_repeat_tuple((1, 2, 3), 2) == (3, 3, 2, 2, 1, 1)
    assert utils._list_with_default([None, 4], [1, 3, 5, 7]) == [5, 4]
    assert utils._list_with_default(7, [1, 2]) == 7
    with pytest.raises(ValueError, match="Input dimension should be at least 3"):
        utils._list_with_default([None, None], [1, 2])


def test_consume_prefix_equals_pytorchs() -> None:
    def state() -> OrderedDict[str, int]:
        result = OrderedDict([("module.a", 1), ("module.b.c", 2), ("c", 3)])
        result._metadata = OrderedDict(  # type: ignore[attr-defined]
            [("", {"v": 0}), ("module", {"v": 1}), ("module.b", {"v": 2}), ("x", {"v": 3})]
        )
        return result

    ours = state()
    utils.consume_prefix_in_state_dict_if_present(ours, "module.")
    assert ours == {"a": 1, "b.c": 2, "c": 3}
    assert ours._metadata == {"": {"v": 1}, "b": {"v": 2}, "x": {"v": 3}}  # type: ignore[attr-defined]
    torch_utils = pytest.importorskip("torch.nn.modules.utils")
    theirs = state()
    torch_utils.consume_prefix_in_state_dict_if_present(theirs, "module.")
    assert (ours, dict(ours._metadata)) == (theirs, dict(theirs._metadata))  # type: ignore[attr-defined]
