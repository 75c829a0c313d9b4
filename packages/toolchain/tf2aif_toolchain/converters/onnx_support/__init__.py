"""Helpers of the onnx converter (converters/onnx.py) around tf2onnx: handlers for TensorFlow ops it has none for
(onnx_handlers) and its optimizer with memory given back between passes (tf2onnx_memory). A folder, not modules of
converters/, where every module is a converter."""
