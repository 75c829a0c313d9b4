"""Converters: SavedModel -> framework model, one module per toolchain."""
