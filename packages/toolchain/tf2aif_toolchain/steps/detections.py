"""Detections from a model's own non-max suppression, compared as detections.

A detector exported for deployment often ends in tf.image.combined_non_max_suppression: its outputs are the kept
boxes, their scores and classes, sorted by score, and how many are valid. Two runs whose scores differ in the
fourth decimal (any converted or INT8 variant) may list two near-equal detections in the other order, which an
element-wise comparison reads as a different answer (classes [0, 2] against [2, 0]: cosine 0.5). build-model finds
the signature outputs that come from the NMS op (the role is the op's output index, read from the frozen graph);
verify matches each variant detection to the reference one of the same class with the highest IoU before it
compares, and reports the share of reference detections found (detectionAgreement).
"""

from __future__ import annotations

import numpy as np

# CombinedNonMaxSuppression's outputs, by index (TensorFlow's op definition)
COMBINED_NMS_ROLES = ("boxes", "scores", "classes", "count")
NMS_OPS = ("CombinedNonMaxSuppression",)
MATCH_IOU = 0.5


def nms_outputs(frozen_signature, signature) -> dict[str, str] | None:
    """Role (boxes, scores, classes, count) -> signature output name, where every role comes from one NMS op."""
    graph_def = signature.graph.as_graph_def()
    nodes = list(graph_def.node) + [n for f in graph_def.library.function for n in f.node_def]
    if not any(n.op in NMS_OPS for n in nodes):
        return None  # a quick read of the graph: most models have no NMS, and freezing costs time
    frozen = frozen_signature()
    by_name = {n.name: n for n in frozen.graph_def.node}
    roles: dict[str, str] = {}
    sources = set()
    for output, tensor in frozen.output_tensors.items():
        node, index = _source(by_name, tensor)
        if node is not None and node.op in NMS_OPS:
            roles[COMBINED_NMS_ROLES[index]] = output
            sources.add(node.name)
    return roles if len(sources) == 1 and set(roles) == set(COMBINED_NMS_ROLES) else None


def _source(by_name: dict, tensor: str):
    """The node (and output index) a tensor comes from, through Identity and IdentityN."""
    name, _, index = tensor.partition(":")
    node, idx = by_name.get(name), int(index or 0)
    while node is not None and node.op in ("Identity", "IdentityN"):
        ref = node.input[idx if node.op == "IdentityN" else 0]
        name, _, index = ref.partition(":")
        node, idx = by_name.get(name), int(index or 0)
    return node, idx


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of box a against boxes b, (y1, x1, y2, x2) as TensorFlow writes them."""
    top, left = np.maximum(a[0], b[:, 0]), np.maximum(a[1], b[:, 1])
    bottom, right = np.minimum(a[2], b[:, 2]), np.minimum(a[3], b[:, 3])
    inter = np.clip(bottom - top, 0, None) * np.clip(right - left, 0, None)
    area = lambda x: np.abs((x[..., 2] - x[..., 0]) * (x[..., 3] - x[..., 1]))  # noqa: E731
    union = area(a) + area(b) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def match(ref: dict[str, np.ndarray], got: dict[str, np.ndarray], roles: dict[str, str]) -> tuple[dict, dict, float]:
    """Both sides' NMS outputs for comparison on matched detections, and the share of reference detections found.

    The variant's detections are reordered so each sits where the reference has the same detection (same class,
    highest IoU >= 0.5); a reference detection the variant lacks, and a variant detection the reference lacks,
    are zeroed on both sides: they count in the agreement, not in the error figures of the matched ones."""
    boxes, scores, classes, count = (roles[r] for r in COMBINED_NMS_ROLES)
    out = {k: np.array(got[k], copy=True) for k in (boxes, scores, classes)}
    kept = {k: np.array(ref[k], copy=True) for k in (boxes, scores, classes)}
    found = total = 0
    for i in range(len(ref[boxes])):
        n_ref, n_got = int(ref[count][i]), int(got[count][i])
        free = list(range(n_got))
        order: list[int | None] = []
        for j in range(n_ref):
            same = [k for k in free if got[classes][i][k] == ref[classes][i][j]]
            ious = _iou(ref[boxes][i][j], got[boxes][i][same]) if same else np.zeros(0)
            best = int(np.argmax(ious)) if len(ious) else -1
            if best >= 0 and ious[best] >= MATCH_IOU:
                order.append(same[best])
                free.remove(same[best])
                found += 1
            else:
                order.append(None)
        total += n_ref
        # matched detections where the reference has theirs, the rest in their own order after them
        rest = iter(free + list(range(n_got, len(got[boxes][i]))))
        permutation = [k if k is not None else next(rest) for k in order] + list(rest)
        matched = np.array([k is not None for k in order] + [False] * (len(permutation) - len(order)))
        for key in (boxes, scores, classes):
            out[key][i] = got[key][i][permutation]
            out[key][i][~matched] = 0
            kept[key][i][~matched] = 0
    return {**ref, **kept}, {**got, **out}, (found / total if total else 1.0)
