"""A trained model exported with tocha.onnx runs in onnxruntime and gives tocha's answers.

A CNN (Conv2d / BatchNorm2d / ReLU / MaxPool2d / Dropout / Linear) is trained briefly on the synthetic bar images of
test_training.py, so its weights and BatchNorm running statistics are no longer their initial values, then put in
eval mode and exported with ``tocha.onnx.export`` (a dynamic batch axis). onnxruntime runs the file on a batch of a
different size than the one traced: its logits agree with tocha's within 1e-5 relative (to each value, or to
the largest logit for values near zero) and give the same predicted classes. The test skips with its reason when onnxruntime or ``tocha.onnx.export`` is missing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tocha
import tocha.nn as nn
import tocha.nn.functional as F
import tocha.onnx
import tocha.optim as optim
from tocha.data import DataLoader, TensorDataset

ort = pytest.importorskip("onnxruntime")
if not hasattr(tocha.onnx, "export"):  # the module exists before its exporter does
    pytest.skip("tocha.onnx.export is not implemented yet (tocha-onnx-export has no export())", allow_module_level=True)


def _bars(n: int, generator: tocha.Generator) -> tuple[tocha.Tensor, tocha.Tensor]:
    """1x16x16 images of one 3-px bar: 0 horizontal top half, 1 horizontal bottom, 2 vertical left, 3 right."""
    label = tocha.randint(0, 4, (n,), generator=generator)
    start = tocha.randint(0, 6, (n,), generator=generator) + (label % 2) * 8
    pos = tocha.arange(16)
    lines = ((pos >= start[:, None]) & (pos < start[:, None] + 3)).float()[:, :, None].expand(n, 16, 16)
    horizontal = (label < 2).float()[:, None, None]
    images = horizontal * lines + (1 - horizontal) * lines.transpose(1, 2)
    return (images + 0.3 * tocha.randn(n, 16, 16, generator=generator)).unsqueeze(1), label


def _trained_cnn() -> tuple[nn.Module, tocha.Tensor, tocha.Tensor]:
    g = tocha.Generator().manual_seed(0)
    x_train, y_train = _bars(256, g)
    x_test, y_test = _bars(100, g)
    tocha.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.1),
        nn.Linear(16 * 4 * 4, 4),
    )
    opt = optim.Adam(model.parameters(), lr=3e-3)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=32, shuffle=True, generator=g)
    model.train()
    for _ in range(3):
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
    model.eval()
    return model, x_test, y_test


def test_trained_cnn_runs_in_onnxruntime_like_in_tocha(tmp_path: Path) -> None:
    model, x_test, y_test = _trained_cnn()
    with tocha.no_grad():
        expected = model(x_test).numpy()
    assert (expected.argmax(axis=1) == y_test.numpy()).mean() >= 0.8  # it did learn something

    path = tmp_path / "cnn.onnx"
    tocha.onnx.export(
        model,
        (x_test[:2],),  # traced on a batch of 2, run on a batch of 100
        path,
        input_names=["images"],
        output_names=["logits"],
        dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}},
    )
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["images"]
    (actual,) = session.run(["logits"], {"images": x_test.numpy()})

    assert actual.shape == expected.shape == (100, 4)
    assert actual.dtype == np.float32
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    assert (actual.argmax(axis=1) == expected.argmax(axis=1)).all()
