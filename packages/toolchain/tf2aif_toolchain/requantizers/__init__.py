"""Mixed precision for each quantizer family (steps/mixed_precision.py drives them): the same quantization with chosen layers kept float."""
