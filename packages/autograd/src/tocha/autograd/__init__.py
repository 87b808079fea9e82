"""tocha.autograd: tape-based reverse-mode automatic differentiation (``torch.autograd``).

This is the ``tocha-autograd`` distribution. It will hold the engine that
records ops on tensors requiring grad as they run (a tape of nodes, each
reading its op's vjp from tensor-core's registry) and replays them in
``Tensor.backward()``, plus ``Function`` (custom ops with
``ctx.save_for_backward``), grad modes, hooks, ``tocha.autograd.grad``,
``gradcheck`` and the functional API.

Work in progress: nothing is public yet; the engine lands with its own issue.
"""

__all__: list[str] = []
