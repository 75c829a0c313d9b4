import os

os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"  # TensorFlow crashes here with oneDNN on (REFERENCE.md)
