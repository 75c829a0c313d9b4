"""A small Open Inference Protocol client and load generator (the variant's client image runs it)."""
