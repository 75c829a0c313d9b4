"""Measurements: in-process latency/throughput with native-TensorFlow baselines side by side, and the machine's GEMM ceiling."""
