"""tocha.optim: optimizers and learning-rate schedulers (``torch.optim``).

This is the ``tocha-optim`` distribution, built on tocha-tensor-core and tocha-autograd only. Every optimizer is
a thin class over one elementwise update rule (see NOTE [ Optimizer state and the multi-tensor path ] in
``tocha.optim.optimizer``), with PyTorch's options, defaults, validation errors and state-dict layout.
``tocha.optim.lr_scheduler`` holds the learning-rate schedulers, ``tocha.optim.swa_utils`` weight averaging.

It is not a place for new optimizers PyTorch lacks, nor for fused device kernels.

Example:
    >>> import tocha
    >>> from tocha.optim import SGD
    >>> w = tocha.tensor([2.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.25)
    >>> (w * w).sum().backward(); opt.step(); w
    tensor([1.], requires_grad=True)
"""

from . import lr_scheduler as lr_scheduler
from . import swa_utils as swa_utils
from .adadelta import Adadelta as Adadelta
from .adafactor import Adafactor as Adafactor
from .adagrad import Adagrad as Adagrad
from .adam import Adam as Adam
from .adam import AdamW as AdamW
from .adamax import Adamax as Adamax
from .asgd import ASGD as ASGD
from .lbfgs import LBFGS as LBFGS
from .muon import Muon as Muon
from .nadam import NAdam as NAdam
from .optimizer import Optimizer as Optimizer
from .radam import RAdam as RAdam
from .rmsprop import RMSprop as RMSprop
from .rprop import Rprop as Rprop
from .sgd import SGD as SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "RAdam",
    "Adagrad",
    "Adadelta",
    "Adafactor",
    "RMSprop",
    "Rprop",
    "ASGD",
    "LBFGS",
    "Muon",
    "lr_scheduler",
    "swa_utils",
]

for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        _obj.__module__ = "tocha.optim"
del _name, _obj
