"""ONNX export and import (``torch.onnx``'s ``export`` and an ONNX runner in yingshe's ops).

    yingshe.onnx.export(model, x, "model.onnx", input_names=["input"], output_names=["logits"],
                        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    module = yingshe.onnx.load("model.onnx")   # an nn.Module: module(x) runs the graph

Needs the ``onnx`` package (the ``onnx`` extra: ``pip install yingshe[onnx]``)."""
from ._export import DEFAULT_OPSET, UnsupportedOperatorError, export
from ._import import ONNXModule, load

__all__ = ["export", "load", "ONNXModule", "UnsupportedOperatorError", "DEFAULT_OPSET"]
