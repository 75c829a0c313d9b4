"""Export one zoo model as a user would hand it to tf2aif: a SavedModel folder or a .keras file.

python zoo/export.py --builder zoo/builders/<b>.py --args '{...}' --format savedmodel|keras --seed N --out DIR
Writes DIR/saved_model or DIR/model.keras. Run by the zoo executor with the managed toolchain.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

from tf2aif_toolchain.env import import_tensorflow

ARTIFACTS = {"savedmodel": "saved_model", "keras": "model.keras"}


def load_builder(path: Path):
    spec = importlib.util.spec_from_file_location(f"zoo_builder_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build


def export(built, fmt: str, target: Path) -> None:
    tf = import_tensorflow()
    if isinstance(built, tf.keras.Model):
        if fmt == "keras":
            built.save(str(target))
        else:
            built.export(str(target), format="tf_saved_model", verbose=False)
        return
    module, signatures = built  # a plain tf.Module and its serving signatures
    if fmt != "savedmodel":
        raise SystemExit(f"a tf.Module can only be exported as a SavedModel, not {fmt}")
    tf.saved_model.save(module, str(target), signatures=signatures)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--builder", type=Path, required=True)
    parser.add_argument("--args", default="{}")
    parser.add_argument("--format", choices=sorted(ARTIFACTS), required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    tf = import_tensorflow()
    tf.keras.utils.set_random_seed(args.seed)
    built = load_builder(args.builder)(**json.loads(args.args))
    args.out.mkdir(parents=True, exist_ok=True)
    export(built, args.format, args.out / ARTIFACTS[args.format])
    print(json.dumps({"artifact": ARTIFACTS[args.format]}))


if __name__ == "__main__":
    sys.exit(main())
