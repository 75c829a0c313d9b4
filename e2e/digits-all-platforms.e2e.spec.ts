import { readFileSync, readdirSync, writeFileSync } from 'fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDuplicateOutputs, formatDuplicates } from './support/duplicate-outputs';
import { createTempWorkspace, type TempWorkspace } from './support/temp-workspace';

const variants = ['cpu', 'cpu-onnxruntime', 'cpu-openvino', 'cpu-tf', 'arm', 'gpu', 'gpu-fp16', 'agx', 'alveo'];

describe('every converter on digits, in a fresh workspace', () => {
  let ws: TempWorkspace;
  const verify = (v: string) => JSON.parse(readFileSync(ws.path(`dist/variants/digits-${v}/verify/verify.json`), 'utf8'));
  const convert = (v: string, step: string) => JSON.parse(readFileSync(ws.path(`dist/variants/digits-${v}/${step}/artifact.json`), 'utf8'));

  beforeAll(() => {
    ws = createTempWorkspace({ models: ['digits'] });
    const file = ws.path('models/digits/tf2aif.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    config.platforms = {
      ...config.platforms,
      'cpu-onnxruntime': { platform: 'cpu', runtime: 'onnxruntime' },
      'cpu-openvino': { platform: 'cpu', runtime: 'openvino' },
      'gpu-fp16': { platform: 'gpu', precision: 'fp16' },
    };
    writeFileSync(file, JSON.stringify(config, null, 2));
  });
  afterAll(() => ws?.dispose());

  it('converts, quantizes and verifies every variant against the TensorFlow original', async () => {
    const run = await ws.nx('run-many', '-t', 'verify', '--projects=digits-*', '--parallel=2');
    expect(run.exitCode, run.output).toBe(0);
    for (const v of variants) {
      const result = verify(v);
      expect(result.passed, v).toBe(true);
      expect(result.samples, v).toBe(256);
      expect(result.outputs.output_0.top1Agreement, v).toBeGreaterThanOrEqual(0.99);
    }
    expect(convert('cpu-openvino', 'convert')).toMatchObject({ format: 'openvino-ir', artifact: 'openvino_model' });
    expect(convert('cpu-onnxruntime', 'convert')).toMatchObject({ format: 'onnx', batchSize: 1 });
    expect(convert('gpu', 'convert')).toMatchObject({ format: 'onnx', batchSize: 8 });
    expect(convert('gpu-fp16', 'quantize')).toMatchObject({ precision: 'fp16' });
    expect(convert('gpu', 'quantize')).toMatchObject({ precision: 'int8', calibrationTable: expect.any(String), calibration: { samples: 200 } });
    expect(convert('alveo', 'quantize')).toMatchObject({ precision: 'int8', method: expect.stringMatching(/power-of-two|XINT8/) });
    expect(convert('arm', 'quantize')).toMatchObject({ precision: 'int8', ioType: 'uint8' });
  });

  it('computes each artifact once: no two tasks wrote the same bytes (a variant links the export it starts from)', () => {
    const report = findDuplicateOutputs(ws.path('dist'));
    expect(report.duplicates, formatDuplicates(report)).toEqual([]);
    expect(report.links).toBeGreaterThan(0);
    // five converter runs serve nine variants: the float TFLite (cpu, arm), ONNX at batch 1 (cpu-onnxruntime, agx, and
    // the TFLite variants' fallback) and 8 (gpu, gpu-fp16, alveo), the OpenVINO IR, the SavedModel (cpu-tf)
    expect(readdirSync(ws.path('dist/shared/digits')).sort()).toEqual([
      'calibrate-tensorrt_calibration',
      'calibrate-tflite_int8',
      'onnx-batch1',
      'onnx-batch8',
      'openvino',
      'reference',
      'savedmodel',
      'tflite-batch1',
    ]);
  });

  it('keeps INT8 top-1 accuracy on held-out digits within 1 point of the original', () => {
    for (const v of ['arm', 'gpu', 'agx', 'alveo']) {
      const { accuracy, precision } = verify(v);
      expect(precision, v).toBe('int8');
      expect(accuracy.samples, v).toBe(256);
      expect(accuracy.reference, v).toBeGreaterThan(0.9);
      expect(accuracy.deltaPoints, v).toBeGreaterThanOrEqual(-1);
    }
    expect(verify('gpu').executedWith).toMatch(/INT8 emulated with QDQ/);
  });

  it('fails the Vitis AI compile with what to provide when no Vitis AI image is configured', async () => {
    const run = await ws.nx('run', 'digits-alveo:compile');
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toMatch(/TF2AIF_VITIS_AI_IMAGE is not set/);
  });
});
