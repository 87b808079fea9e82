"""PackedSequence and the pad/pack helpers of ``torch.nn.utils.rnn``."""

from __future__ import annotations

__all__: list[str] = []
