"""Process settings that must be in place before TensorFlow is imported."""

import os
import warnings

# TensorFlow 2.21 with oneDNN crashes with SIGFPE on the first conv on some AVX-512 machines.
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if os.environ.get("TF2AIF_DEBUG") else "3")


# tf.lite.Interpreter's deprecation notice fires on every converter import; we run LiteRT's interpreter.
warnings.filterwarnings("ignore", message=r"(?s).*Warning: tf\.lite\.Interpreter.*")


def import_tensorflow():
    """TensorFlow, imported with the settings above and its Python logger quietened."""
    import tensorflow as tf  # noqa: PLC0415 (deliberately late: the env above must be set first)

    tf.get_logger().setLevel("ERROR")
    return tf


def import_nncf():
    """NNCF, told it runs in CI (it reads that once, at import, and otherwise sends usage statistics: a build
    step should not phone home), with its rich progress bars as plain lines on stderr (animated on stdout
    otherwise whenever FORCE_COLOR is set, as Nx sets it), like the rest of the toolchain's progress."""
    import sys  # noqa: PLC0415

    os.environ.setdefault("NNCF_CI", "1")
    import nncf  # noqa: PLC0415 (heavy, only when used)

    try:
        import rich  # noqa: PLC0415 (NNCF's own dependency)

        rich.reconfigure(file=sys.stderr, force_terminal=False, force_interactive=False)
    except ImportError:
        pass
    return nncf
