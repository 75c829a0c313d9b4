import type { ResolvedModel, ResolvedVariant } from '../config/load-model-config';

/**
 * A model's exports: each converter's output at one batch size, computed once and shared by every variant that
 * starts from it (resnet50's FP32 ONNX at batch 8 serves gpu and alveo; its float TFLite serves cpu, arm and the
 * TFLite INT8 variants). A variant's convert step links to the export of its runtime's converter, or of a fallback
 * runtime's where that converter refused an op, so each of those exports is a dependency of the variant.
 */

/** Converters whose output does not depend on the batch size: the OpenVINO IR keeps the batch dimension as the
 * model has it, the native baseline is the SavedModel itself. Every other converter (ONNX fixes the batch; TFLite
 * does for a recurrent model; a workspace's own converter may) gets one export per batch size. */
const batchFree = new Set(['openvino', 'savedmodel']);

/** The export's name, unique within the model: `onnx-batch8`, `tflite-batch1`, `openvino`. */
export function exportKey(converter: string, batchSize: number): string {
  return batchFree.has(converter) ? converter : `${converter}-batch${batchSize}`;
}

export interface VariantExport {
  runtime: string;
  converter: string;
  key: string;
}

/** The exports a variant's convert step may start from, in the order it tries them: its runtime's, then its
 * fallback runtimes'. */
export function variantExports(v: ResolvedVariant): VariantExport[] {
  const runtimes = [
    { runtime: v.runtime, converter: v.runtimeDescriptor.converter },
    ...v.fallbacks.map((f) => ({ runtime: f.runtime, converter: f.descriptor.converter })),
  ];
  return runtimes.map((r) => ({ ...r, key: exportKey(r.converter, v.batchSize) }));
}

export interface ModelExport {
  key: string;
  converter: string;
  batchSize: number;
  /** the variant projects that start from it */
  consumers: string[];
  /** where no variant starts from it first, only a fallback: the exports whose refusal of an op makes it needed (it
   * converts nothing while they all succeed); null where a variant's own runtime needs it */
  onlyIfRefused: string[] | null;
}

/** Every export the model's variants start from, each once. */
export function modelExports(model: ResolvedModel): ModelExport[] {
  const byKey = new Map<string, ModelExport>();
  const primaries = new Map<string, Set<string>>();
  for (const v of model.variants) {
    const [first, ...fallbacks] = variantExports(v);
    for (const e of [first, ...fallbacks]) {
      // a batch-free export runs at batch 1, whatever its consumers' batch: its settings are the same for all
      const batchSize = batchFree.has(e.converter) ? 1 : v.batchSize;
      const found = byKey.get(e.key) ?? { key: e.key, converter: e.converter, batchSize, consumers: [], onlyIfRefused: null };
      found.consumers.push(v.project);
      byKey.set(e.key, found);
      const needers = primaries.get(e.key) ?? new Set<string>();
      needers.add(e === first ? '' : first.key); // '': some variant's own runtime
      primaries.set(e.key, needers);
    }
  }
  for (const [key, needers] of primaries) {
    if (!needers.has('')) byKey.get(key)!.onlyIfRefused = [...needers];
  }
  return [...byKey.values()];
}

/** The export's Nx project: its own project, so that adding or dropping one never changes the model project's
 * configuration (which Nx hashes into every task of that project). */
export const exportProjectName = (model: string, key: string) => `${model}-export-${key}`;

/** Quantizers whose calibration does not depend on the variant: TensorRT's ranges are the same at every batch size, so
 * gpu and agx calibrate once (the model's calibrate project) and each variant links the table and its emulation;
 * TFLite calibrates once for arm and cpu's TFLite INT8, and each quantizes the calibrated model with its I/O type. */
const sharedCalibrationQuantizers = new Set(['tensorrt_calibration', 'tflite_int8']);

export interface ModelCalibration {
  quantizer: string;
  /** the exports it writes an emulation for, one per batch size its variants run at */
  exports: { key: string; batchSize: number }[];
  consumers: string[];
}

/** Every calibration the model's variants share, each once. */
export function modelCalibrations(model: ResolvedModel): ModelCalibration[] {
  const byQuantizer = new Map<string, ModelCalibration>();
  for (const v of model.variants) {
    if (!v.quantizer || !sharedCalibrationQuantizers.has(v.quantizer)) continue;
    const found = byQuantizer.get(v.quantizer) ?? { quantizer: v.quantizer, exports: [], consumers: [] };
    const key = exportKey(v.runtimeDescriptor.converter, v.batchSize);
    if (!found.exports.some((e) => e.key === key)) found.exports.push({ key, batchSize: v.batchSize });
    found.consumers.push(v.project);
    byQuantizer.set(v.quantizer, found);
  }
  return [...byQuantizer.values()];
}

/** The shared calibration a variant's quantize step links, if its quantizer has one. */
export const sharesCalibration = (v: ResolvedVariant) => v.quantizer !== null && sharedCalibrationQuantizers.has(v.quantizer);

export const calibrationKey = (quantizer: string) => `calibrate-${quantizer}`;
export const calibrationProjectName = (model: string, quantizer: string) => `${model}-${calibrationKey(quantizer)}`;
