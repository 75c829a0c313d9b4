"""Quantizers: FP32 framework model + calibration data -> reduced-precision artifact."""
