"""Learning-rate schedulers (``torch.optim.lr_scheduler``).

Each scheduler updates ``group["lr"]`` of its optimizer's parameter groups once per ``step()``, with PyTorch's
recursive ("chainable") formulas, so schedulers compose and manual changes to ``lr`` carry over; passing the
deprecated ``epoch`` argument uses the closed form where one exists.

Example:
    >>> import tocha
    >>> from tocha.optim import SGD
    >>> from tocha.optim.lr_scheduler import StepLR
    >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for _ in range(5):
    ...     opt.step(); sched.step(); lrs.append(sched.get_last_lr()[0])
    >>> lrs
    [1.0, 0.5, 0.5, 0.25, 0.25]
"""

from __future__ import annotations

import math
import types
import warnings
import weakref
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import partial, wraps
from typing import Any, Literal, SupportsFloat

from tocha import Tensor

from .optimizer import Optimizer

__all__ = [
    "LRScheduler",
    "LambdaLR",
    "MultiplicativeLR",
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "PolynomialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "ChainedScheduler",
]

EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being "
    "deprecated where possible. Please use `scheduler.step()` to step the "
    "scheduler. During the deprecation, if epoch is different from None, the "
    "closed form is used instead of the new chainable form, where available. "
    "Please open an issue if you are unable to replicate your use case: "
    "https://github.com/pytorch/pytorch/issues/new/choose."
)


def _lrs(optimizer: Optimizer, key: str = "lr") -> list[Any]:
    return [g[key].clone() if isinstance(g[key], Tensor) else g[key] for g in optimizer.param_groups]


def _set(group: dict[str, Any], key: str, value: Any) -> None:
    if isinstance(group[key], Tensor):
        group[key].copy_(group[key].new_full((), float(value)))
    else:
        group[key] = value


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. {name} has {len(value)} values, "
                f"param_groups has {n}."
            )
        return list(value)
    return [value] * n


def _check_optimizer(optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


class LRScheduler:
    """Base class of the epoch-driven schedulers: subclasses give ``get_lr()`` (the next rates, chainable) and
    optionally ``_get_closed_form_lr()``.

    Args:
        optimizer: the optimizer whose groups' ``lr`` the scheduler sets.
        last_epoch: the index of the last epoch (-1 starts fresh and records ``initial_lr`` in each group).

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import LRScheduler
        >>> class Halve(LRScheduler):
        ...     def get_lr(self):
        ...         return [b * 0.5 ** self.last_epoch for b in self.base_lrs]
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = Halve(opt); opt.step(); s.step(); s.get_last_lr()
        [0.5]
    """

    _get_lr_called_within_step: bool = False
    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                initial_lr = group["lr"]
                group.setdefault("initial_lr", initial_lr.clone() if isinstance(initial_lr, Tensor) else initial_lr)
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming scheduler with "
                        "last_epoch >= 0.\nThis typically happens when:\n1. You're trying to resume training from a "
                        "checkpoint but haven't properly loaded the optimizer state\n2. You're using last_epoch >= 0 "
                        "for a fresh training run (not recommended)"
                    )
        self.base_lrs: list[Any] = _lrs(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        self._track_optimizer_step(optimizer)
        self._initial_step()

    @staticmethod
    def _track_optimizer_step(opt: Optimizer) -> None:
        # PyTorch's detection of scheduler.step() before optimizer.step(): wrap the bound method once.
        if hasattr(opt.step, "_wrapped_by_lr_sched"):
            return
        ref = weakref.ref(opt)
        func = opt.step.__func__  # type: ignore[attr-defined]

        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            target = ref()
            target._opt_called = True  # type: ignore[union-attr]
            return func.__get__(target, target.__class__)(*args, **kwargs)

        wrapper._wrapped_by_lr_sched = True  # type: ignore[attr-defined]
        opt.step = wrapper  # type: ignore[method-assign]

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import ExponentialLR
            >>> s = ExponentialLR(SGD([tocha.zeros(1, requires_grad=True)], lr=1.0), gamma=0.5)
            >>> s.state_dict()["last_epoch"]
            0
        """
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes from :meth:`state_dict`.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import ExponentialLR
            >>> s = ExponentialLR(SGD([tocha.zeros(1, requires_grad=True)], lr=1.0), gamma=0.5)
            >>> s.load_state_dict({"last_epoch": 7}); s.last_epoch
            7
        """
        self.__dict__.update(state_dict)

    def get_last_lr(self) -> list[Any]:
        """The learning rates the last ``step()`` set, one per group.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import ExponentialLR
            >>> ExponentialLR(SGD([tocha.zeros(1, requires_grad=True)], lr=1.0), gamma=0.5).get_last_lr()
            [1.0]
        """
        return self._last_lr

    def get_lr(self) -> list[Any]:
        """The next learning rates (called by ``step()``); use :meth:`get_last_lr` to read the current ones.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import LRScheduler
            >>> LRScheduler(SGD([tocha.zeros(1, requires_grad=True)]))
            Traceback (most recent call last):
            ...
            NotImplementedError
        """
        raise NotImplementedError

    def _warn_outside_step(self) -> None:
        if not self._get_lr_called_within_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, please use `get_last_lr()`.",
                UserWarning,
                stacklevel=3,
            )

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (call it after ``optimizer.step()``); ``epoch`` is deprecated.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import ExponentialLR
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
            >>> s = ExponentialLR(opt, gamma=0.5); opt.step(); s.step(); opt.param_groups[0]["lr"]
            0.5
        """
        if self._step_count == 1:
            if not hasattr(self.optimizer.step, "_wrapped_by_lr_sched"):
                warnings.warn(
                    "Seems like `optimizer.step()` has been overridden after learning rate scheduler "
                    "initialization. Please, make sure to call `optimizer.step()` before "
                    "`lr_scheduler.step()`. See more details at "
                    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
                    UserWarning,
                    stacklevel=2,
                )
            elif not getattr(self.optimizer, "_opt_called", False):
                warnings.warn(
                    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. "
                    "In PyTorch 1.1.0 and later, you should call them in the opposite order: "
                    "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this "
                    "will result in PyTorch skipping the first value of the learning rate schedule. "
                    "See more details at "
                    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
                    UserWarning,
                    stacklevel=2,
                )
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed = getattr(self, "_get_closed_form_lr", None)
                values = closed() if closed is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            _set(group, "lr", lr)
        self._last_lr: list[Any] = _lrs(self.optimizer)


class _LambdaState:
    """state_dict support for schedulers holding ``lr_lambdas`` (callable objects keep their ``__dict__``)."""

    lr_lambdas: list[Callable[[int], float]]

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's attributes; each lambda is None (a function) or its ``__dict__`` (a callable object).

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import LambdaLR
            >>> s = LambdaLR(SGD([tocha.zeros(1, requires_grad=True)]), lambda e: 1.0)
            >>> s.state_dict()["lr_lambdas"]
            [None]
        """
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else fn.__dict__.copy() for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore attributes (and callable objects' ``__dict__``) from :meth:`state_dict`.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import LambdaLR
            >>> s = LambdaLR(SGD([tocha.zeros(1, requires_grad=True)]), lambda e: 1.0)
            >>> s.load_state_dict(s.state_dict()); s.last_epoch
            0
        """
        lambdas = state_dict.pop("lr_lambdas")
        self.__dict__.update(state_dict)
        state_dict["lr_lambdas"] = lambdas
        for fn, saved in zip(self.lr_lambdas, lambdas, strict=False):
            if saved is not None:
                fn.__dict__.update(saved)


def _lambdas(optimizer: Optimizer, lr_lambda: Any) -> list[Callable[[int], float]]:
    n = len(optimizer.param_groups)
    if not isinstance(lr_lambda, (list, tuple)):
        return [lr_lambda] * n
    if len(lr_lambda) != n:
        raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
    return list(lr_lambda)


class LambdaLR(_LambdaState, LRScheduler):
    r"""``lr = initial_lr * lr_lambda(epoch)`` (one lambda, or one per group).

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import LambdaLR
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = LambdaLR(opt, lambda epoch: 0.5 ** epoch); opt.step(); s.step(); s.get_last_lr()
        [0.5]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        self.optimizer = optimizer
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[Any]:
        """``base_lr * lambda(last_epoch)`` per group (see the class)."""
        self._warn_outside_step()
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs, strict=True)]


class MultiplicativeLR(_LambdaState, LRScheduler):
    r"""``lr *= lr_lambda(epoch)`` at every step after the first.

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import MultiplicativeLR
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = MultiplicativeLR(opt, lambda epoch: 0.5); opt.step(); s.step(); s.get_last_lr()
        [0.5]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        self.optimizer = optimizer
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[Any]:
        """The current rates times ``lambda(last_epoch)`` (unchanged at construction)."""
        self._warn_outside_step()
        if self._is_initial:
            return _lrs(self.optimizer)
        groups = self.optimizer.param_groups
        return [g["lr"] * fn(self.last_epoch) for fn, g in zip(self.lr_lambdas, groups, strict=True)]


class StepLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` every ``step_size`` epochs: ``initial_lr * gamma ** (epoch // step_size)``.

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import StepLR
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = StepLR(opt, step_size=1, gamma=0.1); opt.step(); s.step(); s.get_last_lr()
        [0.1]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[Any]:
        """The current rates, times ``gamma`` on multiples of ``step_size``."""
        self._warn_outside_step()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _lrs(self.optimizer)
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[Any]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` at each milestone (twice for a milestone given twice).

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import MultiStepLR
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = MultiStepLR(opt, milestones=[1, 1], gamma=0.5); opt.step(); s.step(); s.get_last_lr()
        [0.25]
    """

    def __init__(
        self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[Any]:
        """The current rates, times ``gamma ** count`` at a milestone."""
        self._warn_outside_step()
        if self.last_epoch not in self.milestones:
            return _lrs(self.optimizer)
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [g["lr"] * factor for g in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[Any]:
        milestones = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(milestones, self.last_epoch) for base in self.base_lrs]


class ConstantLR(LRScheduler):
    r"""``initial_lr * factor`` for the first ``total_iters`` epochs, then ``initial_lr``.

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import ConstantLR
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = ConstantLR(opt, factor=0.5, total_iters=1); s.get_last_lr()
        [0.5]
    """

    def __init__(
        self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1
    ) -> None:
        if factor > 1.0 or factor < 0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[Any]:
        """Scale down at epoch 0, back up at ``total_iters``, unchanged otherwise."""
        self._warn_outside_step()
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [g["lr"] * self.factor for g in groups]
        if self.last_epoch != self.total_iters:
            return _lrs(self.optimizer)
        return [g["lr"] * (1.0 / self.factor) for g in groups]

    def _get_closed_form_lr(self) -> list[Any]:
        factor = self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor)
        return [base * factor for base in self.base_lrs]


class LinearLR(LRScheduler):
    r"""Scale the rate linearly from ``start_factor`` to ``end_factor`` over ``total_iters`` epochs.

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import LinearLR
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = LinearLR(opt, start_factor=0.5, total_iters=2); opt.step(); s.step(); s.get_last_lr()
        [0.75]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[Any]:
        """The chainable linear ramp (see the class)."""
        self._warn_outside_step()
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [g["lr"] * self.start_factor for g in groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return _lrs(self.optimizer)
        delta = self.end_factor - self.start_factor
        factor = 1.0 + delta / (self.total_iters * self.start_factor + (self.last_epoch - 1) * delta)
        return [g["lr"] * factor for g in groups]

    def _get_closed_form_lr(self) -> list[Any]:
        delta = self.end_factor - self.start_factor
        frac = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * (self.start_factor + delta * frac) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` every epoch.

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import ExponentialLR
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = ExponentialLR(opt, gamma=0.5); opt.step(); s.step(); s.step(); s.get_last_lr()
        [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[Any]:
        """The current rates times ``gamma`` (unchanged at construction)."""
        self._warn_outside_step()
        if self._is_initial:
            return _lrs(self.optimizer)
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[Any]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    r"""``initial_lr * (1 - min(epoch, total_iters) / total_iters) ** power``.

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import PolynomialLR
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = PolynomialLR(opt, total_iters=4); opt.step(); s.step(); s.get_last_lr()
        [0.75]
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1) -> None:
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[Any]:
        """The chainable polynomial decay (see the class)."""
        self._warn_outside_step()
        if self._is_initial or self.last_epoch > self.total_iters:
            return _lrs(self.optimizer)
        n = self.total_iters
        factor = ((1.0 - self.last_epoch / n) / (1.0 - (self.last_epoch - 1) / n)) ** self.power
        return [g["lr"] * factor for g in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[Any]:
        frac = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * (1.0 - frac) ** self.power for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing (SGDR without restarts), in PyTorch's recursive form whose closed form is
    :math:`\eta_t = \eta_{\min} + (\eta_0 - \eta_{\min})(1 + \cos(\pi t / T_{\max}))/2`.

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import CosineAnnealingLR
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = CosineAnnealingLR(opt, T_max=2); opt.step(); s.step(); round(s.get_last_lr()[0], 6)
        0.5
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[Any]:
        """The next cosine-annealed rates (see the class)."""
        self._warn_outside_step()
        groups = self.optimizer.param_groups
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return _lrs(self.optimizer)
        if self._step_count == 1 and t > 0:
            return [lo + (base - lo) * (1 + math.cos(t * math.pi / T)) / 2 for base in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:
            return [
                g["lr"] + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                for base, g in zip(self.base_lrs, groups, strict=True)
            ]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (g["lr"] - lo) + lo for g in groups]

    def _get_closed_form_lr(self) -> list[Any]:
        cos = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * cos for base in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""Cosine annealing with warm restarts (SGDR): periods ``T_0, T_0 * T_mult, ...``; ``step(epoch)`` may take a
    fractional epoch.

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import CosineAnnealingWarmRestarts
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = CosineAnnealingWarmRestarts(opt, T_0=2)
        >>> for _ in range(2):
        ...     opt.step(); s.step()
        >>> s.get_last_lr()
        [1.0]
    """

    def __init__(
        self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if T_0 <= 0 or not isinstance(T_0, int):
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if T_mult < 1 or not isinstance(T_mult, int):
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[Any]:
        """``eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2``."""
        self._warn_outside_step()
        cos = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base - self.eta_min) * cos for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:  # type: ignore[override]
        """Advance one epoch, or jump to (possibly fractional) ``epoch``.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import CosineAnnealingWarmRestarts
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
            >>> s = CosineAnnealingWarmRestarts(opt, T_0=2); s.step(1.0); s.get_last_lr()
            [0.5]
        """
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult**n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        self._get_lr_called_within_step = True
        try:
            values = self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            _set(group, "lr", lr)
        self._last_lr = _lrs(self.optimizer)


def _set_momentum(group: dict[str, Any], use_beta1: bool, value: float) -> None:
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


class CyclicLR(LRScheduler):
    r"""Cyclical learning rates (Smith): the rate cycles between ``base_lr`` and ``max_lr`` (and the momentum
    inversely, between ``max_momentum`` and ``base_momentum``); step it after every batch.

    Modes: ``triangular`` (constant amplitude), ``triangular2`` (halved each cycle), ``exp_range``
    (scaled by ``gamma ** iteration``), or a custom ``scale_fn`` with ``scale_mode``.

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import CyclicLR
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
        >>> s = CyclicLR(opt, base_lr=0.0, max_lr=1.0, step_size_up=2)
        >>> for _ in range(2):
        ...     opt.step(); s.step()
        >>> s.get_last_lr(), opt.param_groups[0]["momentum"]
        ([1.0], 0.8)
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | list[float],
        max_lr: float | list[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: Literal["triangular", "triangular2", "exp_range"] = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: Literal["cycle", "iterations"] = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float = 0.8,
        max_momentum: float = 0.9,
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups, strict=True):
                _set(group, "lr", lr)
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ["triangular", "triangular2", "exp_range"] and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_ref: Callable[[float], float]
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                for hi, lo, group in zip(self.max_momentums, self.base_momentums, optimizer.param_groups, strict=True):
                    _set_momentum(group, self.use_beta1, hi)
                    group["max_momentum"] = hi
                    group["base_momentum"] = lo
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self) -> None:
        if self._scale_fn_custom is not None:
            return
        if self.mode == "triangular":
            self._scale_fn_ref = _triangular
            self.scale_mode = "cycle"
        elif self.mode == "triangular2":
            self._scale_fn_ref = _triangular2
            self.scale_mode = "cycle"
        elif self.mode == "exp_range":
            self._scale_fn_ref = partial(_exp_range, self.gamma)
            self.scale_mode = "iterations"

    def scale_fn(self, x: float) -> float:
        """The amplitude scale at cycle or iteration ``x`` (custom ``scale_fn`` or the mode's).

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import CyclicLR
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)], momentum=0.9)
            >>> CyclicLR(opt, 0.1, 1.0, mode="triangular2").scale_fn(3)
            0.25
        """
        if self._scale_fn_custom is not None:
            return float(self._scale_fn_custom(x))
        return float(self._scale_fn_ref(x))

    def get_lr(self) -> list[Any]:
        """The next rates (and sets the cycled momentum, see the class)."""
        self._warn_outside_step()
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (hi - base) * scale_factor * scale for base, hi in zip(self.base_lrs, self.max_lrs, strict=True)]
        if self.cycle_momentum:
            for group, lo, hi in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums, strict=True):
                _set_momentum(group, self.use_beta1, hi - (hi - lo) * scale_factor * scale)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """The attributes, without the scale function (a callable object's ``__dict__`` is kept).

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import CyclicLR
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)], momentum=0.9)
            >>> CyclicLR(opt, 0.1, 1.0).state_dict()["_scale_fn_custom"] is None
            True
        """
        state = super().state_dict()
        state.pop("_scale_fn_ref", None)
        fn = state.pop("_scale_fn_custom")
        state["_scale_fn_custom"] = None
        if fn is not None and not isinstance(fn, types.FunctionType):
            state["_scale_fn_custom"] = fn.__dict__.copy()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore from :meth:`state_dict`.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import CyclicLR
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)], momentum=0.9)
            >>> s = CyclicLR(opt, 0.1, 1.0); s.load_state_dict(s.state_dict()); s.last_epoch
            0
        """
        fn = state_dict.pop("_scale_fn_custom")
        custom = self._scale_fn_custom
        super().load_state_dict(state_dict)
        state_dict["_scale_fn_custom"] = fn
        self._scale_fn_custom = custom
        if fn is not None and custom is not None:
            custom.__dict__.update(fn)
        self._init_scale_fn()


def _triangular(x: float) -> float:
    return 1.0


def _triangular2(x: float) -> float:
    return float(1 / (2.0 ** (x - 1)))


def _exp_range(gamma: float, x: float) -> float:
    return float(gamma**x)


class OneCycleLR(LRScheduler):
    r"""The 1cycle policy (Smith & Topin): warm up from ``max_lr / div_factor`` to ``max_lr`` over ``pct_start`` of
    ``total_steps``, then anneal to ``initial_lr / final_div_factor`` (three phases with ``three_phase``), cycling
    momentum inversely; step it after every batch.

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import OneCycleLR
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], momentum=0.9)
        >>> s = OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy="linear")
        >>> s.get_last_lr()
        [0.04]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: Literal["cos", "linear"] = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            if total_steps <= 0 or not isinstance(total_steps, int):
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        warm_end = float(pct_start * self.total_steps) - 1
        last = self.total_steps - 1
        if three_phase:
            phases = [
                (warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (last, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            phases = [
                (warm_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (last, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        keys = ("end_step", "start_lr", "end_lr", "start_momentum", "end_momentum")
        self._schedule_phases: list[dict[str, Any]] = [dict(zip(keys, phase, strict=True)) for phase in phases]
        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._anneal_func_type = anneal_strategy
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for top, group in zip(max_lrs, optimizer.param_groups, strict=True):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            his = _per_group("max_momentum", optimizer, max_momentum)
            los = _per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for hi, lo, group in zip(his, los, optimizer.param_groups, strict=True):
                    _set_momentum(group, self.use_beta1, hi)
                    group["max_momentum"] = hi
                    group["base_momentum"] = lo
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[Any]:
        """The rates of the current phase (and sets the cycled momentum)."""
        self._warn_outside_step()
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end = phase["end_step"]
                if step <= end or i == len(self._schedule_phases) - 1:
                    pct = (step - start) / (end - start)
                    lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                        _set_momentum(group, self.use_beta1, momentum)
                    break
                start = end
            lrs.append(lr)
        return lrs


class ReduceLROnPlateau(LRScheduler):
    r"""Reduce the rate by ``factor`` when a metric has stopped improving for ``patience`` epochs.

    ``mode`` 'min'/'max' says which direction improves; ``threshold_mode`` 'rel' compares with
    ``best * (1 -/+ threshold)``, 'abs' with ``best -/+ threshold``; after a reduction ``cooldown`` epochs pass
    before counting again; rates never go below ``min_lr``, and changes smaller than ``eps`` are skipped.

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import ReduceLROnPlateau
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = ReduceLROnPlateau(opt, patience=1)
        >>> for loss in [1.0, 1.0, 1.0]:
        ...     s.step(loss)
        >>> s.get_last_lr()
        [0.1]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: Literal["min", "max"] = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: Literal["rel", "abs"] = "rel",
        cooldown: int = 0,
        min_lr: list[float] | float = 0,
        eps: float = 1e-8,
    ) -> None:
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        self.factor = factor
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        self.default_min_lr: float | None
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"expected {n} min_lrs, got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = _lrs(optimizer)
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        """Whether a cooldown period is running."""
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < best * (1.0 - self.threshold) if self.threshold_mode == "rel" else a < best - self.threshold
        return a > best * (self.threshold + 1.0) if self.threshold_mode == "rel" else a > best + self.threshold

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in {"min", "max"}:
            raise ValueError("mode " + mode + " is unknown!")
        if threshold_mode not in {"rel", "abs"}:
            raise ValueError("threshold mode " + threshold_mode + " is unknown!")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def step(self, metrics: SupportsFloat, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this epoch's ``metrics`` and reduce the rates after ``patience`` bad epochs.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import ReduceLROnPlateau
            >>> s = ReduceLROnPlateau(SGD([tocha.zeros(1, requires_grad=True)], lr=1.0), patience=0)
            >>> s.step(1.0); s.step(2.0); s.get_last_lr()
            [0.1]
        """
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _lrs(self.optimizer)

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"The number of param groups in the `optimizer` ({len(groups)}) differs from when "
                    f"`ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), usually due to a new param group "
                    "being added to the optimizer. Please modify the `min_lrs` field to match the length of the "
                    "`optimizer` param groups."
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs, strict=True):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                _set(group, "lr", new)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore from :meth:`state_dict`.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import ReduceLROnPlateau
            >>> s = ReduceLROnPlateau(SGD([tocha.zeros(1, requires_grad=True)]))
            >>> s.load_state_dict(s.state_dict()); s.mode
            'min'
        """
        self.__dict__.update(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)


def _check_schedulers(owner: str, optimizer: Optimizer, schedulers: Sequence[LRScheduler]) -> None:
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{owner} at index {i} should have `optimizer` as its attribute.")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(
                f"{owner} does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs to be "
                f"specified when calling `step`, but got one at index {i} in the given schedulers sequence."
            )
        if optimizer != scheduler.optimizer:
            raise ValueError(
                f"{owner} expects all schedulers to belong to the same optimizer, but got scheduler "
                f"{scheduler.__class__.__name__} at index {i} has {scheduler.optimizer}, which is different from "
                f"{optimizer.__class__.__name__}."
            )


class _Composite(LRScheduler):
    _schedulers: Sequence[LRScheduler]

    def state_dict(self) -> dict[str, Any]:
        """The attributes, with each wrapped scheduler's own state dict.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import ChainedScheduler, ExponentialLR
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
            >>> len(ChainedScheduler([ExponentialLR(opt, 0.5)]).state_dict()["_schedulers"])
            1
        """
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore from :meth:`state_dict`, the wrapped schedulers included.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import ChainedScheduler, ExponentialLR
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
            >>> c = ChainedScheduler([ExponentialLR(opt, 0.5)]); c.load_state_dict(c.state_dict())
        """
        saved = state_dict.pop("_schedulers")
        self.__dict__.update(state_dict)
        state_dict["_schedulers"] = saved
        for scheduler, s in zip(self._schedulers, saved, strict=False):
            scheduler.load_state_dict(s)


class SequentialLR(_Composite):
    r"""Run ``schedulers`` one after another, switching at ``milestones``.

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import ConstantLR, ExponentialLR, SequentialLR
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = SequentialLR(opt, [ConstantLR(opt, factor=0.5, total_iters=2), ExponentialLR(opt, 0.9)], [2])
        >>> lrs = []
        >>> for _ in range(3):
        ...     lrs.append(s.get_last_lr()[0]); opt.step(); s.step()
        >>> lrs
        [0.5, 0.5, 1.0]
    """

    def __init__(
        self, optimizer: Optimizer, schedulers: list[LRScheduler], milestones: list[int], last_epoch: int = -1
    ) -> None:
        name = self.__class__.__name__
        if len(schedulers) < 1:
            raise ValueError(f"{name} expects at least one scheduler, but got no scheduler.")
        _check_schedulers(name, optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more than the number of "
                f"milestone points, but got number of schedulers {len(schedulers)} and the number of milestones to "
                f"be equal to {len(milestones)}"
            )
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            _set(group, "lr", group["initial_lr"])
        self._undo(self)
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = schedulers[idx].get_last_lr()

    def _undo(self, scheduler: Any) -> None:
        # Undo the step each wrapped scheduler took at construction.
        if scheduler is not self and hasattr(scheduler, "_schedulers"):
            for inner in scheduler._schedulers:
                self._undo(inner)
        elif scheduler is self:
            for inner in self._schedulers:
                self._undo(inner)
        elif hasattr(scheduler, "last_epoch"):
            scheduler.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Step the scheduler active at this epoch (restarting it at its milestone).

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import ExponentialLR, SequentialLR
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
            >>> s = SequentialLR(opt, [ExponentialLR(opt, 0.5)], []); opt.step(); s.step(); s.get_last_lr()
            [0.5]
        """
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    r"""Step several schedulers together each epoch (their effects multiply).

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.lr_scheduler import ChainedScheduler, ExponentialLR
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = ChainedScheduler([ExponentialLR(opt, 0.5), ExponentialLR(opt, 0.5)])
        >>> opt.step(); s.step(); s.get_last_lr()
        [0.25]
    """

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None) -> None:
        name = self.__class__.__name__
        if len(schedulers) < 1:
            raise ValueError(f"{name} expects at least one scheduler to be chained, but got no scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers(name, optimizer, schedulers)
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = _lrs(self._schedulers[-1].optimizer)

    def step(self) -> None:  # type: ignore[override]
        """Step every chained scheduler.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.lr_scheduler import ChainedScheduler, ExponentialLR
            >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
            >>> s = ChainedScheduler([ExponentialLR(opt, 0.5)]); opt.step(); s.step(); s.get_last_lr()
            [0.5]
        """
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = _lrs(self._schedulers[-1].optimizer)
