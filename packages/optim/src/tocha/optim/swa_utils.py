"""Weight averaging: ``AveragedModel`` (SWA and EMA), ``SWALR`` and ``update_bn`` (``torch.optim.swa_utils``).

tocha-optim does not depend on tocha-nn, so these work with any *module-like* object: one with
``parameters()`` and ``buffers()`` (and, for ``update_bn``, ``modules()``, ``training``, ``train()`` and
``__call__``) that ``copy.deepcopy`` can copy, such as a ``tocha.nn.Module``. Batch-norm layers are recognised by
their ``momentum``, ``running_mean`` and ``reset_running_stats`` attributes.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from copy import deepcopy
from typing import Any, Literal

import tocha
from tocha import Tensor

from .lr_scheduler import LRScheduler, _per_group
from .optimizer import Optimizer

__all__ = [
    "AveragedModel",
    "SWALR",
    "update_bn",
    "get_ema_multi_avg_fn",
    "get_swa_multi_avg_fn",
    "get_ema_avg_fn",
    "get_swa_avg_fn",
]

ParamList = Sequence[Tensor]


def _lerp_all(targets: ParamList, sources: ParamList, weight: float) -> None:
    for target, source in zip(targets, sources, strict=True):
        if target.is_floating_point() or target.is_complex():
            target.lerp_(source.to(dtype=target.dtype), weight)
        else:
            target.copy_(target * (1 - weight) + source * weight)


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[ParamList, ParamList, Any], None]:
    r"""An in-place EMA update of a list of averaged tensors: :math:`a \leftarrow \text{decay}\, a + (1 -
    \text{decay})\, p`.

    Example:
        >>> import tocha
        >>> from tocha.optim.swa_utils import get_ema_multi_avg_fn
        >>> a = [tocha.tensor([0.0])]
        >>> get_ema_multi_avg_fn(0.75)(a, [tocha.tensor([1.0])], 1); a
        [tensor([0.2500])]
    """
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")

    def ema_update(ema_params: ParamList, current_params: ParamList, _: Any) -> None:
        with tocha.no_grad():
            if ema_params[0].is_floating_point() or ema_params[0].is_complex():
                _lerp_all(ema_params, current_params, 1 - decay)
            else:
                for p_ema, p in zip(ema_params, current_params, strict=True):
                    p_ema.copy_(p_ema * decay + p * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> Callable[[ParamList, ParamList, Any], None]:
    r"""An in-place running mean over a list of averaged tensors: :math:`a \leftarrow a + (p - a) / (n + 1)`.

    Example:
        >>> import tocha
        >>> from tocha.optim.swa_utils import get_swa_multi_avg_fn
        >>> a = [tocha.tensor([1.0])]
        >>> get_swa_multi_avg_fn()(a, [tocha.tensor([3.0])], 1); a
        [tensor([2.])]
    """

    def swa_update(averaged: ParamList, current: ParamList, num_averaged: Any) -> None:
        n = float(num_averaged.item()) if isinstance(num_averaged, Tensor) else float(num_averaged)
        with tocha.no_grad():
            if averaged[0].is_floating_point() or averaged[0].is_complex():
                _lerp_all(averaged, current, 1 / (n + 1))
            else:
                for a, p in zip(averaged, current, strict=True):
                    a.copy_(a + (p - a) / (n + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Any], Tensor]:
    """The EMA of one tensor: ``decay * averaged + (1 - decay) * current``.

    Example:
        >>> import tocha
        >>> from tocha.optim.swa_utils import get_ema_avg_fn
        >>> get_ema_avg_fn(0.5)(tocha.tensor([0.0]), tocha.tensor([1.0]), 1)
        tensor([0.5000])
    """
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with tocha.no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Any], Tensor]:
    """The running mean of one tensor: ``averaged + (current - averaged) / (num_averaged + 1)``.

    Example:
        >>> import tocha
        >>> from tocha.optim.swa_utils import get_swa_avg_fn
        >>> get_swa_avg_fn()(tocha.tensor([1.0]), tocha.tensor([3.0]), 1)
        tensor([2.])
    """

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with tocha.no_grad():
            result: Tensor = averaged_param + (current_param - averaged_param) / (num_averaged + 1)
            return result

    return swa_update


class AveragedModel:
    """A copy of ``model`` whose parameters (and, with ``use_buffers``, buffers) hold a running average of the
    model's, for stochastic weight averaging (SWA, the default) or an exponential moving average (EMA, via
    ``multi_avg_fn=get_ema_multi_avg_fn(decay)``).

    Args:
        model: a module-like object (see the module docstring); it is deep-copied.
        device: where to move the copy (``model.to(device)``), or None.
        avg_fn: ``avg_fn(averaged, current, num_averaged) -> new averaged`` per tensor.
        multi_avg_fn: ``multi_avg_fn(averaged_list, current_list, num_averaged)`` updating in place.
        use_buffers: average buffers too (otherwise buffers are copied from the model).

    Example:
        >>> import tocha
        >>> from tocha.optim.swa_utils import AveragedModel
        >>> class Tiny:
        ...     def __init__(self): self.w = tocha.tensor([0.0], requires_grad=True)
        ...     def parameters(self): return iter([self.w])
        ...     def buffers(self): return iter([])
        ...     def __call__(self, x): return x * self.w
        >>> model = Tiny(); swa = AveragedModel(model)
        >>> for value in [1.0, 2.0, 3.0]:
        ...     with tocha.no_grad():
        ...         _ = model.w.copy_(tocha.tensor([value]))
        ...     swa.update_parameters(model)
        >>> swa.module.w, swa.n_averaged
        (tensor([2.], requires_grad=True), tensor(3))
    """

    n_averaged: Tensor

    def __init__(
        self,
        model: Any,
        device: Any = None,
        avg_fn: Callable[[Tensor, Tensor, Any], Tensor] | None = None,
        multi_avg_fn: Callable[[ParamList, ParamList, Any], None] | None = None,
        use_buffers: bool = False,
    ) -> None:
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.n_averaged = tocha.tensor(0, dtype=tocha.long, device=device)
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the averaged copy of the model."""
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the averaged copy of the model (``self.module(*args, **kwargs)``)."""
        return self.module(*args, **kwargs)

    def parameters(self, recurse: bool = True) -> Iterator[Tensor]:
        """The averaged copy's parameters."""
        return iter(self.module.parameters())

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """The averaged copy's buffers, then ``n_averaged``."""
        return itertools.chain(self.module.buffers(), [self.n_averaged])

    def modules(self) -> Iterator[Any]:
        """This object, then the averaged copy's modules (for :func:`update_bn`)."""
        inner = self.module.modules() if hasattr(self.module, "modules") else [self.module]
        return itertools.chain([self], inner)

    @property
    def training(self) -> bool:
        """The averaged copy's training flag."""
        return bool(getattr(self.module, "training", False))

    def train(self, mode: bool = True) -> AveragedModel:
        """Set the averaged copy's training mode."""
        if hasattr(self.module, "train"):
            self.module.train(mode)
        return self

    def eval(self) -> AveragedModel:
        """Put the averaged copy in evaluation mode."""
        return self.train(False)

    def update_parameters(self, model: Any) -> None:
        """Fold ``model``'s current parameters into the average (the first call copies them).

        Example:
            >>> import tocha
            >>> from tocha.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
            >>> class Tiny:
            ...     def __init__(self): self.w = tocha.tensor([1.0])
            ...     def parameters(self): return iter([self.w])
            ...     def buffers(self): return iter([])
            >>> model = Tiny(); ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.5))
            >>> ema.update_parameters(model); model.w += 1.0; ema.update_parameters(model); ema.module.w
            tensor([1.5000])
        """
        if self.use_buffers:
            mine: Iterable[Tensor] = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs: Iterable[Tensor] = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.module.parameters(), model.parameters()
        averaged: list[Tensor] = []
        current: list[Tensor] = []
        first = int(self.n_averaged.item()) == 0
        with tocha.no_grad():
            for p_avg, p_model in zip(mine, theirs, strict=False):
                p_model_ = p_model.detach().to(p_avg.device)
                averaged.append(p_avg.detach())
                current.append(p_model_)
                if first:
                    p_avg.detach().copy_(p_model_)
            if not first:
                if self.avg_fn is None:
                    groups: dict[tuple[Any, Any], tuple[list[Tensor], list[Tensor]]] = {}
                    for a, c in zip(averaged, current, strict=True):
                        mine_list, theirs_list = groups.setdefault((a.device, a.dtype), ([], []))
                        mine_list.append(a)
                        theirs_list.append(c)
                    update = self.multi_avg_fn or get_swa_multi_avg_fn()
                    for (device, _), (a_list, c_list) in groups.items():
                        update(a_list, c_list, self.n_averaged.to(device))
                else:
                    for a, c in zip(averaged, current, strict=True):
                        a.copy_(self.avg_fn(a, c, self.n_averaged.to(a.device)))
            if not self.use_buffers:
                for b_avg, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                    b_avg.detach().copy_(b_model.detach().to(b_avg.device))
            self.n_averaged += 1


def _is_batchnorm(module: Any) -> bool:
    return all(hasattr(module, name) for name in ("momentum", "running_mean", "reset_running_stats"))


def update_bn(loader: Iterable[Any], model: Any, device: Any = None) -> None:
    """Recompute the running statistics of every batch-norm layer of ``model`` with one pass over ``loader``
    (a cumulative average: momentum None), as needed after averaging weights.

    Batches that are lists or tuples contribute their first element. Does nothing without batch-norm layers.

    Example:
        >>> import tocha
        >>> from tocha.optim.swa_utils import update_bn
        >>> class BN:
        ...     def __init__(self): self.momentum, self.running_mean, self.training = 0.1, tocha.zeros(1), False
        ...     def reset_running_stats(self): self.running_mean = tocha.zeros(1); self.n = 0
        ...     def modules(self): return iter([self])
        ...     def train(self, mode=True): self.training = mode; return self
        ...     def __call__(self, x):
        ...         self.n += 1; self.running_mean += (x.mean() - self.running_mean) / self.n
        >>> bn = BN(); update_bn([tocha.tensor([1.0]), tocha.tensor([3.0])], bn); bn.running_mean, bn.momentum
        (tensor([2.]), 0.1)
    """
    with tocha.no_grad():
        momenta = {}
        for module in model.modules():
            if _is_batchnorm(module):
                module.reset_running_stats()
                momenta[module] = module.momentum
        if not momenta:
            return
        was_training = model.training
        model.train()
        for module in momenta:
            module.momentum = None
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's rate to its ``swa_lr`` over ``anneal_epochs`` (cosine or linear), then hold it.

    Example:
        >>> import tocha
        >>> from tocha.optim import SGD
        >>> from tocha.optim.swa_utils import SWALR
        >>> opt = SGD([tocha.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = SWALR(opt, swa_lr=0.5, anneal_epochs=2, anneal_strategy="linear")
        >>> for _ in range(3):
        ...     opt.step(); s.step()
        >>> s.get_last_lr()
        [0.5]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float,
        anneal_epochs: int = 10,
        anneal_strategy: Literal["cos", "linear"] = "cos",
        last_epoch: int = -1,
    ) -> None:
        for lr, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups, strict=True):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self) -> list[Any]:
        """The next annealed rates (see the class)."""
        if not self._get_lr_called_within_step:
            warnings.warn(
                "To get the last learning rate computed by the scheduler, please use `get_last_lr()`.",
                UserWarning,
                stacklevel=2,
            )
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        groups = self.optimizer.param_groups
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs, strict=True)]

    def state_dict(self) -> dict[str, Any]:
        """The attributes, without the optimizer and the anneal function.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.swa_utils import SWALR
            >>> SWALR(SGD([tocha.zeros(1, requires_grad=True)]), swa_lr=0.1).state_dict()["_anneal_strategy"]
            'cos'
        """
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore from :meth:`state_dict`.

        Example:
            >>> import tocha
            >>> from tocha.optim import SGD
            >>> from tocha.optim.swa_utils import SWALR
            >>> s = SWALR(SGD([tocha.zeros(1, requires_grad=True)]), swa_lr=0.1)
            >>> s.load_state_dict(s.state_dict()); s.anneal_epochs
            10
        """
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
