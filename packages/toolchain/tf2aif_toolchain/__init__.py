"""tf2aif's Python toolchain: builds, converts, quantizes and verifies model variants."""
