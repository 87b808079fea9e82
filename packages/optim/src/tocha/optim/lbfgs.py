"""L-BFGS (``torch.optim.LBFGS``), with the strong-Wolfe line search."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import tocha
from tocha import Tensor

from ._validate import check_lr
from .optimizer import Optimizer, ParamsT, _as_float, _xp

__all__ = ["LBFGS"]


def _cubic_minimum(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float, bounds: tuple[float, float] | None = None
) -> float:
    """Minimiser of the cubic through ``(x1, f1, g1)`` and ``(x2, f2, g2)``, clipped to ``bounds``.

    Falls back to the middle of the bounds when the cubic has no real minimiser.

    Example:
        >>> _cubic_minimum(0.0, 1.0, -2.0, 2.0, 1.0, 2.0)
        1.0
    """
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(disc)
    if x1 <= x2:
        candidate = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        candidate = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(candidate, lo), hi)


def _strong_wolfe(
    evaluate: Callable[[float], tuple[float, Any]],
    xp: Any,
    t: float,
    d: Any,
    f: float,
    g: Any,
    gtd: float,
    *,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, Any, float, int]:
    """A step ``t`` along ``d`` meeting the strong Wolfe conditions (bracketing, then cubic zoom).

    ``evaluate(t)`` returns the loss and flat gradient at ``x + t d``. Returns ``(loss, grad, t, evaluations)``.
    Each bracket end is a list ``[t, f, g, gtd]``.
    """
    d_norm = float(xp.abs(d).max())
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = float(g_new.dot(d))
    prev = [0.0, f, g, gtd]
    done = False
    ls_iter = 0
    bracket: list[list[Any]] = []
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= prev[1]):
            bracket = [prev, [t, f_new, g_new, gtd_new]]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket = [[t, f_new, g_new, gtd_new]]
            done = True
            break
        if gtd_new >= 0:
            bracket = [prev, [t, f_new, g_new, gtd_new]]
            break
        bounds = (t + 0.01 * (t - prev[0]), t * 10)
        new_t = _cubic_minimum(prev[0], prev[1], prev[3], t, f_new, gtd_new, bounds=bounds)
        prev = [t, f_new, g_new, gtd_new]
        t = new_t
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new.dot(d))
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = [[0.0, f, g, None], [t, f_new, g_new, None]]
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    insufficient = False
    while not done and ls_iter < max_ls:
        a, b = bracket[0][0], bracket[1][0]
        if abs(b - a) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(a, bracket[0][1], bracket[0][3], b, bracket[1][1], bracket[1][3])
        top, bottom = max(a, b), min(a, b)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insufficient or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new.dot(d))
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket[low][1]:
            bracket[high] = [t, f_new, g_new, gtd_new]
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = [t, f_new, g_new, gtd_new]
    t, f_new, g_new, _ = bracket[low]
    return f_new, g_new, t, evals


class LBFGS(Optimizer):
    r"""L-BFGS (limited-memory BFGS), optionally with a strong-Wolfe line search.

    Each ``step(closure)`` runs up to ``max_iter`` iterations: the direction is :math:`d = -H g` from the two-loop
    recursion over the last ``history_size`` pairs :math:`(s_i, y_i)` (kept only when :math:`y^\top s > 10^{-10}`,
    with :math:`H_0 = y^\top s / y^\top y`); the step is ``lr`` (the first ever one
    :math:`\min(1, 1/\lVert g\rVert_1)\,\mathrm{lr}`) or the line search's. All parameters form one group.

    Example:
        >>> import tocha
        >>> from tocha.optim import LBFGS
        >>> x = tocha.tensor([3.0, -1.0], requires_grad=True)
        >>> opt = LBFGS([x], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad(); loss = ((x - 1.0) ** 2).sum(); loss.backward(); return loss
        >>> _ = opt.step(closure)
        >>> x
        tensor([1., 1.], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Any = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    def _flat_grad(self) -> Any:
        xp = _xp(self._params[0])
        parts = []
        for p in self._params:
            if p.grad is None:
                parts.append(xp.zeros(p.numel(), dtype=tocha.library.tensor_array(p).dtype))
            else:
                parts.append(tocha.library.tensor_array(p.grad).reshape(-1))
        return xp.concatenate(parts)

    def _add_to_params(self, step: float, direction: Any) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            p.add_(tocha.library.wrap_array(direction[offset : offset + n].reshape(p.shape), p.device), alpha=step)
            offset += n

    def _evaluate_at(self, closure: Callable[[], Any], x: list[Tensor], t: float, *, d: Any) -> tuple[float, Any]:
        self._add_to_params(t, d)
        loss = _as_float(closure())
        flat_grad = self._flat_grad()
        for p, saved in zip(self._params, x, strict=True):
            p.copy_(saved)
        return loss, flat_grad

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; ``closure`` zeroes grads, computes the loss, backpropagates
        and returns it. Returns the first loss.

        Example:
            >>> import tocha
            >>> from tocha.optim import LBFGS
            >>> x = tocha.tensor([2.0], requires_grad=True)
            >>> opt = LBFGS([x])
            >>> def closure():
            ...     opt.zero_grad(); loss = (x * x).sum(); loss.backward(); return loss
            >>> opt.step(closure)
            tensor(4., grad_fn=<SumBackward0>)
        """
        with tocha.no_grad():
            return self._step(closure)

    def _closure(self, closure: Callable[[], Any]) -> Any:
        with tocha.enable_grad():
            return closure()

    def _step(self, closure: Callable[[], Any]) -> Any:
        group = self.param_groups[0]
        lr = _as_float(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        xp = _xp(self._params[0])
        wrap = tocha.library.wrap_array
        arr = tocha.library.tensor_array
        device = self._params[0].device

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = self._closure(closure)
        loss = _as_float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if float(xp.abs(flat_grad).max()) <= tolerance_grad:
            return orig_loss

        def unwrap(x: Any) -> Any:
            return arr(x) if isinstance(x, Tensor) else x

        d = unwrap(state.get("d"))
        t = state.get("t")
        old_dirs = [arr(y) for y in state.get("old_dirs", [])]
        old_stps = [arr(s) for s in state.get("old_stps", [])]
        ro: list[float] = list(state.get("ro", []))
        H_diag = state.get("H_diag")
        prev_flat_grad = unwrap(state.get("prev_flat_grad"))
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y.dot(s))
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / float(y.dot(y))
                al = [0.0] * len(old_dirs)
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = float(old_stps[i].dot(q)) * ro[i]
                    q -= al[i] * old_dirs[i]
                d = r = q * H_diag
                for i in range(len(old_dirs)):
                    be_i = float(old_dirs[i].dot(r)) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / float(xp.abs(flat_grad).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(flat_grad.dot(d))
            if gtd > -tolerance_change:
                break
            ls_func_evals = 0
            if group["line_search_fn"] is not None:
                if group["line_search_fn"] != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                evaluate = functools.partial(
                    self._evaluate_at, lambda: self._closure(closure), [p.clone() for p in self._params], d=d
                )

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    evaluate, xp, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_to_params(t, d)
                opt_cond = float(xp.abs(flat_grad).max()) <= tolerance_grad
            else:
                self._add_to_params(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = _as_float(self._closure(closure))
                    flat_grad = self._flat_grad()
                    opt_cond = float(xp.abs(flat_grad).max()) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if float(xp.abs(d * t).max()) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = wrap(d, device)
        state["t"] = t
        state["old_dirs"] = [wrap(y, device) for y in old_dirs]
        state["old_stps"] = [wrap(s, device) for s in old_stps]
        state["ro"] = ro
        state["H_diag"] = H_diag
        state["prev_flat_grad"] = wrap(prev_flat_grad, device)
        state["prev_loss"] = prev_loss
        return orig_loss
