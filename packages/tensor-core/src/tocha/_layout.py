"""``tocha.layout``: how a tensor's elements are stored: ``tocha.strided`` (dense) or ``tocha.sparse_coo``.

PyTorch also has compressed sparse and jagged layouts. tocha exposes their objects, so code that compares
``t.layout == torch.sparse_csr`` runs unchanged. Sparse COO tensors come from ``tocha.sparse_coo_tensor`` and
``Tensor.to_sparse`` (NOTE [ Sparse COO tensors ] in ``tocha._sparse``); a factory (``zeros``, ``empty``...)
asked for any layout other than ``tocha.strided`` raises NotImplementedError.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "SparseLayoutError",
    "layout",
    "strided",
    "sparse_coo",
    "sparse_csr",
    "sparse_csc",
    "sparse_bsr",
    "sparse_bsc",
    "jagged",
]


class layout:
    """A memory layout: one fixed instance per kind, compared by identity; prints as ``tocha.strided``.

    Example:
        >>> import tocha
        >>> tocha.zeros(2).layout
        tocha.strided
        >>> tocha.zeros(2).layout == tocha.sparse_coo
        False
    """

    __slots__ = ("_name",)
    __module__ = "tocha"
    _name: str

    def __new__(cls, *args: Any, **kwargs: Any) -> layout:
        raise TypeError("cannot create 'tocha.layout' instances")

    @classmethod
    def _make(cls, name: str) -> layout:
        obj = object.__new__(cls)
        object.__setattr__(obj, "_name", name)
        return obj

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"'tocha.layout' object attribute '{name}' is read-only")

    def __repr__(self) -> str:
        return f"tocha.{self._name}"

    def __reduce__(self) -> str:
        return self._name  # pickles as the module-level name, so unpickling gives the same object


strided = layout._make("strided")
sparse_coo = layout._make("sparse_coo")
sparse_csr = layout._make("sparse_csr")
sparse_csc = layout._make("sparse_csc")
sparse_bsr = layout._make("sparse_bsr")
sparse_bsc = layout._make("sparse_bsc")
jagged = layout._make("jagged")
_mkldnn = layout._make("_mkldnn")


def check_layout(op: str, value: Any) -> None:
    """Accept ``None`` or ``tocha.strided``; NotImplementedError for another layout, TypeError for a non-layout."""
    if value is None or value is strided:
        return
    if isinstance(value, layout):
        raise NotImplementedError(
            f"{op}(): layout={value!r} is not supported: tocha implements only dense tensors (tocha.strided)"
        )
    raise TypeError(f"{op}(): argument 'layout' must be tocha.layout, not {type(value).__name__}")


class SparseLayoutError(NotImplementedError):
    """A dense kernel reached a sparse tensor's values (NOTE [ Sparse COO tensors ] in ``tocha._sparse``)."""
