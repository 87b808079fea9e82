"""Activation checkpointing: trade compute for memory (``torch.utils.checkpoint.checkpoint``).

NOTE [ Checkpoint ]
``checkpoint(fn, *args)`` runs ``fn`` once, recording its graph as usual, but
under a :class:`~tocha.autograd.graph.saved_tensors_hooks` pair whose pack
hook keeps only a position number: none of the tensors ``fn``'s ops save for
backward stays alive (the graph's nodes remain, holding no arrays). The first
time backward unpacks one of them, ``fn`` is run again on the same arguments
with grad enabled and the random number generators rewound to their state at
the first run (``preserve_rng_state``: the cpu generator and the default
generator of each cuda device an argument lives on, as PyTorch's), collecting the tensors its ops save in
the same order; each unpack then returns the recomputed tensor at its
position, and is dropped from the frame (so backward frees it as it goes,
as without checkpointing); unpacking it again (a second backward with
``retain_graph=True``) recomputes again.
Gradients are exactly those without checkpointing; the forward pass keeps
only ``fn``'s inputs and outputs.

Both ``use_reentrant`` values run this (non-reentrant) algorithm, which gives
the same gradients; ``use_reentrant=True`` also requires, as PyTorch does, that
some input requires grad for the output to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tocha
from tocha.library import is_tensor_like

from .graph import saved_tensors_hooks

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError"]


class CheckpointError(RuntimeError):
    """The recomputation in backward did not save the same tensors as the original forward."""


class _Frame:
    """One checkpointed call: how to recompute it and what the recomputation saved."""

    __slots__ = ("args", "count", "function", "kwargs", "recomputed", "rng_state")

    def __init__(self, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.function = function
        self.args = args
        self.kwargs = kwargs
        self.rng_state: _RngStates | None = None
        self.count = 0
        self.recomputed: list[Any] | None = None

    def pack(self, t: Any) -> int:
        index = self.count
        self.count += 1
        return index

    def unpack(self, index: int) -> Any:
        recomputed = self.recomputed
        if recomputed is None or recomputed[index] is None:  # first unpack, or a backward through it again
            recomputed = self.recomputed = self._recompute()
        t = recomputed[index]
        recomputed[index] = None  # backward frees it once its node has run, as without checkpointing
        return t

    def _recompute(self) -> list[Any]:
        saved: list[Any] = []
        # Under create_graph (grad mode is on in backward) the recomputed graph must hold its own saved tensors,
        # so that the gradient can be differentiated again; otherwise it holds none, so that each recomputed
        # tensor is freed (by reference counting: no node <-> result cycles) once its node has used it.
        differentiable = tocha.is_grad_enabled()

        def keep(t: Any) -> Any:
            saved.append(t)
            return t if differentiable else None

        rewind = self.rng_state
        with tocha.random.fork_rng(devices=rewind.cuda_devices if rewind else [], enabled=rewind is not None):
            if rewind is not None:
                rewind.restore()
            with tocha.enable_grad(), saved_tensors_hooks(keep, _identity):
                self.function(*self.args, **self.kwargs)
        if len(saved) != self.count:
            raise CheckpointError(
                "tocha.autograd.checkpoint: the recomputed forward saved a different number of tensors for backward "
                f"({len(saved)}) than the original forward ({self.count}); the function must run the same ops on "
                "recomputation (use preserve_rng_state=True for random ops, and avoid data-dependent control flow "
                "on global state)"
            )
        return saved


class _RngStates:
    """The generators a checkpointed call may draw from, at its first run: cpu's and its cuda arguments' devices'."""

    __slots__ = ("cpu", "cuda_devices", "cuda_states")

    def __init__(self, args: tuple[Any, ...]) -> None:
        self.cpu = tocha.get_rng_state()
        devices = {a.device for a in args if is_tensor_like(a) and a.device.type == "cuda"}
        self.cuda_devices = sorted({tocha.cuda.current_device() if d.index is None else d.index for d in devices})
        self.cuda_states = [tocha.cuda.get_rng_state(index) for index in self.cuda_devices]

    def restore(self) -> None:
        tocha.set_rng_state(self.cpu)
        for index, state in zip(self.cuda_devices, self.cuda_states, strict=True):
            tocha.cuda.set_rng_state(state, index)


def _identity(x: Any) -> Any:
    return x


def checkpoint(
    function: Callable[..., Any],
    *args: Any,
    use_reentrant: bool | None = False,
    preserve_rng_state: bool = True,
    **kwargs: Any,
) -> Any:
    """Run ``function(*args, **kwargs)`` without keeping its intermediates; recompute them in backward.

    See NOTE [ Checkpoint ]. The result and the gradients are those of ``function`` itself; the memory
    the checkpointed part holds between forward and backward is only its inputs and outputs.

    Args:
        function: the part of the model to checkpoint (must run the same ops when re-run).
        *args: its positional arguments.
        use_reentrant: accepted for PyTorch compatibility; both values recompute the same way.
        preserve_rng_state: rewind the random number generators (cpu's, and those of the cuda devices
            of tensors in ``args``) for the recomputation, so random ops (dropout) replay the same values.
        **kwargs: its keyword arguments.

    Returns:
        What ``function`` returns.

    Example:
        >>> import tocha
        >>> x = tocha.tensor([1.0, 2.0], requires_grad=True)
        >>> y = tocha.autograd.checkpoint(lambda t: (t.sin() * t).sum(), x)
        >>> y.backward()
        >>> x.grad
        tensor([1.3818, 0.0770])
    """
    if use_reentrant and not any(is_tensor_like(a) and a.requires_grad for a in (*args, *kwargs.values())):
        # PyTorch's reentrant variant detaches the output when no input requires grad.
        with tocha.no_grad():
            return function(*args, **kwargs)
    frame = _Frame(function, args, kwargs)
    if preserve_rng_state:
        frame.rng_state = _RngStates(args)
    with saved_tensors_hooks(frame.pack, frame.unpack):
        return function(*args, **kwargs)


def checkpoint_sequential(
    functions: Any,
    segments: int,
    input: Any,
    use_reentrant: bool | None = None,
    **kwargs: Any,
) -> Any:
    """Run a chain of functions (or an ``nn.Sequential``'s children) with all but the last segment checkpointed.

    The chain is cut into ``segments`` runs of ``len(functions) // segments`` functions (the last run takes the
    rest); each run but the last goes through :func:`checkpoint`, so only the tensors passed between runs stay
    alive until backward.

    Args:
        functions: a sequence of callables, or a module whose ``children()`` run in order.
        segments: the number of runs, between 1 and the number of functions.
        input: the first function's argument.
        use_reentrant: passed to :func:`checkpoint`.
        **kwargs: passed to :func:`checkpoint` (``preserve_rng_state``).

    Example:
        >>> import tocha
        >>> from tocha.autograd.checkpoint import checkpoint_sequential
        >>> x = tocha.tensor([0.5, 1.0], requires_grad=True)
        >>> y = checkpoint_sequential([tocha.sin, tocha.exp, tocha.square], 2, x)
        >>> y.sum().backward()
        >>> x.grad
        tensor([4.5787, 5.8151])
    """
    children = getattr(functions, "children", None)
    chain = list(children()) if callable(children) else list(functions)
    if isinstance(segments, bool) or not isinstance(segments, int) or not 1 <= segments <= len(chain):
        raise ValueError(
            f"checkpoint_sequential(): segments must be an int between 1 and the number of functions "
            f"({len(chain)}), got {segments!r}"
        )

    def run(start: int, end: int) -> Callable[[Any], Any]:
        def forward(x: Any) -> Any:
            for fn in chain[start:end]:
                x = fn(x)
            return x

        return forward

    size = len(chain) // segments
    start = 0
    for _ in range(segments - 1):
        input = checkpoint(run(start, start + size), input, use_reentrant=use_reentrant, **kwargs)
        start += size
    return run(start, len(chain))(input)
