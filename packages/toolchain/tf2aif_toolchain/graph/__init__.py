"""The model's TensorFlow graph as build-model and the converters read and change it: the SavedModel's serving
signature (savedmodel), frozen at a static batch (static_signature), prepared for converters (prepare), checked for
training-time behaviour (inference_mode), and read for valid input ranges (input_ranges) and FLOPs (flops)."""
