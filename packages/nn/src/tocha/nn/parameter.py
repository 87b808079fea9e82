"""``Parameter``, ``Buffer`` and their uninitialised forms for lazy modules.

Example:
    >>> import tocha
    >>> from tocha.nn import Parameter
    >>> p = Parameter(tocha.zeros(2))
    >>> p.requires_grad, isinstance(p, tocha.Tensor)
    (True, True)
"""

from __future__ import annotations

from typing import Any

import tocha

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "is_lazy"]


class Parameter(tocha.Tensor):
    """A tensor that a :class:`~tocha.nn.Module` registers as a parameter when assigned as an attribute.

    It shares memory with ``data`` and requires grad unless told otherwise.

    Example:
        >>> import tocha
        >>> p = tocha.nn.Parameter(tocha.ones(3), requires_grad=False)
        >>> p
        Parameter containing:
        tensor([1., 1., 1.])
    """

    __slots__ = ()

    def __new__(cls, data: tocha.Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            data = tocha.empty(0)
        if not isinstance(data, tocha.Tensor):
            raise TypeError(f"Parameter(): data must be a Tensor, got {type(data).__name__}")
        result = tocha.Tensor.__new__(cls, data.detach())
        result.requires_grad_(requires_grad)
        return result  # type: ignore[return-value]

    def __init__(self, data: tocha.Tensor | None = None, requires_grad: bool = True) -> None:
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild_parameter, (self.detach(), self.requires_grad, type(self)))

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]  # type: ignore[no-any-return]
        result = type(self)(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result


def _rebuild_parameter(data: tocha.Tensor, requires_grad: bool, cls: type[Parameter]) -> Parameter:
    return cls(data, requires_grad)


class Buffer(tocha.Tensor):
    """Marks a tensor assigned to a :class:`~tocha.nn.Module` attribute as a buffer.

    Assigning ``module.x = Buffer(t)`` registers ``t`` as a buffer (persistent unless
    ``persistent=False``); the module stores a plain tensor.

    Example:
        >>> import tocha
        >>> b = tocha.nn.Buffer(tocha.zeros(2), persistent=False)
        >>> b.persistent
        False
    """

    __slots__ = ()

    def __new__(cls, data: tocha.Tensor | None = None, *, persistent: bool = True) -> Buffer:
        if data is None:
            data = tocha.empty(0)
        result = tocha.Tensor.__new__(cls, data)
        result.__dict__["persistent"] = persistent
        return result  # type: ignore[return-value]

    def __init__(self, data: tocha.Tensor | None = None, *, persistent: bool = True) -> None:
        pass

    persistent: bool

    def __repr__(self) -> str:
        return repr(tocha.Tensor(self))  # a plain tensor's repr, as torch.nn.Buffer's


class UninitializedParameter(Parameter):
    """A parameter of a lazy module whose shape is not known until the first forward.

    ``materialize(shape)`` turns it into a :class:`Parameter` of that shape (in place).

    Example:
        >>> import tocha
        >>> p = tocha.nn.UninitializedParameter()
        >>> p.materialize((2, 3))
        >>> type(p).__name__, tuple(p.shape)
        ('Parameter', (2, 3))
    """

    __slots__ = ()
    cls_to_become: type[Parameter] = Parameter

    def __new__(
        cls, requires_grad: bool = True, device: Any = None, dtype: tocha.dtype | None = None
    ) -> UninitializedParameter:
        result = Parameter.__new__(cls, tocha.empty(0, device=device, dtype=dtype), requires_grad)
        return result  # type: ignore[return-value]

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: tocha.dtype | None = None) -> None:
        pass

    def materialize(self, shape: Any, device: Any = None, dtype: tocha.dtype | None = None) -> None:
        """Give the parameter storage of ``shape`` (uninitialised values) and make it a ``Parameter``."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        fresh = tocha.empty(shape, device=device or self.device, dtype=dtype or self.dtype)
        self.data = fresh
        self.__class__ = self.cls_to_become  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "<UninitializedParameter>"

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild_uninitialized, (type(self), self.requires_grad, self.device, self.dtype))

    def __deepcopy__(self, memo: dict[int, Any]) -> UninitializedParameter:
        if id(self) in memo:
            return memo[id(self)]  # type: ignore[no-any-return]
        result = type(self)(self.requires_grad, self.device, self.dtype)
        memo[id(self)] = result
        return result


class UninitializedBuffer(tocha.Tensor):
    """A buffer of a lazy module whose shape is not known until the first forward.

    Example:
        >>> import tocha
        >>> b = tocha.nn.UninitializedBuffer()
        >>> b.materialize(4)
        >>> tuple(b.shape)
        (4,)
    """

    __slots__ = ()
    cls_to_become: type[tocha.Tensor] = tocha.Tensor

    def __new__(
        cls, requires_grad: bool = False, device: Any = None, dtype: tocha.dtype | None = None
    ) -> UninitializedBuffer:
        result = tocha.Tensor.__new__(cls, tocha.empty(0, device=device, dtype=dtype))
        return result  # type: ignore[return-value]

    def __init__(self, requires_grad: bool = False, device: Any = None, dtype: tocha.dtype | None = None) -> None:
        pass

    def materialize(self, shape: Any, device: Any = None, dtype: tocha.dtype | None = None) -> None:
        """Give the buffer storage of ``shape`` and make it a plain tensor."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self.data = tocha.empty(shape, device=device or self.device, dtype=dtype or self.dtype)
        self.__class__ = self.cls_to_become  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "<UninitializedBuffer>"

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (_rebuild_uninitialized, (type(self), self.requires_grad, self.device, self.dtype))

    def __deepcopy__(self, memo: dict[int, Any]) -> UninitializedBuffer:
        if id(self) in memo:
            return memo[id(self)]  # type: ignore[no-any-return]
        result = type(self)(self.requires_grad, self.device, self.dtype)
        memo[id(self)] = result
        return result


def _rebuild_uninitialized(cls: Any, requires_grad: bool, device: Any, dtype: Any) -> Any:
    return cls(requires_grad, device, dtype)


def is_lazy(value: Any) -> bool:
    """Whether ``value`` is an uninitialised parameter or buffer.

    Example:
        >>> import tocha
        >>> is_lazy(UninitializedParameter()), is_lazy(tocha.zeros(1))
        (True, False)
    """
    return isinstance(value, (UninitializedParameter, UninitializedBuffer))
