import { describe, expect, it } from 'vitest';
import { loadPlatformRegistry } from '../platforms/platform-registry';
import { ConfigFileError } from '../utils/format-issues';
import { resolveModelConfig } from './load-model-config';

const registry = loadPlatformRegistry();
const file = 'models/demo/tf2aif.json';

const valid = {
  task: 'classification',
  source: { format: 'script', path: 'build.py' },
  inputs: [{ name: 'image', shape: [null, 8, 8, 1], dtype: 'float32' }],
  calibration: { loader: 'data.py' },
  platforms: { cpu: {}, arm: { precision: 'int8' }, gpu: { batchSize: 4 } },
};

function problems(config: unknown): string[] {
  try {
    resolveModelConfig(typeof config === 'string' ? config : JSON.stringify(config), file, registry);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigFileError);
    expect((e as Error).message).toContain(file);
    return (e as ConfigFileError).problems;
  }
  throw new Error('expected the config to be rejected');
}

describe('resolveModelConfig', () => {
  it('resolves platform defaults from the descriptors', () => {
    const model = resolveModelConfig(JSON.stringify(valid), file, registry);
    expect(model.name).toBe('demo');
    expect(model.variants.map((v) => [v.project, v.runtime, v.precision, v.batchSize, v.quantizer])).toEqual([
      ['demo-cpu', 'tflite', 'fp32', 1, null],
      ['demo-arm', 'tflite', 'int8', 1, 'tflite_int8'],
      ['demo-gpu', 'onnxruntime-tensorrt', 'int8', 4, 'tensorrt_calibration'],
    ]);
    expect(model.config.verify.samples).toBe(32);
    expect(model.config.serving.mode).toBe('LAT');
  });

  it('lets several variants share a platform under names of their own', () => {
    const config = { ...valid, platforms: { cpu: {}, 'cpu-openvino': { platform: 'cpu', runtime: 'openvino' } } };
    const model = resolveModelConfig(JSON.stringify(config), file, registry);
    expect(model.variants.map((v) => [v.key, v.project, v.platform.name, v.runtime])).toEqual([
      ['cpu', 'demo-cpu', 'cpu', 'tflite'],
      ['cpu-openvino', 'demo-cpu-openvino', 'cpu', 'openvino'],
    ]);
    expect(problems({ ...valid, platforms: { fast: { platform: 'tpu' } } })).toEqual([
      expect.stringMatching(/^platforms\.fast\.platform: unknown platform "tpu"/),
    ]);
  });

  it('names an unknown platform and lists the known ones', () => {
    const [p] = problems({ ...valid, platforms: { cpux: {} } });
    expect(p).toMatch(/^platforms\.cpux: unknown platform "cpux" \(known: .*cpu.*\)/);
  });

  it('points at a negative batch size', () => {
    expect(problems({ ...valid, platforms: { gpu: { batchSize: -2 } } })).toEqual([expect.stringMatching(/^platforms\.gpu\.batchSize: /)]);
  });

  it('points at a missing input list and at an empty one', () => {
    const { inputs: _, ...noInputs } = valid;
    expect(problems(noInputs)).toEqual([expect.stringMatching(/^inputs: /)]);
    expect(problems({ ...valid, inputs: [] })).toEqual(['inputs: a model needs at least one input']);
  });

  it('points at a field with a wrong type inside an array', () => {
    expect(problems({ ...valid, inputs: [{ name: 'image', shape: [null, 'eight'] }] })).toEqual([
      expect.stringMatching(/^inputs\[0\]\.shape\[1\]: /),
    ]);
  });

  it('takes a valid range per input and points at a bad one', () => {
    const ids = { name: 'ids', shape: [null, 4], dtype: 'int32' };
    const model = resolveModelConfig(JSON.stringify({ ...valid, inputs: [{ ...ids, range: [0, 49] }] }), file, registry);
    expect(model.config.inputs[0].range).toEqual([0, 49]);
    expect(resolveModelConfig(JSON.stringify(valid), file, registry).config.inputs[0].range).toBeUndefined();
    expect(problems({ ...valid, inputs: [valid.inputs[0], { ...ids, range: [5, 1] }] })).toEqual([
      'inputs[1].range: min must not exceed max, got [5, 1]',
    ]);
    expect(problems({ ...valid, inputs: [{ ...ids, range: [0, 0.5] }] })).toEqual([
      'inputs[0].range: must be whole numbers for dtype int32, got [0, 0.5]',
    ]);
    expect(problems({ ...valid, inputs: [{ ...ids, dtype: 'int8', range: [0, 300] }] })).toEqual([
      'inputs[0].range: must lie within [-128, 127] for dtype int8, got [0, 300]',
    ]);
    expect(problems({ ...valid, inputs: [{ ...ids, range: [0] }] })).toEqual([expect.stringMatching(/^inputs\[0\]\.range: /)]);
  });

  it('names a misspelt field', () => {
    expect(problems({ ...valid, platfroms: {} })).toContain('platfroms: unknown field "platfroms"');
  });

  it('rejects a precision the platform cannot deploy', () => {
    expect(problems({ ...valid, platforms: { alveo: { precision: 'fp32' } } })).toEqual([
      expect.stringMatching(/^platforms\.alveo\.precision: alveo with runtime vitis-ai supports int8, not "fp32"/),
    ]);
  });

  it('refuses random calibration for a trained model', () => {
    expect(problems({ ...valid, calibration: { random: true } })).toEqual([
      'calibration.random: random calibration is only allowed when "trained" is false',
    ]);
  });

  it('asks for a loader when there is no calibration data', () => {
    expect(problems({ ...valid, calibration: undefined })).toEqual([expect.stringMatching(/^calibration\.loader: required/)]);
  });

  it('gives the line of a JSON syntax error', () => {
    expect(problems('{\n  "task": "classification",\n  oops\n}')).toEqual([expect.stringMatching(/^not valid JSON \(line 3\)/)]);
  });

  it('resolves the fallback runtimes a variant may switch to, and none where tf2aif.json forbids it', () => {
    const model = resolveModelConfig(
      JSON.stringify({ ...valid, platforms: { cpu: {}, arm: {}, 'cpu-int8': {}, alveo: {}, 'cpu-strict': { platform: 'cpu', fallback: false } } }),
      file,
      registry,
    );
    const fallbacks = Object.fromEntries(model.variants.map((v) => [v.key, v.fallbacks.map((f) => [f.runtime, f.quantizer])]));
    expect(fallbacks).toEqual({
      cpu: [['onnxruntime', null]],
      arm: [['onnxruntime', 'onnx_int8']],
      'cpu-int8': [['onnxruntime', 'onnx_int8']],
      alveo: [],
      'cpu-strict': [],
    });
  });

  it('asks for a shape range where an input has unknown dimensions, and checks one against the shape', () => {
    const dynamic = (shapeRange?: unknown) => ({
      ...valid,
      inputs: [{ name: 'image', shape: [null, null, null, 3], ...(shapeRange ? { shapeRange } : {}) }],
    });
    expect(problems(dynamic())).toEqual([
      expect.stringMatching(
        new RegExp(
          String.raw`^inputs\[0\]\.shapeRange: required: shape \[null,null,null,3\] has unknown dimensions .* ` +
            String.raw`e\.g\. \{"min":\[64,64,3\],"opt":\[224,224,3\],"max":\[512,512,3\]\}`,
        ),
      ),
    ]);
    expect(problems(dynamic({ min: [8, 8, 3], opt: [4, 16, 3], max: [32, 32, 1] }))).toEqual([
      'inputs[0].shapeRange.max[2]: dimension 3 of the shape is fixed at 3, got 1',
      'inputs[0].shapeRange: dimension 1: needs min <= opt <= max, got 8, 4, 32',
    ]);
    const model = resolveModelConfig(JSON.stringify(dynamic({ min: [8, 8, 3], opt: [16, 16, 3], max: [32, 32, 3] })), file, registry);
    expect(model.config.inputs[0].shapeRange?.opt).toEqual([16, 16, 3]);
  });
});
