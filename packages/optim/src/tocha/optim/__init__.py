"""tocha.optim: optimizers and learning-rate schedulers (``torch.optim``).

This is the ``tocha-optim`` distribution. It will hold ``Optimizer`` (a thin
class over pure per-parameter update functions, with parameter groups and
``state_dict``), SGD, Adam, AdamW and the other common optimizers, and
``tocha.optim.lr_scheduler``, built on tocha-tensor-core and tocha-autograd.

Work in progress: nothing is public yet; the optimizers land with their own issue.
"""

__all__: list[str] = []
