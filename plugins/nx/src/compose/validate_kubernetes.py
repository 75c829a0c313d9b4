"""Offline validation of the Kubernetes manifests compose writes; run with the managed toolchain's Python.

    python validate_kubernetes.py --kubernetes-version 1.30 [--kubernetes-version 1.37] \
        --kserve-schema __fixtures__/kserve-v0.20.0-inferenceservice-v1beta1.schema.json [--documents] FILE...

Built-in kinds (Deployment, Service, ...) are checked by kubernetes-validate against the Kubernetes JSON schemas
it bundles, in strict mode (unknown fields are errors, as with `kubectl apply --validate=strict`), for every
version given. A KServe InferenceService (a CRD: no bundled schema) is checked against the openAPIV3Schema of
KServe's CRD (a fragment kept as a test fixture), made strict the same way (additionalProperties: false on every
object schema with properties, except where the CRD preserves unknown fields), and its metadata against
Kubernetes' ObjectMeta schema. Prints one JSON line per document; exit status 1 if any is invalid.
"""

from __future__ import annotations

import argparse
import copy
import importlib.metadata
import json
import sys

import jsonschema
import yaml
from kubernetes_validate import utils as kv

KSERVE_KIND = ("serving.kserve.io/v1beta1", "InferenceService")


def strict(schema):
    """additionalProperties: false wherever the schema lists properties and does not keep unknown fields."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out and not out.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def object_meta_schema(version: str):
    """Kubernetes' ObjectMeta, strict, from the schemas kubernetes-validate bundles."""
    resolved = [v for v in kv.all_versions() if kv.major_minor(v) == kv.major_minor(version)]
    if not resolved:
        raise SystemExit(f"kubernetes-validate {importlib.metadata.version('kubernetes-validate')} has no schemas for Kubernetes {version}")
    return kv.schema_contents(f"kubernetes-json-schema/v{resolved[-1]}-local-strict/objectmeta-meta-v1.json", version)


def error_list(validator, doc):
    return [
        f"{'.'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    ]


def check_kserve(doc, kserve_schema, versions):
    errors = error_list(jsonschema.Draft202012Validator(strict(kserve_schema)), doc)
    for version in versions:
        meta = doc.get("metadata", {})
        errors += [f"metadata ({version}): {e}" for e in error_list(jsonschema.Draft202012Validator(object_meta_schema(version)), meta)]
    return errors


def check_builtin(doc, versions):
    errors = []
    for version in versions:
        try:
            kv.validate(copy.deepcopy(doc), version, strict=True)
        except kv.ValidationError as e:
            path = ".".join(str(p) for p in e.absolute_path) or "<root>"
            errors.append(f"{path} ({version}): {e.message}")
        except (kv.SchemaNotFoundError, kv.VersionNotSupportedError) as e:
            errors.append(e.message)
    return errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubernetes-version", action="append", required=True, help="Kubernetes version to validate against (repeatable)")
    parser.add_argument("--kserve-schema", required=True, help="JSON file with {source, openAPIV3Schema} of KServe's InferenceService CRD")
    parser.add_argument("--documents", action="store_true", help="also print each document as parsed (to compare with what was written)")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    with open(args.kserve_schema, encoding="utf-8") as f:
        kserve = json.load(f)
    invalid = 0
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
        for doc in docs:
            kind = (doc.get("apiVersion"), doc.get("kind"))
            errors = (
                check_kserve(doc, kserve["openAPIV3Schema"], args.kubernetes_version)
                if kind == KSERVE_KIND
                else check_builtin(doc, args.kubernetes_version)
            )
            invalid += bool(errors)
            line = {
                "file": path,
                "kind": doc.get("kind"),
                "name": doc.get("metadata", {}).get("name"),
                "valid": not errors,
                "errors": errors,
                "validator": "kserve-crd-schema"
                if kind == KSERVE_KIND
                else f"kubernetes-validate {importlib.metadata.version('kubernetes-validate')}",
                "kubernetesVersions": args.kubernetes_version,
            }
            if args.documents:
                line["document"] = doc
            print(json.dumps(line))
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
