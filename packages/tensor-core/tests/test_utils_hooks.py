"""tocha.utils.hooks: one RemovableHandle for every hook, as torch.utils.hooks."""

from __future__ import annotations

import pickle
from collections import OrderedDict

import pytest

from tocha.utils.hooks import RemovableHandle, unserializable_hook


def test_a_handle_removes_its_hook_from_every_dictionary() -> None:
    hooks: OrderedDict[int, object] = OrderedDict()
    extra: OrderedDict[int, object] = OrderedDict()
    with RemovableHandle(hooks, extra_dict=extra) as handle:
        hooks[handle.id] = print
        extra[handle.id] = True
        assert RemovableHandle.next_id == handle.id + 1
    assert (dict(hooks), dict(extra)) == ({}, {})
    handle.remove()  # a second removal does nothing


def test_a_handle_does_not_keep_its_dictionary_alive_and_pickles_with_it() -> None:
    hooks: OrderedDict[int, object] = OrderedDict()
    handle = RemovableHandle(hooks)
    hooks[handle.id] = "hook"
    restored = pickle.loads(pickle.dumps((hooks, handle)))
    restored_hooks, restored_handle = restored
    assert restored_handle.hooks_dict_ref() is restored_hooks
    restored_handle.remove()
    assert not restored_hooks
    assert hooks  # the original is untouched
    del hooks
    handle.remove()  # its dictionary is gone: nothing to do


def test_unserializable_hook_marks_the_function() -> None:
    @unserializable_hook
    def hook(grad: object) -> object:
        return grad

    assert hook.__torch_unserializable__ is True  # type: ignore[attr-defined]
    torch = pytest.importorskip("torch")
    assert torch.utils.hooks.unserializable_hook(lambda g: g).__torch_unserializable__ is True
