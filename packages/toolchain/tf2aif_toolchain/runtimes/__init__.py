"""Runtimes: load a variant's artifact and run batches of named inputs to named outputs."""
