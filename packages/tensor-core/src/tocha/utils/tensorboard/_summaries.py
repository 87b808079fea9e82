"""``Summary.Value`` messages: scalars, histograms, images, text and hyperparameters (NOTE [ Event files ])."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._png import encode_png
from ._records import (
    bytes_field,
    double_field,
    float_field,
    message_field,
    packed_doubles_field,
    varint_field,
)

__all__ = ["as_array", "hparams_values", "histogram_value", "image_value", "scalar_value", "text_value"]

_DT_FLOAT, _DT_DOUBLE, _DT_STRING = 1, 2, 7  # TensorFlow's DataType enum


def as_array(value: Any) -> np.ndarray:
    """A tensor (tocha's on any device, or another library's) or array-like as a NumPy array on the host.

    Example:
        >>> import tocha
        >>> as_array(tocha.tensor([1.5])).tolist()
        [1.5]
    """
    from tocha import Tensor

    if isinstance(value, Tensor):
        value = value.detach().cpu()
        if value.dtype.itemsize == 2 and value.is_floating_point():
            value = value.float()  # bfloat16 and float16 as float32
        return np.asarray(value.numpy())
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # another library's tensor
        value = value.detach().cpu()
    return np.asarray(value)


def _plugin_metadata(plugin: str, content: bytes = b"") -> bytes:
    plugin_data = bytes_field(1, plugin) + (bytes_field(2, content) if content else b"")
    return message_field(1, plugin_data)


def _value(tag: str, *fields: bytes) -> bytes:
    return bytes_field(1, tag) + b"".join(fields)


def scalar_value(tag: str, value: Any, new_style: bool = False, double_precision: bool = False) -> bytes:
    """The ``Summary.Value`` of one number (``simple_value``, or a scalars-plugin tensor with ``new_style``).

    Example:
        >>> scalar_value("loss", 0.5).hex()
        '0a046c6f7373150000003f'
    """
    array = as_array(value)
    if array.size != 1:
        raise AssertionError(f"Tensor should contain one element (0 dimensions). Was given size: {array.size}")
    number = float(array.reshape(()))
    if not new_style:
        return _value(tag, float_field(2, number))
    if double_precision:
        tensor = varint_field(1, _DT_DOUBLE) + message_field(2, b"") + packed_doubles_field(6, [number])
    else:
        tensor = varint_field(1, _DT_FLOAT) + message_field(2, b"") + float_field(5, number)
    return _value(tag, message_field(9, _plugin_metadata("scalars")), message_field(8, tensor))


def text_value(tag: str, text: str) -> bytes:
    """The ``Summary.Value`` of a text (the text plugin's string tensor).

    Example:
        >>> b"hello" in text_value("note", "hello")
        True
    """
    shape = message_field(2, varint_field(1, 1))  # one dimension of size 1
    tensor = varint_field(1, _DT_STRING) + message_field(2, shape) + bytes_field(8, text.encode("utf-8"))
    return _value(tag, message_field(9, _plugin_metadata("text")), message_field(8, tensor))


def _tensorflow_bins() -> np.ndarray:
    """TensorFlow's default histogram limits: ±1e-12 growing by 10% to 1e20, and 0."""
    positive = []
    limit = 1e-12
    while limit < 1e20:
        positive.append(limit)
        limit *= 1.1
    return np.array([-v for v in reversed(positive)] + [0.0] + positive)


_TF_BINS = _tensorflow_bins()


def histogram_value(tag: str, values: Any, bins: Any = "tensorflow", max_bins: int | None = None) -> bytes:
    """The ``Summary.Value`` of a histogram of ``values`` (``bins``: ``'tensorflow'`` or NumPy's ``bins``).

    Empty buckets before the first and after the last filled one are left out; a zero bucket before the first
    filled one gives it its left edge.

    Example:
        >>> len(histogram_value("w", [1.0, 2.0, 2.0], bins=2)) > 0
        True
    """
    data = as_array(values).astype(np.float64).reshape(-1)
    if data.size == 0:
        raise ValueError("The input has no element.")
    counts, edges = np.histogram(data, bins=_TF_BINS if isinstance(bins, str) and bins == "tensorflow" else bins)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins  # as PyTorch: whole groups, so up to twice max_bins buckets may remain
        padded = np.concatenate([counts, np.zeros(-len(counts) % group, dtype=counts.dtype)])
        counts = padded.reshape(-1, group).sum(axis=1)
        edges = np.concatenate([edges[:-1:group], edges[-1:]])
    filled = np.flatnonzero(counts)
    first, last = int(filled[0]), int(filled[-1])
    limits = edges[first : last + 2]  # the left edge of the first filled bucket, then each right edge
    buckets = np.concatenate([[0.0], counts[first : last + 1]])
    stats = (data.min(), data.max(), data.size, data.sum(), data.dot(data))
    return _histogram(tag, stats, limits.tolist(), buckets.tolist())


def histogram_raw_value(
    tag: str,
    min: float,
    max: float,
    num: float,
    sum: float,
    sum_squares: float,
    bucket_limits: Sequence[float],
    bucket_counts: Sequence[float],
) -> bytes:
    """The ``Summary.Value`` of a histogram given by its statistics and buckets.

    Example:
        >>> len(histogram_raw_value("h", 0, 1, 2, 1, 1, [0.5, 1.0], [1, 1])) > 0
        True
    """
    if len(bucket_limits) != len(bucket_counts):
        raise ValueError("len(bucket_limits) != len(bucket_counts), see the document.")
    limits = [float(v) for v in as_array(bucket_limits).reshape(-1)]
    counts = [float(v) for v in as_array(bucket_counts).reshape(-1)]
    return _histogram(tag, (min, max, num, sum, sum_squares), limits, counts)


def _histogram(tag: str, stats: Sequence[Any], limits: Sequence[float], counts: Sequence[float]) -> bytes:
    """A ``HistogramProto`` value: min, max, num, sum and sum of squares, then bucket limits and counts."""
    histo = b"".join(double_field(field, float(v)) for field, v in enumerate(stats, start=1))
    histo += packed_doubles_field(6, limits) + packed_doubles_field(7, counts)
    return _value(tag, message_field(5, histo))


def _to_hwc(pixels: np.ndarray, dataformats: str) -> np.ndarray:
    formats = dataformats.upper()
    if len(set(formats)) != len(formats) or set(formats) - set("NCHW") or pixels.ndim != len(formats):
        raise ValueError(
            f"You can not use the same dimension shorthand twice. input_format: {dataformats}"
            if len(set(formats)) != len(formats)
            else f"size of input tensor and input format are different. tensor shape: {pixels.shape}, input_format: "
            f"{dataformats}"
        )
    if "N" in formats:
        pixels = pixels.transpose([formats.index(c) for c in "N" + "".join(c for c in "CHW" if c in formats)])
        if "C" not in formats:
            pixels = pixels[:, None]
        return _grid(pixels)
    if "C" not in formats:
        return np.repeat(pixels.transpose([formats.index("H"), formats.index("W")])[:, :, None], 3, axis=2)
    hwc = pixels.transpose([formats.index(c) for c in "HWC"])
    return np.repeat(hwc, 3, axis=2) if hwc.shape[2] == 1 else hwc


def _grid(images: np.ndarray, columns: int = 8) -> np.ndarray:
    """``(N, C, H, W)`` images tiled row by row, ``columns`` to a row, as one ``(H', W', C)`` image."""
    count, channels, height, width = images.shape
    if channels == 1:
        images = np.repeat(images, 3, axis=1)
        channels = 3
    columns = min(count, columns)
    rows = -(-count // columns)
    canvas: np.ndarray = np.zeros((channels, height * rows, width * columns), dtype=images.dtype)
    for i in range(count):
        row, column = divmod(i, columns)
        canvas[:, row * height : (row + 1) * height, column * width : (column + 1) * width] = images[i]
    tiled: np.ndarray = canvas.transpose(1, 2, 0)
    return tiled


def image_value(tag: str, image: Any, dataformats: str = "CHW") -> bytes:
    """The ``Summary.Value`` of an image (floats in [0, 1] or uint8 in [0, 255]), encoded as PNG.

    Example:
        >>> import numpy as np
        >>> len(image_value("img", np.zeros((3, 4, 5)))) > 0
        True
    """
    pixels = as_array(image)
    scale = 1.0 if pixels.dtype == np.uint8 else 255.0
    hwc = _to_hwc(pixels, dataformats)
    channels = hwc.shape[2]
    if channels not in (3, 4):
        raise ValueError(f"an image needs 1, 3 or 4 channels, got {channels} (dataformats {dataformats!r})")
    as_bytes = (hwc.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    height, width = as_bytes.shape[:2]
    message = (
        varint_field(1, height)
        + varint_field(2, width)
        + varint_field(3, channels)
        + bytes_field(4, encode_png(as_bytes))
    )
    return _value(tag, message_field(4, message))


# ------------------------------------------------------------------ hyperparameters (TensorBoard's hparams plugin)

_FLOAT64, _STRING = 3, 1  # the hparams plugin's DataType; bools are numbers (1.0, 0.0), as PyTorch logs them


def _protobuf_value(value: Any) -> bytes:
    """A ``google.protobuf.Value`` holding a string or a number."""
    if isinstance(value, str):
        return bytes_field(3, value)
    return double_field(2, float(value))


def _hparams_summary(tag: str, plugin_data: bytes) -> bytes:
    return _value(tag, message_field(9, _plugin_metadata("hparams", plugin_data)))


def hparams_values(
    hparam_dict: Mapping[str, Any],
    metric_dict: Mapping[str, Any],
    hparam_domain_discrete: Mapping[str, Sequence[Any]] | None = None,
) -> tuple[bytes, bytes, bytes]:
    """The three summaries of one hyperparameter run: the experiment, the session's start and its end.

    Example:
        >>> [len(v) > 0 for v in hparams_values({"lr": 0.1}, {"loss": 1.0})]
        [True, True, True]
    """
    if not isinstance(hparam_dict, Mapping) or not isinstance(metric_dict, Mapping):
        raise TypeError("hparam_dict and metric_dict should be dictionary.")
    domains = dict(hparam_domain_discrete or {})
    for name, domain in domains.items():
        if name not in hparam_dict or not isinstance(domain, (list, tuple)):
            raise TypeError("parameter: hparam_domain_discrete should be a dictionary, its keys should exist in "
                            "hparam_dict, and its values should be lists.")  # fmt: skip
        if any(not isinstance(v, type(hparam_dict[name])) for v in domain):
            raise TypeError(f"parameter: hparam_domain_discrete[{name}] should be a list of same type as "
                            f"hparam_dict[{name}].")  # fmt: skip
    hparam_infos = b""
    session_hparams = b""
    for name, raw in hparam_dict.items():
        value = raw.item() if hasattr(raw, "item") and as_array(raw).size == 1 else raw
        if value is None:
            continue
        if not isinstance(value, (bool, int, float, str)):
            value = str(value)
        info = bytes_field(1, name) + varint_field(4, _STRING if isinstance(value, str) else _FLOAT64)
        if name in domains:
            listed = b"".join(message_field(1, _protobuf_value(v)) for v in domains[name])
            info += message_field(5, listed)
        hparam_infos += message_field(4, info)
        entry = bytes_field(1, name) + message_field(2, _protobuf_value(value))
        session_hparams += message_field(1, entry)
    metric_infos = b"".join(message_field(5, message_field(1, bytes_field(2, name))) for name in metric_dict)
    experiment = message_field(2, hparam_infos + metric_infos)
    start = message_field(3, session_hparams)
    end = message_field(4, varint_field(1, 1))  # STATUS_SUCCESS
    return (
        _hparams_summary("_hparams_/experiment", experiment),
        _hparams_summary("_hparams_/session_start_info", start),
        _hparams_summary("_hparams_/session_end_info", end),
    )
