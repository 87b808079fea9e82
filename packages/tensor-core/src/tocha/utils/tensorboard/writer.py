"""``SummaryWriter``: PyTorch's TensorBoard logger, writing event files itself (NOTE [ Event files ])."""

from __future__ import annotations

import atexit
import itertools
import os
import socket
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, BinaryIO

from . import _summaries
from ._records import bytes_field, double_field, message_field, record, varint_field
from ._summaries import (
    as_array,
    histogram_raw_value,
    histogram_value,
    hparams_values,
    image_value,
    text_value,
)

__all__ = ["SummaryWriter"]

_file_numbers = itertools.count()
_open_files: weakref.WeakSet[_EventFile] = weakref.WeakSet()


class _EventFile:
    """One ``events.out.tfevents.*`` file: events are written as they come and flushed every ``max_queue`` events
    or ``flush_secs`` seconds, on :meth:`flush` and at exit."""

    def __init__(self, log_dir: str, max_queue: int, flush_secs: float, filename_suffix: str) -> None:
        os.makedirs(log_dir, exist_ok=True)
        self.log_dir = log_dir
        name = (
            f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}."
            f"{next(_file_numbers)}{filename_suffix}"
        )
        self.path = os.path.join(log_dir, name)
        self._file: BinaryIO | None = open(self.path, "wb")  # noqa: SIM115 - closed by close() or at exit
        self._max_queue = max(1, int(max_queue))
        self._flush_secs = float(flush_secs)
        self._pending = 0
        self._last_flush = time.monotonic()
        self._lock = threading.Lock()
        _open_files.add(self)
        self.write_event(bytes_field(3, "brain.Event:2"), walltime=time.time())

    def write_event(self, body: bytes, walltime: float | None = None, step: int | None = None) -> None:
        event = double_field(1, time.time() if walltime is None else float(walltime))
        if step is not None:
            event += varint_field(2, int(step))
        with self._lock:
            if self._file is None:
                raise RuntimeError(f"SummaryWriter: the event file {self.path} is closed")
            self._file.write(record(event + body))
            self._pending += 1
            if self._pending >= self._max_queue or time.monotonic() - self._last_flush >= self._flush_secs:
                self._flush_locked()

    def write_summary(self, value: bytes, walltime: float | None, step: int | None) -> None:
        self.write_event(message_field(5, message_field(1, value)), walltime, step)

    def _flush_locked(self) -> None:
        if self._file is not None:
            self._file.flush()
        self._pending = 0
        self._last_flush = time.monotonic()

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
        _open_files.discard(self)

    def __del__(self) -> None:  # a writer dropped without close() still leaves a complete file
        file = getattr(self, "_file", None)
        if file is not None:
            file.close()


@atexit.register
def _close_open_files() -> None:
    for events in list(_open_files):
        events.close()


class SummaryWriter:
    """Writes TensorBoard event files into ``log_dir``, as ``torch.utils.tensorboard.SummaryWriter``.

    Args:
        log_dir: the directory (default ``runs/<Mon DD_HH-MM-SS>_<hostname><comment>``).
        comment: appended to the default ``log_dir``.
        purge_step: events at or after this step written by an earlier, crashed run are hidden by TensorBoard.
        max_queue: events buffered before the file is flushed.
        flush_secs: seconds after which a new event flushes the file.
        filename_suffix: appended to the event file's name.

    Example:
        >>> import tempfile, tocha
        >>> from tocha.utils.tensorboard import SummaryWriter
        >>> with SummaryWriter(tempfile.mkdtemp()) as writer:
        ...     for step in range(3):
        ...         writer.add_scalar("loss", 1.0 / (step + 1), step)
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str] | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ) -> None:
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = os.fspath(log_dir)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self._files: dict[str, _EventFile] = {}
        self._file_for(self.log_dir)

    # ------------------------------------------------------------ files

    def _file_for(self, log_dir: str) -> _EventFile:
        events = self._files.get(log_dir)
        if events is None:
            events = _EventFile(log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
            self._files[log_dir] = events
            if self.purge_step is not None and log_dir == self.log_dir:
                start = message_field(7, varint_field(1, 1))  # SessionLog(status=START)
                events.write_event(start, step=self.purge_step)
                self.purge_step = None
        return events

    def get_logdir(self) -> str:
        """The directory the event files go to.

        Example:
            >>> import tempfile
            >>> directory = tempfile.mkdtemp()
            >>> SummaryWriter(directory).get_logdir() == directory
            True
        """
        return self.log_dir

    def flush(self) -> None:
        """Write everything logged so far to disk.

        Example:
            >>> import tempfile
            >>> SummaryWriter(tempfile.mkdtemp()).flush()
        """
        for events in self._files.values():
            events.flush()

    def close(self) -> None:
        """Flush and close the event files (a later ``add_*`` opens new ones).

        Example:
            >>> import tempfile
            >>> SummaryWriter(tempfile.mkdtemp()).close()
        """
        for events in self._files.values():
            events.close()
        self._files.clear()

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _write(self, value: bytes, global_step: Any, walltime: float | None, log_dir: str | None = None) -> None:
        step = None if global_step is None else int(as_array(global_step).reshape(()))
        self._file_for(self.log_dir if log_dir is None else log_dir).write_summary(value, walltime, step)

    # ------------------------------------------------------------ what can be logged

    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Log one number (a Python number or a one-element tensor) under ``tag`` at ``global_step``.

        Example:
            >>> import tempfile, tocha
            >>> SummaryWriter(tempfile.mkdtemp()).add_scalar("loss", tocha.tensor(0.25), 10)
        """
        self._write(_summaries.scalar_value(tag, scalar_value, new_style, double_precision), global_step, walltime)

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: Mapping[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log several numbers as curves of one chart: each key goes to its own run, ``<log_dir>/<main_tag>_<key>``.

        Example:
            >>> import tempfile
            >>> SummaryWriter(tempfile.mkdtemp()).add_scalars("loss", {"train": 0.5, "val": 0.7}, 1)
        """
        when = time.time() if walltime is None else walltime
        for key, value in tag_scalar_dict.items():
            run = os.path.join(self.log_dir, f"{main_tag.replace('/', '_')}_{key}")
            self._write(_summaries.scalar_value(main_tag, value), global_step, when, run)

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Log the histogram of ``values`` (``bins``: ``'tensorflow'``'s exponential limits, or NumPy's ``bins``).

        Example:
            >>> import tempfile, tocha
            >>> SummaryWriter(tempfile.mkdtemp()).add_histogram("weights", tocha.randn(100), 0)
        """
        self._write(histogram_value(tag, values, bins, max_bins), global_step, walltime)

    def add_histogram_raw(
        self,
        tag: str,
        min: float,
        max: float,
        num: int,
        sum: float,
        sum_squares: float,
        bucket_limits: Sequence[float],
        bucket_counts: Sequence[float],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Log a histogram given by its statistics and buckets (``bucket_limits`` are right edges).

        Example:
            >>> import tempfile
            >>> SummaryWriter(tempfile.mkdtemp()).add_histogram_raw("h", 0, 2, 3, 3, 5, [1, 2], [1, 2])
        """
        value = histogram_raw_value(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts)
        self._write(value, global_step, walltime)

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """Log an image: floats in [0, 1] or uint8 in [0, 255], laid out as ``dataformats`` (CHW, HWC, HW...).

        Example:
            >>> import tempfile, tocha
            >>> SummaryWriter(tempfile.mkdtemp()).add_image("sample", tocha.rand(3, 8, 8), 0)
        """
        self._write(image_value(tag, img_tensor, dataformats), global_step, walltime)

    def add_images(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "NCHW",
    ) -> None:
        """Log a batch of images as one grid, eight to a row.

        Example:
            >>> import tempfile, tocha
            >>> SummaryWriter(tempfile.mkdtemp()).add_images("batch", tocha.rand(4, 1, 8, 8), 0)
        """
        self._write(image_value(tag, img_tensor, dataformats), global_step, walltime)

    def add_text(
        self, tag: str, text_string: str, global_step: int | None = None, walltime: float | None = None
    ) -> None:
        """Log a text (Markdown) under ``tag``.

        Example:
            >>> import tempfile
            >>> SummaryWriter(tempfile.mkdtemp()).add_text("notes", "lr **0.1**", 0)
        """
        self._write(text_value(tag, text_string), global_step, walltime)

    def add_hparams(
        self,
        hparam_dict: Mapping[str, Any],
        metric_dict: Mapping[str, Any],
        hparam_domain_discrete: Mapping[str, Sequence[Any]] | None = None,
        run_name: str | None = None,
        global_step: int | None = None,
    ) -> None:
        """Log a run's hyperparameters and final metrics for TensorBoard's HParams tab, in the run ``run_name``
        (a subdirectory, named after the current time by default).

        Example:
            >>> import tempfile
            >>> SummaryWriter(tempfile.mkdtemp()).add_hparams({"lr": 0.1, "batch": 32}, {"hparam/accuracy": 0.9})
        """
        summaries = hparams_values(hparam_dict, metric_dict, hparam_domain_discrete)
        run = os.path.join(self.log_dir, run_name or str(time.time()))
        for value in summaries:
            self._write(value, None, None, run)
        for name, metric in metric_dict.items():
            self._write(_summaries.scalar_value(name, metric), global_step, None, run)
        self._files[run].flush()
