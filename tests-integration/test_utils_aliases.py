"""``tocha.utils.data`` and ``tocha.utils.checkpoint`` are tocha.data and tocha.autograd.checkpoint themselves."""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys

import tocha.data as real_data
from tocha.autograd import checkpoint as autograd_checkpoint


def test_aliases_are_the_same_module_objects() -> None:
    import tocha.utils.data
    from tocha.utils.checkpoint import checkpoint, checkpoint_sequential
    from tocha.utils.data import DataLoader, TensorDataset
    from tocha.utils.data.dataloader import DataLoader as LoaderFromSubmodule

    assert tocha.utils.data is real_data
    assert DataLoader is real_data.DataLoader is LoaderFromSubmodule
    assert importlib.import_module("tocha.utils.data.dataloader") is importlib.import_module("tocha.data.dataloader")
    assert real_data.__spec__.name == "tocha.data"  # the real module keeps its own spec
    assert checkpoint is autograd_checkpoint
    assert checkpoint_sequential.__module__ == "tocha.autograd.checkpoint"
    loader = DataLoader(TensorDataset(tocha.arange(6.0)), batch_size=3)
    assert [batch[0].tolist() for batch in loader] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    dataset = TensorDataset(tocha.arange(3.0))
    assert type(pickle.loads(pickle.dumps(dataset))) is real_data.TensorDataset


def test_attribute_access_imports_lazily() -> None:
    code = (
        "import tocha, tocha.utils, sys\n"
        "assert 'tocha.data' not in sys.modules\n"
        "assert tocha.utils.data.DataLoader.__module__.startswith('tocha.data')\n"
        "assert tocha.utils.checkpoint.checkpoint is not None\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_subpackages_are_attributes_after_a_bare_import() -> None:
    code = (
        "import sys, tocha\n"
        "assert 'tocha.nn' not in sys.modules and 'tocha.optim' not in sys.modules\n"
        "model = tocha.nn.Linear(2, 1)\n"
        "opt = tocha.optim.SGD(model.parameters(), lr=0.1)\n"
        "assert tocha.distributions.Normal(0.0, 1.0).sample().shape == ()\n"
        "assert tocha.autograd.grad is not None and tocha.data.DataLoader is not None\n"
        "assert tocha.multiprocessing.Queue is not None and tocha.onnx.export is not None\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
