"""Why a variant misses its tolerance: where an INT8 model loses accuracy, layer by layer (ONNX QDQ models in
int8_error_profile, TFLite INT8 models in int8_error_profile_tflite). verify names the worst layers from them, and
mixed precision keeps those in float."""
