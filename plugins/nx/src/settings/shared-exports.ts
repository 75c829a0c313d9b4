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
  const runtimes = [{ runtime: v.runtime, converter: v.runtimeDescriptor.converter }, ...v.fallbacks.map((f) => ({ runtime: f.runtime, converter: f.descriptor.converter }))];
  return runtimes.map((r) => ({ ...r, key: exportKey(r.converter, v.batchSize) }));
}

export interface ModelExport {
  key: string;
  converter: string;
  batchSize: number;
  /** the variant projects that start from it */
  consumers: string[];
}

/** Every export the model's variants start from, each once. */
export function modelExports(model: ResolvedModel): ModelExport[] {
  const byKey = new Map<string, ModelExport>();
  for (const v of model.variants) {
    for (const e of variantExports(v)) {
      // a batch-free export runs at batch 1, whatever its consumers' batch: its settings are the same for all
      const batchSize = batchFree.has(e.converter) ? 1 : v.batchSize;
      const found = byKey.get(e.key) ?? { key: e.key, converter: e.converter, batchSize, consumers: [] };
      found.consumers.push(v.project);
      byKey.set(e.key, found);
    }
  }
  return [...byKey.values()];
}

/** The export's Nx project: its own project, so that adding or dropping one never changes the model project's
 * configuration (which Nx hashes into every task of that project). */
export const exportProjectName = (model: string, key: string) => `${model}-export-${key}`;
