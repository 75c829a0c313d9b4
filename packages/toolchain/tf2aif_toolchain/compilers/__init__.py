"""Compilers: hardware-specific compile steps (e.g. Vitis AI .xmodel)."""
