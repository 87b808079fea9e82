"""tocha.onnx: export tocha models to ONNX (``torch.onnx.export``'s tracing path).

This is the ``tocha-onnx-export`` distribution. It will hold ``export``, which
runs a ``tocha.nn.Module`` under a tracing dispatch layer of
``tocha.library``, maps each recorded op to ONNX nodes and writes the model
with the ``onnx`` package.

Work in progress: nothing is public yet; the exporter lands with its own issue.
"""

__all__: list[str] = []
