"""tocha.nn.functional: cosine_similarity, pairwise_distance, pdist, normalize."""

from __future__ import annotations

__all__: list[str] = []
