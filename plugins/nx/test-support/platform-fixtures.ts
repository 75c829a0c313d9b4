/**
 * The smallest platform.json the registry takes: one TFLite FP32 runtime on amd64, no optional field. Tests spread it
 * and change the field they are about.
 */
export const minimalDescriptor = {
  name: 'minimal',
  title: 'Minimal',
  arch: 'amd64',
  hardware: 'an x86-64 CPU',
  image: { base: 'python:3.11-slim-bookworm' },
  runtimes: { tflite: { converter: 'tflite', precisions: { fp32: 'none' }, executor: 'tflite', serve: { requirements: 'tflite' } } },
  defaults: { runtime: 'tflite', precision: 'fp32', batchSize: 1 },
};
