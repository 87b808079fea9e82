"""``tocha.utils.tensorboard``: ``SummaryWriter``, PyTorch's TensorBoard logger.

Scalars (one chart or several runs), histograms, images and image grids, text and hyperparameters are written to
``events.out.tfevents.*`` files that TensorBoard reads (``tensorboard --logdir runs``). Unlike PyTorch's writer
this one needs neither ``tensorboard`` nor ``protobuf`` installed: it encodes the few messages itself (NOTE
[ Event files ] in ``_records.py``).

Example:
    >>> import tempfile, tocha
    >>> from tocha.utils.tensorboard import SummaryWriter
    >>> writer = SummaryWriter(tempfile.mkdtemp())
    >>> writer.add_scalar("train/loss", 0.5, global_step=1)
    >>> writer.close()
"""

from __future__ import annotations

from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
