"""tocha.nn: neural-network modules, layers, losses and initialisation (``torch.nn``).

This is the ``tocha-nn`` distribution. It will hold ``Module`` (parameters,
buffers and submodules registered by attribute assignment, ``state_dict``),
``Parameter``, the common layers (linear, convolution, normalisation,
recurrent, attention), losses, ``tocha.nn.functional`` and ``tocha.nn.init``,
built on tocha-tensor-core and tocha-autograd.

Work in progress: nothing is public yet; the modules land with their own issue.
"""

__all__: list[str] = []
