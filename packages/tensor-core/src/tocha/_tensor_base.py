"""The data-holding part of ``Tensor``: storage, metadata and Python protocols.

Op methods live in mixins next to their ops (``_ops/*``); ``_tensor.Tensor``
combines them. :func:`wrap` is how every op result becomes a tensor.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ._backend import copy_to_host, get_backend
from ._device import CPU, device
from ._dtype import _FROM_NUMPY, dtype, from_numpy_dtype
from ._layout import layout as layout_type
from ._layout import strided
from ._memory_format import check_memory_format, contiguous_format, is_contiguous_as
from ._memory_format import memory_format as memory_format_type

if TYPE_CHECKING:
    from ._tensor import Tensor

__all__ = ["TensorBase", "wrap", "Size"]

_new = object.__new__


class Size(tuple[int, ...]):
    """The shape of a tensor: a tuple of ints that prints as ``tocha.Size([2, 3])``.

    Example:
        >>> import tocha
        >>> tocha.zeros(2, 3).shape
        tocha.Size([2, 3])
        >>> tocha.zeros(2, 3).shape.numel()
        6
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"tocha.Size({list(self)})"

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n


class TensorBase:
    """Storage and metadata shared by every tensor; see ``tocha.Tensor``."""

    __slots__ = (
        "__dict__",
        "__weakref__",
        "_autograd_meta",
        "_base",
        "_data",
        "_device",
        "_dtype",
        "_grad",
        "_grad_fn",
        "_requires_grad",
        "_version",
    )

    # NumPy defers binary operators to the tensor (ndarray + tensor gives a tensor), as with PyTorch.
    __array_priority__ = 1000
    # the whole batch behind a tensor batched by vmap (tocha._vmap.BatchedTensor); None for every other tensor
    _batched_value: Any = None

    _data: Any
    _dtype: dtype
    _device: device
    _base: Tensor | None
    _version: int
    _requires_grad: bool
    _grad: Tensor | None
    _grad_fn: Any
    _autograd_meta: Any

    # ------------------------------------------------------------ metadata

    @property
    def data(self) -> Tensor:
        """This tensor's values without autograd history (shares memory, not the version counter).

        As in PyTorch, writes through ``.data`` are invisible to autograd's
        version checks: the result has its own version counter.
        """
        return wrap(self._data, self._device)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, TensorBase):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data
        self._dtype = value._dtype
        self._device = value._device

    @property
    def shape(self) -> Size:
        """The tensor's shape as a ``tocha.Size``."""
        return Size(self._data.shape)

    @property
    def dtype(self) -> dtype:
        """The element type."""
        return self._dtype

    @property
    def device(self) -> device:
        """Where the tensor's memory lives."""
        return self._device

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim  # type: ignore[no-any-return]

    @property
    def is_cuda(self) -> bool:
        """Whether the tensor lives on a CUDA device."""
        return self._device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        """Whether the tensor lives on the CPU."""
        return self._device.type == "cpu"

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return self._dtype.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes the elements occupy (numel * itemsize)."""
        return int(self._data.size) * self._dtype.itemsize

    def dim(self) -> int:
        """The number of dimensions (same as ``ndim``)."""
        return self._data.ndim  # type: ignore[no-any-return]

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the size of dimension ``dim``.

        Example:
            >>> import tocha
            >>> tocha.zeros(2, 3).size(), tocha.zeros(2, 3).size(-1)
            (tocha.Size([2, 3]), 3)
        """
        shape = self._data.shape
        if dim is None:
            return Size(shape)
        return shape[normalize_dim("size", dim, len(shape))]

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        """Bytes per element."""
        return self._dtype.itemsize

    def stride(self, dim: int | None = None) -> Any:
        """Strides in elements (PyTorch's convention, not NumPy's bytes).

        Example:
            >>> import tocha
            >>> tocha.zeros(2, 3).stride(), tocha.zeros(2, 3).t().stride()
            ((3, 1), (1, 3))
        """
        item = self._dtype.itemsize
        strides = tuple(s // item for s in self._data.strides)
        if 0 in strides:
            if self._data.size == 0:  # NumPy gives empty arrays zero strides; PyTorch's are row-major
                strides = _empty_strides(self._data.shape)
            elif 1 in self._data.shape:
                strides = _pytorch_unit_strides(self._data.shape, strides)
        if dim is None:
            return strides
        return strides[normalize_dim("stride", dim, len(strides))]

    def storage_offset(self) -> int:
        """Offset in elements of this view's first element within its storage."""
        if self._base is None:
            return 0
        offset = _byte_address(self._data) - _byte_address(self._base._data)
        return offset // self._dtype.itemsize

    def data_ptr(self) -> int:
        """The address of this tensor's first element (a device address for CUDA tensors).

        Example:
            >>> import tocha
            >>> x = tocha.zeros(4)
            >>> x[1:].data_ptr() - x.data_ptr()
            4
        """
        return _byte_address(self._data)

    def is_contiguous(self, memory_format: memory_format_type = contiguous_format) -> bool:
        """Whether elements are laid out without gaps in ``memory_format``'s order (default row-major).

        ``tocha.channels_last`` (``channels_last_3d``) asks for a 4-d (5-d) tensor with the channel dimension
        innermost; size-1 dimensions may have any stride, so a tensor can be contiguous in both formats
        (NOTE [ Memory formats ] in ``tocha._memory_format``).

        Raises:
            TypeError: ``memory_format`` is not a ``tocha.memory_format``.

        Example:
            >>> import tocha
            >>> x = tocha.zeros(2, 3, 4, 5)
            >>> x.is_contiguous(), x.permute(0, 2, 3, 1).is_contiguous()
            (True, False)
            >>> x.is_contiguous(memory_format=tocha.channels_last)
            False
            >>> x.contiguous(memory_format=tocha.channels_last).is_contiguous(memory_format=tocha.channels_last)
            True
        """
        if memory_format is contiguous_format:
            return bool(self._data.flags.c_contiguous)
        fmt = check_memory_format("is_contiguous", memory_format)
        return is_contiguous_as(tuple(self._data.shape), self.stride(), bool(self._data.flags.c_contiguous), fmt)

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point type."""
        return self._dtype.is_floating_point

    def is_complex(self) -> bool:
        """Whether the dtype is a complex type."""
        return self._dtype.is_complex

    def get_device(self) -> int:
        """The CUDA device index, or -1 on the CPU."""
        index = self._device.index
        return -1 if self._device.type == "cpu" else (0 if index is None else index)

    # ------------------------------------------------------------ layout and backend predicates

    @property
    def layout(self) -> layout_type:
        """The memory layout: ``tocha.strided`` (sparse COO tensors answer ``tocha.sparse_coo``).

        Example:
            >>> import tocha
            >>> tocha.zeros(2).layout
            tocha.strided
        """
        return strided

    # Layouts and tensor kinds tocha never makes (PyTorch code queries them to choose a path).
    is_sparse = property(lambda self: False, doc="Whether the layout is sparse COO (False for dense tensors).")
    is_sparse_csr = property(lambda self: False, doc="Whether the layout is sparse CSR: always False.")
    is_quantized = property(lambda self: False, doc="Whether the tensor is quantized: always False.")
    is_nested = property(lambda self: False, doc="Whether the tensor is nested (jagged): always False.")
    is_mkldnn = property(lambda self: False, doc="Whether the layout is MKL-DNN: always False.")
    # Device kinds: True only on a device of that type (possible through a plugin backend of that name).
    is_meta = property(lambda self: self._device.type == "meta", doc="Whether the device type is 'meta'.")
    is_mps = property(lambda self: self._device.type == "mps", doc="Whether the device type is 'mps'.")
    is_xpu = property(lambda self: self._device.type == "xpu", doc="Whether the device type is 'xpu'.")
    is_xla = property(lambda self: self._device.type == "xla", doc="Whether the device type is 'xla'.")
    is_ipu = property(lambda self: self._device.type == "ipu", doc="Whether the device type is 'ipu'.")
    is_vulkan = property(lambda self: self._device.type == "vulkan", doc="Whether the device type is 'vulkan'.")
    is_maia = property(lambda self: self._device.type == "maia", doc="Whether the device type is 'maia'.")
    is_mtia = property(lambda self: self._device.type == "mtia", doc="Whether the device type is 'mtia'.")

    def const_data_ptr(self) -> int:
        """The address of the first element, for reading only (the same value as :meth:`data_ptr`)."""
        return _byte_address(self._data)

    def dim_order(self, *, ambiguity_check: bool | list[Any] = False) -> tuple[int, ...]:
        """The dimensions ordered from outermost to innermost in memory (from the strides).

        A contiguous tensor gives ``(0, 1, ..., ndim - 1)``. With ``ambiguity_check=True`` a RuntimeError is
        raised when several orders fit (a size-1 dimension, or two equal strides). tocha has no memory formats,
        so a list for ``ambiguity_check`` (PyTorch's list of memory formats) is refused with a TypeError.

        Example:
            >>> import tocha
            >>> x = tocha.empty(2, 3, 5, 7)
            >>> x.dim_order(), x.transpose(1, 2).dim_order(), x.permute(0, 2, 3, 1).dim_order()
            ((0, 1, 2, 3), (0, 2, 1, 3), (0, 3, 1, 2))
        """
        if not isinstance(ambiguity_check, bool):
            raise TypeError("The ambiguity_check argument must be a bool or a list of memory formats.")
        sizes = tuple(self._data.shape)
        strides = self.stride()
        if ambiguity_check and (1 in sizes or any(a == b for a, b in itertools.pairwise(strides))):
            raise RuntimeError(
                "The tensor does not have unique dim order, or cannot map to exact one of the given memory formats."
            )
        order, ambiguous = _dim_order(sizes, strides)
        if ambiguity_check and ambiguous:
            raise RuntimeError("The tensor does not have unique dim order.")
        return order

    def record_stream(self, stream: Any) -> None:
        """Keep this cuda tensor's memory from being reused until the work queued on ``stream`` so far is done.

        Use it when a tensor made on one stream is read by kernels queued on another: freeing the tensor
        then cannot hand its memory to a new tensor while ``stream`` may still read it.

        Args:
            stream: a ``tocha.cuda.Stream``.

        Raises:
            NotImplementedError: the tensor is not on a cuda device (as PyTorch's CPU backend).
            TypeError: ``stream`` is not a ``tocha.cuda.Stream``.

        Example:
            >>> import tocha
            >>> try:
            ...     tocha.ones(2).record_stream(None)
            ... except NotImplementedError as e:
            ...     print(str(e)[:50])
            Could not run 'aten::record_stream' with arguments
        """
        if self._device.type != "cuda":
            raise NotImplementedError(
                f"Could not run 'aten::record_stream' with arguments from the '{self._device.type.upper()}' "
                "backend: record_stream is only available for cuda tensors"
            )
        from .cuda import Stream

        if not isinstance(stream, Stream):
            raise TypeError(
                f"record_stream(): argument 'stream' must be tocha.cuda.Stream, not {type(stream).__name__}"
            )
        from ._backend import get_backend

        get_backend("cuda").keep_alive(self._data, stream._stream, stream.device.index)  # type: ignore[attr-defined]

    # ------------------------------------------------------------ autograd attributes

    # Set (in the instance ``__dict__``) on tensors made inside ``inference_mode``; see NOTE [ Inference tensors ].
    _inference = False

    def is_inference(self) -> bool:
        """Whether this tensor was made inside ``tocha.inference_mode()`` (it can never join a graph).

        Example:
            >>> import tocha
            >>> with tocha.inference_mode():
            ...     x = tocha.ones(2)
            >>> x.is_inference(), tocha.ones(2).is_inference()
            (True, False)
        """
        return self._inference

    @property
    def requires_grad(self) -> bool:
        """Whether autograd records operations on this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return this tensor.

        Requiring grad needs the tocha-autograd package (it records the ops); without it this raises
        a RuntimeError that says to install it.

        Example:
            >>> import tocha
            >>> tocha.zeros(2).requires_grad_(False).requires_grad
            False
        """
        if requires_grad and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError(
                f"Only Tensors of floating point and complex dtype can require gradients (got {self._dtype!r})"
            )
        if not requires_grad and self._grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
            )
        if requires_grad and self._inference:
            from ._grad_mode import is_inference_mode_enabled

            if not is_inference_mode_enabled():
                raise RuntimeError(
                    "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."
                )
        if requires_grad:
            load_autograd(required=True)
        self._requires_grad = bool(requires_grad)
        return self  # type: ignore[return-value]

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward()``, or None."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, TensorBase):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got {type(value).__name__}")
            if value._dtype is not self._dtype:
                raise RuntimeError(f"assigned grad has data of a different type ({value._dtype!r} vs {self._dtype!r})")
            if value._device is not self._device:
                raise RuntimeError(
                    f"assigned grad has data located on a different device ({value._device} vs {self._device})"
                )
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    "assigned grad has data of a different size "
                    f"({list(value._data.shape)} vs {list(self._data.shape)})"
                )
        self._grad = value  # type: ignore[assignment]

    @property
    def grad_fn(self) -> Any:
        """The autograd node that produced this tensor (None for leaves)."""
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op."""
        return self._grad_fn is None

    @property
    def output_nr(self) -> int:
        """Which output of its ``grad_fn`` this tensor is (0 for leaves and single-output ops).

        Example:
            >>> import tocha
            >>> tocha.ones(2).output_nr
            0
        """
        meta = self._autograd_meta
        return int(getattr(meta, "output_nr", 0)) if meta is not None else 0

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf tensor."""
        module = load_autograd()
        return bool(module is not None and module.graph.retains_grad(self))

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` during backward (needs tocha-autograd)."""
        load_autograd(required=True).graph.retain_grad(self)

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it.

        Returns a handle whose ``remove()`` unregisters the hook (needs tocha-autograd).
        """
        return load_autograd(required=True).graph.register_tensor_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook: Any) -> Any:
        """Call ``hook(tensor)`` on a leaf after its ``.grad`` is accumulated (needs tocha-autograd)."""
        return load_autograd(required=True).graph.register_post_accumulate_grad_hook(self, hook)

    def detach_(self) -> Tensor:
        """Cut this tensor from autograd history in place; it becomes a leaf that does not require grad.

        Example:
            >>> import tocha
            >>> t = tocha.ones(2)
            >>> t.detach_().is_leaf
            True
        """
        if self._base is not None and self._grad_fn is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                "buckets, and hence detach_() cannot be called on these gradients."
            )
        self._grad_fn = None
        self._requires_grad = False
        return self  # type: ignore[return-value]

    @property
    def _version_counter(self) -> int:
        root = self._base if self._base is not None else self
        return root._version

    @property
    def _is_view(self) -> bool:
        return self._base is not None

    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate gradients of this tensor into the leaves' ``.grad`` (needs tocha-autograd)."""
        autograd = load_autograd(required=True)
        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ------------------------------------------------------------ conversion

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number.

        Example:
            >>> import tocha
            >>> tocha.tensor([2.5]).item()
            2.5
        """
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return _host(self).reshape(()).item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists of numbers.

        Example:
            >>> import tocha
            >>> tocha.tensor([[1, 2], [3, 4]]).tolist()
            [[1, 2], [3, 4]]
        """
        host = _host(self)
        if self._dtype.name == "bfloat16":
            host = host.astype(np.float32)
        return host.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray[Any, Any]:
        """The values as a NumPy array sharing memory (CPU tensors without grad).

        Example:
            >>> import tocha
            >>> t = tocha.zeros(2)
            >>> a = t.numpy(); a[0] = 7
            >>> t
            tensor([7., 0.])
        """
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self._device.type != "cpu":
            if not force:
                raise TypeError(
                    f"can't convert {self._device.type}:{self._device.index or 0} device type tensor to numpy. "
                    "Use Tensor.cpu() to copy the tensor to host memory first."
                )
            return _host(self)
        return self._data  # type: ignore[no-any-return]

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray[Any, Any]:
        """The values as a NumPy array: shares memory on the CPU unless ``copy`` or ``dtype`` asks otherwise.

        Example:
            >>> import numpy as np, tocha
            >>> t = tocha.zeros(2)
            >>> np.asarray(t)[0] = 3
            >>> t
            tensor([3., 0.])
        """
        if copy is False and (self._device is not CPU or (dtype is not None and np.dtype(dtype) != self._data.dtype)):
            raise ValueError(
                f"__array__(): copy=False was requested but a {self._dtype!r} tensor on {self._device} "
                f"cannot be seen as a NumPy array of dtype {self._data.dtype if dtype is None else np.dtype(dtype)} "
                "without a copy"
            )
        array = _host(self)
        if dtype is not None and array.dtype != dtype:
            return array.astype(dtype)
        if copy:
            return array.copy()  # type: ignore[no-any-return]
        return array

    def __dlpack__(
        self,
        *,
        stream: Any = None,
        max_version: tuple[int, int] | None = None,
        dl_device: tuple[int, int] | None = None,
        copy: bool | None = None,
    ) -> Any:
        """A DLPack capsule of this tensor's memory, for any DLPack consumer's ``from_dlpack``.

        Args:
            stream: the consumer's CUDA stream (None on the CPU).
            max_version: the newest DLPack version the consumer understands;
                ``(1, 0)`` or later gives a versioned capsule.
            dl_device: the DLPack device the consumer wants (the tensor's own,
                or the CPU, which copies a CUDA tensor).
            copy: True exports a copy; False never copies.

        Raises:
            BufferError: the tensor requires grad, or the export needs a copy
                that ``copy=False`` forbids. See NOTE [ DLPack ] in ``tocha._dlpack``.

        Example:
            >>> import numpy as np, tocha
            >>> t = tocha.zeros(2)
            >>> np.from_dlpack(t)[0] = 1
            >>> t
            tensor([1., 0.])
        """
        from ._dlpack import export

        return export(self, stream, max_version, dl_device, copy)

    def __dlpack_device__(self) -> tuple[int, int]:
        """``(device_type, index)`` in DLPack's numbering (1 = CPU, 2 = CUDA).

        Example:
            >>> import tocha
            >>> tocha.zeros(1).__dlpack_device__()
            (1, 0)
        """
        from ._dlpack import device_of

        return device_of(self)

    def to_device(self, device: Any, /, *, stream: Any = None) -> Tensor:
        """The Array API's ``to(device)``: this tensor on ``device`` (itself when already there).

        Example:
            >>> import tocha
            >>> tocha.ones(2).to_device("cpu").device
            device(type='cpu')
        """
        if stream is not None:
            raise ValueError(f"to_device(): stream must be None (got {stream!r}); tocha orders work per device")
        return self.to(device)  # type: ignore[attr-defined,no-any-return]

    def __array_namespace__(self, *, api_version: str | None = None) -> Any:
        """The Python Array API namespace for tocha tensors: the module ``tocha.array_api``.

        Example:
            >>> import tocha
            >>> tocha.ones(1).__array_namespace__().__name__
            'tocha.array_api'
        """
        from ._ops.interop import array_namespace

        return array_namespace(api_version)

    # ------------------------------------------------------------ Python protocols

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return int(self._data.shape[0])

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))  # type: ignore[attr-defined,no-any-return]

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous (shape {list(self._data.shape)})"
                if self._data.size > 1
                else "Boolean value of Tensor with no values is ambiguous"
            )
        return bool(_host(self).reshape(()))

    def __int__(self) -> int:
        return int(self._scalar())

    def __float__(self) -> float:
        return float(self._scalar())

    def __complex__(self) -> complex:
        return complex(self._scalar())

    def _scalar(self) -> Any:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return _host(self).reshape(()).item()

    def __index__(self) -> int:
        if self._dtype.category > 1 or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        from ._tensor_repr import format_tensor

        return format_tensor(self)  # type: ignore[arg-type]

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return repr(self)

    def share_memory_(self) -> Tensor:
        """Move this tensor's elements into shared memory, where other processes can map them.

        A no-op when they already are, and for CUDA tensors. Views made afterwards share the memory too;
        views made before keep the old memory. See NOTE [ Shared memory ].

        Example:
            >>> import tocha
            >>> x = tocha.zeros(3).share_memory_()
            >>> x.is_shared()
            True
        """
        from ._shared_memory import share_memory_

        return share_memory_(self)  # type: ignore[arg-type]

    def is_shared(self) -> bool:
        """Whether this tensor lives in shared memory (always True on CUDA, as in PyTorch).

        Example:
            >>> import tocha
            >>> tocha.zeros(3).is_shared()
            False
        """
        from ._shared_memory import is_shared

        return is_shared(self)  # type: ignore[arg-type]

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild, (_host(self).copy(), str(self._device), self._requires_grad))


def _rebuild(array: np.ndarray[Any, Any], device_name: str, requires_grad: bool) -> Tensor:
    dev = device(device_name)
    data = array if dev is CPU else get_backend(dev.type).from_host(array, dev.index)
    t = wrap(data, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _channels_last_strides(sizes: tuple[int, ...], strides: tuple[int, ...]) -> bool:
    """Whether a 4-d layout is channels-last dense (PyTorch's test: size-1 dimensions may have any stride)."""
    expected = 1
    for d in (1, 3, 2, 0):
        if sizes[d] != 1 and strides[d] != expected:
            return False
        expected *= sizes[d]
    return True


def _dim_order(sizes: tuple[int, ...], strides: tuple[int, ...]) -> tuple[tuple[int, ...], bool]:
    """PyTorch's physical order of dimensions (contiguous, channels-last, else a stable sort on strides).

    The flag says whether the sort left two neighbouring dimensions unordered (an ambiguous order).
    """
    ndim = len(sizes)
    if ndim < 2:
        return tuple(range(ndim)), False
    contiguous = True
    expected = 1
    for d in reversed(range(ndim)):
        if sizes[d] != 1 and strides[d] != expected:
            contiguous = False
            break
        expected *= sizes[d]
    contiguous = contiguous or 0 in sizes
    channels_last = ndim == 4 and (0 in sizes or _channels_last_strides(sizes, strides))
    if contiguous and not channels_last:
        return tuple(range(ndim)), False
    if channels_last and not contiguous:
        return (0, *range(2, ndim), 1), False

    def compare(a: int, b: int) -> int:  # > 0: dimension a lies inside (after) dimension b
        sa, sb = strides[a], strides[b]
        if sa == 0 or sb == 0:
            return 0
        if sa == sb:
            return 0 if _ge(sizes[b], sizes[a]) else 1
        if _ge(sb, sa):
            return -1
        return 1 if _ge(sa, sb) else 0

    # Insertion sort from the innermost dimension, leaving ties where they are.
    perm = list(reversed(range(ndim)))
    for i in range(1, ndim):
        j = i
        for k in reversed(range(i)):
            c = compare(perm[k], perm[j])
            if c > 0:
                perm[k], perm[j] = perm[j], perm[k]
                j = k
            elif c < 0:
                break
    ambiguous = any(compare(a, b) != -1 for a, b in itertools.pairwise(perm))
    return tuple(reversed(perm)), ambiguous


def _ge(a: int, b: int) -> bool:
    return b == 0 or (a != 0 and (a >= b or a % b == 0))


def _byte_address(array: Any) -> int:
    if isinstance(array, np.ndarray):
        return int(array.__array_interface__["data"][0])
    return int(array.data.ptr)


def _host(t: TensorBase) -> np.ndarray[Any, Any]:
    if t._device is CPU:
        return t._data  # type: ignore[no-any-return]
    return copy_to_host(t._device.type, t._data)


def normalize_dim(op: str, dim: int, ndim: int) -> int:
    """``dim`` wrapped into ``[0, ndim)``; IndexError in PyTorch's words when out of range.

    Defined here (``_ops._common`` re-exports it) so that Tensor.size/stride share it.

    Example:
        >>> from tocha._ops._common import normalize_dim
        >>> normalize_dim("sum", -1, 3)
        2
    """
    top = max(ndim, 1)
    if not isinstance(dim, int) or isinstance(dim, bool):
        dim = _as_int_dim(op, dim)
    if not -top <= dim < top:
        raise IndexError(
            f"{op}(): Dimension out of range (expected to be in range of [{-top}, {top - 1}], but got {dim})"
        )
    return dim + top if dim < 0 else dim


def _as_int_dim(op: str, dim: Any) -> int:
    if isinstance(dim, (np.integer, TensorBase)):
        return int(dim)
    raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")


# Set by tocha._tensor once Tensor (TensorBase plus the op mixins) exists.
_tensor_class: type[Any] = TensorBase


def wrap(data: Any, dev: device, base: Tensor | None = None) -> Tensor:
    """Make a tensor around array ``data`` (of ``dev``'s array module) without copying.

    ``base`` is the tensor whose storage ``data`` views; views share their
    base's version counter, and a view of an inference tensor is one too (NOTE [ Inference tensors ]).
    """
    t = _new(_tensor_class)
    t._data = data
    found = _FROM_NUMPY.get(data.dtype)
    t._dtype = found if found is not None else from_numpy_dtype(data.dtype)
    t._device = dev
    t._base = base
    t._version = 0
    t._requires_grad = False
    t._grad = None
    t._grad_fn = None
    t._autograd_meta = None
    if base is not None and base._inference:
        t._inference = True
    return t  # type: ignore[no-any-return]


def values_to_check(t: TensorBase) -> Any:
    """The array a host-side check of ``t``'s values (index bounds...) reads.

    For a tensor batched by ``vmap`` (NOTE [ Batched vmap ] in tocha._vmap) that is every entry's values: a
    check that holds for all of them holds for each. Only for checks: a computation on it would mix entries.

    Example:
        >>> import tocha
        >>> tocha.library.values_to_check(tocha.tensor([1, 2]))
        array([1, 2])
    """
    while t._batched_value is not None:
        t = t._batched_value
    return t._data


def copy_fields(target: TensorBase, source: TensorBase) -> None:
    """Make ``target`` (a fresh instance, e.g. of a Tensor subclass) share ``source``'s storage."""
    target._data = source._data
    target._dtype = source._dtype
    target._device = source._device
    target._base = source._base
    target._version = 0
    target._requires_grad = False
    target._grad = None
    target._grad_fn = None
    target._autograd_meta = None


_autograd_module: list[Any] = []


def load_autograd(*, required: bool = False) -> Any:
    """Import tocha-autograd once (it installs the gradient layer); None when absent."""
    if _autograd_module:
        return _autograd_module[0]
    try:
        module = importlib.import_module("tocha.autograd")
    except ImportError:
        if required:
            raise RuntimeError(
                "gradients (requires_grad=True, backward(), hooks, retain_grad()) need the tocha-autograd "
                "package: pip install tocha-autograd (or the full stack: pip install tocha)"
            ) from None
        return None
    if not hasattr(module, "backward"):
        if required:
            raise RuntimeError("backward(): the installed tocha-autograd does not provide an engine yet")
        return None
    _autograd_module.append(module)
    return module


def _pytorch_unit_strides(shape: tuple[int, ...], strides: tuple[int, ...]) -> tuple[int, ...]:
    """Strides with PyTorch's values for size-1 dims that NumPy gives stride 0 (``x[None]``, ``unsqueeze``).

    A size-1 dim's stride never matters for addressing; PyTorch sets it to ``size * stride`` of the next dim
    (1 for the last), which code that inspects strides (``is_contiguous`` checks, memory formats) expects.
    """
    fixed = list(strides)
    for d in range(len(shape) - 1, -1, -1):
        if shape[d] == 1 and fixed[d] == 0:
            fixed[d] = shape[d + 1] * fixed[d + 1] if d + 1 < len(shape) else 1
    return tuple(fixed)


def _empty_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """PyTorch's row-major strides for a shape with a zero (a size-0 dimension counts as 1)."""
    strides = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * max(shape[d + 1], 1)
    return tuple(strides)
