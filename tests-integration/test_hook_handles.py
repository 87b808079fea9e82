"""Every hook registration of every package returns tocha.utils.hooks.RemovableHandle, as in PyTorch."""

from __future__ import annotations

import copy
from collections import OrderedDict

import tocha
import tocha.nn as nn
import tocha.optim as optim
from tocha.utils.hooks import RemovableHandle


def test_every_hook_registration_returns_the_shared_class() -> None:
    model = nn.Linear(2, 2)
    handles = [model.register_forward_hook(lambda *a: None), nn.modules.module.register_module_forward_hook(print)]
    handles.append(optim.SGD(model.parameters(), lr=0.1).register_step_pre_hook(lambda *a: None))
    leaf = tocha.ones(2, requires_grad=True)
    handles.append(leaf.register_hook(lambda grad: grad))
    handles.append((leaf * 2).grad_fn.register_hook(lambda *a: None))
    for handle in handles:
        assert isinstance(handle, RemovableHandle), type(handle)
        handle.remove()
    assert copy.deepcopy(model)._forward_hooks == OrderedDict()
