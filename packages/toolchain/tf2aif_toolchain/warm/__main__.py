"""python -m tf2aif_toolchain.warm <step args>: `python -m tf2aif_toolchain <step args>`, run in a warm process
(see __init__.py)."""

import sys

from .client import main

if __name__ == "__main__":
    sys.exit(main("tf2aif_toolchain", sys.argv[1:]))
