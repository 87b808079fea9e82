"""Count the floating-point operations of a model, per module (``torch.utils.flop_counter``).

NOTE [ FLOP counting ]
:class:`FlopCounterMode` is a dispatch layer (like the profiler): each op call it sees adds the op's FLOPs, from
its operand and result shapes, to every module that is running. Forward: the modules whose ``forward`` is on the
call stack, tracked by global module hooks. Backward: when an op is recorded the counter notes the modules it ran
in and hooks its autograd node; the backward ops a node's vjp runs count for those modules (the node's pre-hook
sets them, its post-hook clears them). Every op also counts for ``"Global"``.

The formulas (``tocha.profiler.FLOP_FORMULAS``, shared with the profiler) count a multiply-add as 2 FLOPs, as
PyTorch's: matmul (and mm, bmm, addmm... which run as matmul), linear, convolution, scaled dot-product attention,
two-operand einsum, and their backward ops (one product per gradient asked for: input, weight). Other ops count
0; ``custom_mapping`` adds formulas, keyed by op name (``"linear"``), as ``formula(inputs, params, result) -> int``.
The keys of :meth:`FlopCounterMode.get_flop_counts` are ``tocha.<op>`` where PyTorch's are ``aten.<op>``.
"""

from __future__ import annotations

import warnings
import weakref
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import tocha
from tocha.library import DispatchLayer, OpCall
from tocha.profiler import FLOP_FORMULAS, FlopFormula

from ..modules.module import Module, register_module_forward_hook, register_module_forward_pre_hook

__all__ = ["FlopCounterMode", "register_flop_formula"]

Formula = FlopFormula


def register_flop_formula(name: str, formula: Formula) -> None:
    """Count ``formula(inputs, params, result)`` FLOPs for every call of the op named ``name`` (in
    ``tocha.profiler.FLOP_FORMULAS``, which the profiler's ``with_flops`` reads too).

    Example:
        >>> from tocha.nn.utils.flop_counter import register_flop_formula
        >>> register_flop_formula("test_square", lambda inputs, params, result: result.numel())
    """
    FLOP_FORMULAS[name] = formula


class _Counter(DispatchLayer):
    def __init__(self, mode: FlopCounterMode) -> None:
        self.mode = mode

    def handle(self, call: OpCall, proceed: Callable[[OpCall], Any]) -> Any:
        result = proceed(call)
        mode = self.mode
        parents = mode._backward_parents if mode._backward_parents is not None else tuple(mode._parents)
        formula = mode.flop_registry.get(call.op.name)
        if formula is not None:
            flops = int(formula(call.inputs, call.params, result))
            if flops:
                key = f"tocha.{call.op.name}"
                for name in dict.fromkeys(("Global", *parents)):
                    mode.flop_counts[name][key] += flops
        if parents and mode._backward_parents is None:
            mode._note_node(result, parents)
        return result


class FlopCounterMode:
    """Count FLOPs of the code it wraps, per module (see NOTE [ FLOP counting ]); prints a table on exit when
    ``display``, down to module depth ``depth``.

    Example:
        >>> import tocha, tocha.nn as nn
        >>> from tocha.utils.flop_counter import FlopCounterMode
        >>> model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
        >>> with FlopCounterMode(display=False) as counter:
        ...     model(tocha.randn(2, 8)).sum().backward()
        >>> counter.get_total_flops(), counter.get_flop_counts()["Sequential.0"]
        (1792, {'tocha.linear': 512, 'tocha.linear_backward': 512})
    """

    def __init__(
        self,
        mods: Module | list[Module] | None = None,
        depth: int = 2,
        display: bool = True,
        custom_mapping: dict[Any, Formula] | None = None,
    ) -> None:
        if mods is not None:
            warnings.warn("mods argument is not needed anymore, you can stop passing it", stacklevel=2)
        self.depth = depth
        self.display = display
        self.flop_counts: defaultdict[str, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
        custom = {getattr(k, "name", str(k)): v for k, v in (custom_mapping or {}).items()}
        self.flop_registry: dict[str, Formula] = {**FLOP_FORMULAS, **custom}
        self._parents: list[str] = []
        self._names: weakref.WeakKeyDictionary[Module, str] = weakref.WeakKeyDictionary()
        self._backward_parents: tuple[str, ...] | None = None
        self._hooked: weakref.WeakSet[Any] = weakref.WeakSet()
        self._handles: list[Any] = []
        self._layer = _Counter(self)

    # -- results

    def get_total_flops(self) -> int:
        """The FLOPs counted, in all."""
        return sum(self.flop_counts["Global"].values())

    def get_flop_counts(self) -> dict[str, dict[str, int]]:
        """``{module name: {op: FLOPs}}``, with ``"Global"`` for everything."""
        return {name: dict(ops) for name, ops in self.flop_counts.items()}

    def get_table(self, depth: int | None = None) -> str:
        """The per-module table (modules deeper than ``depth`` left out; default: this counter's depth).

        Example:
            >>> import tocha, tocha.nn as nn
            >>> from tocha.utils.flop_counter import FlopCounterMode
            >>> with FlopCounterMode(display=False) as counter:
            ...     _ = nn.Linear(1000, 1000)(tocha.randn(3, 1000))
            >>> print(counter.get_table())
            Module                 FLOP  % Total
            ----------------  ---------  -------
            Global            6000.000K  100.00%
             - tocha.linear   6000.000K  100.00%
             Linear           6000.000K  100.00%
              - tocha.linear  6000.000K  100.00%
        """
        depth = self.depth if depth is None else depth
        total = self.get_total_flops()
        suffix = _suffix(total)
        rows: list[tuple[str, str, str]] = []
        for name in ["Global", *sorted(n for n in self.flop_counts if n != "Global")]:
            level = 0 if name == "Global" else name.count(".") + 1
            if level > depth:
                continue
            ops = self.flop_counts[name]
            module_total = sum(ops.values())
            indent = " " * level
            rows.append((indent + name, _with_suffix(module_total, suffix), _percent(module_total, total)))
            for op, flops in sorted(ops.items()):
                rows.append((indent + " - " + op, _with_suffix(flops, suffix), _percent(flops, total)))
        header = ("Module", "FLOP", "% Total")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
        lines = [f"{header[0]:<{widths[0]}}  {header[1]:>{widths[1]}}  {header[2]:>{widths[2]}}"]
        lines.append("  ".join("-" * w for w in widths))
        lines += [f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:>{widths[2]}}" for a, b, c in rows]
        return "\n".join(line.rstrip() for line in lines)

    # -- recording

    def __enter__(self) -> FlopCounterMode:
        self.flop_counts.clear()
        self._parents = []
        self._backward_parents = None
        self._handles = [
            register_module_forward_pre_hook(self._enter_module),
            register_module_forward_hook(self._exit_module),
        ]
        tocha.library.push_layer(self._layer)
        return self

    def __exit__(self, *exc: object) -> None:
        tocha.library.pop_layer(self._layer)
        for handle in self._handles:
            handle.remove()
        self._handles = []
        if self.display:
            print(self.get_table(self.depth))

    def _name_of(self, module: Module) -> str:
        name = self._names.get(module)
        if name is None:
            name = self._names[module] = type(module).__name__
        for child_name, child in module.named_children():
            self._names.setdefault(child, f"{name}.{child_name}")
        return name

    def _enter_module(self, module: Module, args: Any) -> None:
        self._backward_parents = None
        self._parents.append(self._name_of(module))

    def _exit_module(self, module: Module, args: Any, output: Any) -> None:
        name = self._names.get(module)
        if self._parents and self._parents[-1] == name:
            self._parents.pop()

    def _note_node(self, result: Any, parents: tuple[str, ...]) -> None:
        """Hook the autograd node that made ``result``: its backward ops count for ``parents``."""
        outputs = result if isinstance(result, (tuple, list)) else (result,)
        for t in outputs:
            node = getattr(t, "grad_fn", None) if isinstance(t, tocha.Tensor) else None
            if node is None or node in self._hooked:
                continue
            self._hooked.add(node)

            def before(grad_outputs: Any, parents: tuple[str, ...] = parents) -> None:
                self._backward_parents = parents

            def after(grad_inputs: Any, grad_outputs: Any) -> None:
                self._backward_parents = None

            node.register_prehook(before)
            node.register_hook(after)


def _suffix(number: int) -> str:
    index = max(0, min(4, (len(str(number)) - 2) // 3))
    return ("", "K", "M", "B", "T")[index]


def _with_suffix(number: int, suffix: str) -> str:
    return f"{number / 1000 ** ('', 'K', 'M', 'B', 'T').index(suffix):.3f}{suffix}"


def _percent(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.2f}%" if whole else "0.00%"
