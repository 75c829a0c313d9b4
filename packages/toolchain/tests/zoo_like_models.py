"""Tiny versions of the zoo's harder models (recurrent, integer tokens, preprocessing constants, exact GELU),
built through the toolchain's build-model step from a build.py written into the test workspace."""

from __future__ import annotations

from pathlib import Path

from tiny_models import run_step

VOCAB = 300  # above the 0..255 default range of random integer inputs
LENGTH = 6

TOKENS = [{"name": "tokens", "shape": [None, LENGTH], "dtype": "int32"}]
IMAGE = [{"name": "image", "shape": [None, 6, 6, 3], "dtype": "float32"}]


def rnn_source(layer: str = "LSTM", bidirectional: bool = False, mask_zero: bool = False) -> str:
    """Embedding -> LSTM/GRU (optionally bidirectional) -> Dense, over int32 token ids named "tokens"."""
    rnn = f"L.{layer}(4)"
    rnn = f"L.Bidirectional({rnn})" if bidirectional else rnn
    return f"""
import tensorflow as tf
L = tf.keras.layers

def build():
    tokens = tf.keras.Input(({LENGTH},), dtype="int32", name="tokens")
    x = L.Embedding({VOCAB}, 8, mask_zero={mask_zero})(tokens)
    return tf.keras.Model(tokens, L.Dense(3)({rnn}(x)))
"""


EMBEDDING_SOURCE = f"""
import tensorflow as tf
L = tf.keras.layers

def build():
    tokens = tf.keras.Input(({LENGTH},), dtype="int32", name="tokens")
    x = L.GlobalAveragePooling1D()(L.Embedding({VOCAB}, 8)(tokens))
    return tf.keras.Model(tokens, L.Dense(3)(x))
"""

# Rescaling and Normalization hold constants, not variables: tf2onnx used to list them as graph inputs
PREPROCESSING_SOURCE = """
import tensorflow as tf
L = tf.keras.layers

def build():
    image = tf.keras.Input((6, 6, 3), name="image")
    x = L.Rescaling(2.0, offset=-1.0)(image)
    x = L.Normalization(mean=[0.4, 0.5, 0.6], variance=[0.05, 0.06, 0.07])(x)
    x = L.GlobalAveragePooling2D()(L.Conv2D(4, 3, activation="relu")(x))
    return tf.keras.Model(image, L.Dense(3)(x))
"""

# Keras 3's exact GELU computes 0.5 * x * erfc(-x / sqrt(2)): an Erfc op tf2onnx has no handler for
GELU_SOURCE = """
import tensorflow as tf
L = tf.keras.layers

def build():
    image = tf.keras.Input((6, 6, 3), name="image")
    x = L.Flatten()(image)
    x = L.Dense(16, activation="gelu")(x)  # Keras 3's "gelu" is the exact one (approximate=False)
    return tf.keras.Model(image, L.Dense(3)(x))
"""


# Keras 3 runs a grouped convolution (ConvNeXt's depthwise blocks) in a function for XLA, marked never to be
# inlined: tf2onnx could not convert the call op
GROUPED_CONV_SOURCE = """
import tensorflow as tf
L = tf.keras.layers

def build():
    image = tf.keras.Input((6, 6, 4), name="image")
    x = L.Conv2D(4, 3, padding="same", groups=4)(image)
    return tf.keras.Model(image, L.Dense(3)(L.GlobalAveragePooling2D()(x)))
"""


def build_model(ws: Path, name: str, source: str, inputs: list[dict], seed: int = 1) -> str:
    """models/<name>/build.py -> dist/models/<name>; returns the modelPath a variant job names."""
    (ws / "models" / name).mkdir(parents=True, exist_ok=True)
    (ws / "models" / name / "build.py").write_text(source)
    return run_build_model(ws, name, inputs, {"format": "script", "path": "build.py", "seed": seed})


def run_build_model(ws: Path, name: str, inputs: list[dict], source: dict) -> str:
    """The build-model step over models/<name> (`source`: tf2aif.json's, relative to that folder) into
    dist/models/<name>; returns the modelPath a variant job names."""
    run_step("build-model", ws, ws / "dist/models" / name, inputs, model=name, modelDir=f"models/{name}", source=source)
    return f"dist/models/{name}"
