"""tocha.utils.tensorboard.SummaryWriter against TensorBoard's reader and PyTorch's writer (NOTE [ Event files ])."""

from __future__ import annotations

import glob
import io
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tocha
from tocha.utils.tensorboard import SummaryWriter
from tocha.utils.tensorboard._png import encode_png
from tocha.utils.tensorboard._records import crc32c, masked_crc32c


def _records(path: str) -> list[bytes]:
    """The payloads of a TFRecord file, checking each frame's CRCs."""
    data = Path(path).read_bytes()
    payloads, position = [], 0
    while position < len(data):
        (length,) = struct.unpack_from("<Q", data, position)
        (length_crc,) = struct.unpack_from("<I", data, position + 8)
        assert length_crc == masked_crc32c(data[position : position + 8])
        payload = data[position + 12 : position + 12 + length]
        (payload_crc,) = struct.unpack_from("<I", data, position + 12 + length)
        assert payload_crc == masked_crc32c(payload)
        payloads.append(payload)
        position += 16 + length
    return payloads


def _event_file(directory: Any) -> str:
    (path,) = glob.glob(os.path.join(str(directory), "events.out.tfevents.*"))
    return path


def _decode_png(data: bytes) -> np.ndarray:
    """8-bit PNG pixels (filter type 0 rows, as encode_png writes them)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, _, color = struct.unpack_from(">IIBB", data, 16)
    channels = {0: 1, 2: 3, 6: 4}[color]
    idat, position = b"", 8
    while position < len(data):
        (length,) = struct.unpack_from(">I", data, position)
        kind = data[position + 4 : position + 8]
        if kind == b"IDAT":
            idat += data[position + 8 : position + 8 + length]
        position += 12 + length
    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, 1 + width * channels)
    assert not rows[:, 0].any()
    return rows[:, 1:].reshape(height, width, channels)


def test_crc32c_and_record_frames(tmp_path: Path) -> None:
    assert crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
    assert crc32c(bytes(32)) == 0x8A9136AA  # RFC 3720's test vector: 32 bytes of zeros
    assert crc32c(bytes(range(32))) == 0x46DD794E
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("loss", 0.5, 3)
    payloads = _records(_event_file(tmp_path))
    assert len(payloads) == 2
    assert b"brain.Event:2" in payloads[0]
    assert b"loss" in payloads[1]


def test_png_round_trip() -> None:
    pixels = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    assert np.array_equal(_decode_png(encode_png(pixels)), pixels)
    PIL = pytest.importorskip("PIL.Image")
    assert np.array_equal(np.asarray(PIL.open(io.BytesIO(encode_png(pixels)))), pixels)
    with pytest.raises(ValueError, match="expected uint8 pixels"):
        encode_png(pixels.astype(np.float32))


def test_bad_values_raise_pytorchs_errors(tmp_path: Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        with pytest.raises(AssertionError, match="Tensor should contain one element"):
            writer.add_scalar("x", tocha.ones(2))
        with pytest.raises(ValueError, match="The input has no element"):
            writer.add_histogram("h", tocha.zeros(0))
        with pytest.raises(ValueError, match="size of input tensor and input format are different"):
            writer.add_image("i", tocha.zeros(3, 4), dataformats="CHW")
        with pytest.raises(TypeError, match="should be dictionary"):
            writer.add_hparams([1], {})  # type: ignore[arg-type]
        writer.add_scalar("later", 1.0)
    assert len(_records(_event_file(tmp_path))) == 2  # the file version, then "later"


def test_default_log_dir_and_reopening_after_close(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_lr0.1")
    (run,) = os.listdir(tmp_path / "runs")
    assert run.endswith("_lr0.1")
    assert writer.get_logdir() == os.path.join("runs", run)
    writer.close()
    writer.add_scalar("after_close", 2.0, 1)
    writer.close()
    assert len(glob.glob(os.path.join("runs", run, "events.out.tfevents.*"))) == 2


# ------------------------------------------------------------------ read back by TensorBoard, and as PyTorch writes


def _events(directory: Any) -> list[Any]:
    """The events of the one file in ``directory``, as TensorBoard reads them (before its format migrations)."""
    loader = pytest.importorskip("tensorboard.backend.event_processing.event_file_loader")
    event_pb2 = pytest.importorskip("tensorboard.compat.proto.event_pb2")
    return [event_pb2.Event.FromString(raw) for raw in loader.RawEventFileLoader(_event_file(directory)).Load()]


def _values(directory: Any) -> list[tuple[int, Any]]:
    return [(event.step, value) for event in _events(directory) for value in event.summary.value]


def _torch_writer(directory: Path) -> Any:
    pytest.importorskip("torch")
    tensorboard = pytest.importorskip("torch.utils.tensorboard")
    return tensorboard.SummaryWriter(str(directory))


def test_scalars_read_back_by_tensorboard(tmp_path: Path) -> None:
    with SummaryWriter(tmp_path / "ours", purge_step=5) as writer:
        writer.add_scalar("loss", tocha.tensor(0.25), 1, walltime=1000.5)
        writer.add_scalar("acc", np.float64(0.75), tocha.tensor(2))
        writer.add_scalar("lr", 1e-3, 3, new_style=True)
        writer.add_scalar("lr64", 1e-3, 3, new_style=True, double_precision=True)
        writer.add_scalars("curves", {"train": 1.0, "val": 2.0}, 4)
    events = _events(tmp_path / "ours")
    assert events[0].file_version == "brain.Event:2"
    assert (events[1].step, events[1].session_log.status) == (5, 1)  # purge_step: SessionLog START
    values = [(e.step, e.wall_time, v) for e in events for v in e.summary.value]
    assert [(s, v.tag, v.simple_value) for s, _, v in values[:2]] == [(1, "loss", 0.25), (2, "acc", 0.75)]
    assert values[0][1] == 1000.5
    assert values[2][2].metadata.plugin_data.plugin_name == "scalars"
    assert values[2][2].tensor.float_val[0] == pytest.approx(1e-3)
    assert values[3][2].tensor.double_val[0] == 1e-3
    for key, expected in (("train", 1.0), ("val", 2.0)):
        ((step, value),) = _values(tmp_path / "ours" / f"curves_{key}")
        assert (step, value.tag, value.simple_value) == (4, "curves", expected)


def test_histograms_equal_pytorchs(tmp_path: Path) -> None:
    values = np.random.default_rng(0).standard_normal(1000) * 3
    cases: list[dict[str, Any]] = [{}, {"bins": 10}, {"bins": "auto"}, {"bins": "tensorflow", "max_bins": 20}]
    with SummaryWriter(tmp_path / "ours") as writer:
        for i, kwargs in enumerate(cases):
            writer.add_histogram(f"h{i}", tocha.from_numpy(values), i, **kwargs)
        writer.add_histogram_raw("raw", 0, 2, 3, 3, 5, [1.0, 2.0], [1, 2], 9)
    theirs = _torch_writer(tmp_path / "theirs")
    for i, kwargs in enumerate(cases):
        theirs.add_histogram(f"h{i}", values, i, **kwargs)
    theirs.add_histogram_raw("raw", 0, 2, 3, 3, 5, [1.0, 2.0], [1, 2], 9)
    theirs.close()
    for (step, ours), (their_step, reference) in zip(
        _values(tmp_path / "ours"), _values(tmp_path / "theirs"), strict=True
    ):
        assert (step, ours.tag) == (their_step, reference.tag)
        for field in ("min", "max", "num", "sum", "sum_squares"):
            assert getattr(ours.histo, field) == pytest.approx(getattr(reference.histo, field)), (ours.tag, field)
        np.testing.assert_allclose(ours.histo.bucket_limit, reference.histo.bucket_limit, err_msg=ours.tag)
        np.testing.assert_array_equal(ours.histo.bucket, reference.histo.bucket, err_msg=ours.tag)


def test_images_text_and_hparams_equal_pytorchs(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    chw = rng.random((3, 6, 5)).astype(np.float32)
    grey = rng.integers(0, 256, (6, 5), dtype=np.uint8)
    batch = rng.random((11, 1, 4, 3)).astype(np.float32)
    hwc = rng.random((6, 5, 4)).astype(np.float32)
    hparams: dict[str, Any] = {"lr": 0.1, "layers": 3, "optimizer": "adam", "bn": True}
    metrics = {"hparam/accuracy": 0.9}
    domains = {"optimizer": ["adam", "sgd"]}
    calls = [
        lambda w: w.add_image("chw", chw, 0),
        lambda w: w.add_image("grey", grey, 1, dataformats="HW"),
        lambda w: w.add_image("hwc", hwc, 2, dataformats="HWC"),
        lambda w: w.add_images("batch", batch, 3),
        lambda w: w.add_text("notes", "lr **0.1**, ünïcode", 4),
    ]
    with SummaryWriter(tmp_path / "ours") as writer:
        for call in calls:
            call(writer)
        writer.add_hparams(hparams, metrics, domains, run_name="trial")
    theirs = _torch_writer(tmp_path / "theirs")
    for call in calls:
        call(theirs)
    theirs.add_hparams(hparams, metrics, domains, run_name="trial")
    theirs.close()
    ours_values, their_values = _values(tmp_path / "ours"), _values(tmp_path / "theirs")
    for (step, ours), (their_step, reference) in zip(ours_values[:4], their_values[:4], strict=True):
        assert (step, ours.tag, ours.image.colorspace) == (their_step, reference.tag, reference.image.colorspace)
        assert (ours.image.height, ours.image.width) == (reference.image.height, reference.image.width)
        ours_pixels = _decode_png(ours.image.encoded_image_string)
        PIL = pytest.importorskip("PIL.Image")
        their_pixels = np.asarray(PIL.open(io.BytesIO(reference.image.encoded_image_string)))
        np.testing.assert_array_equal(ours_pixels, their_pixels, err_msg=ours.tag)
    (_, text), (_, their_text) = ours_values[4], their_values[4]
    assert text.tensor.string_val == their_text.tensor.string_val
    assert text.metadata.plugin_data.plugin_name == their_text.metadata.plugin_data.plugin_name == "text"
    assert list(text.tensor.tensor_shape.dim) == list(their_text.tensor.tensor_shape.dim)
    plugin = pytest.importorskip("tensorboard.plugins.hparams.plugin_data_pb2")
    run_values = _values(tmp_path / "ours" / "trial")
    their_run = [v for _, v in _values(_hparams_run(tmp_path / "theirs", "trial"))]
    for (_, ours), reference in zip(run_values[:3], their_run[:3], strict=True):
        assert ours.tag == reference.tag
        parsed = plugin.HParamsPluginData.FromString(ours.metadata.plugin_data.content)
        expected = plugin.HParamsPluginData.FromString(reference.metadata.plugin_data.content)
        if parsed.HasField("session_start_info"):
            expected.session_start_info.ClearField("start_time_secs")
        if parsed.HasField("session_end_info"):
            expected.session_end_info.ClearField("end_time_secs")
        assert parsed == expected, ours.tag
    (_, metric) = run_values[3]
    assert (metric.tag, metric.simple_value) == ("hparam/accuracy", pytest.approx(0.9))


def _hparams_run(directory: Path, run_name: str) -> Path:
    # PyTorch writes the run under <log_dir>/<run_name> (older versions: an absolute path of the same place)
    return directory / run_name
