"""Mixed precision for each quantizer family (mixed_precision.py drives them): the same quantization with chosen layers kept float."""
