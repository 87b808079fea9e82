"""tocha.multiprocessing: multiprocessing with shared-memory tensors (``torch.multiprocessing``).

This is the ``tocha-mp`` distribution. It will hold a drop-in wrapper of the
standard ``multiprocessing`` module whose queues and pipes move CPU tensors
through shared memory instead of copying them, plus ``Tensor.share_memory_()``
support and ``spawn``, built on tocha-tensor-core.

Work in progress: nothing is public yet; it lands with its own issue.
"""

__all__: list[str] = []
