import { readJson, writeJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Tree } from '@nx/devkit';
import { variantGenerator } from './generator';

const config = {
  task: 'classification',
  source: { format: 'script', path: 'build.py' },
  inputs: [{ name: 'image', shape: [null, 8, 8, 1] }],
  calibration: { loader: 'data.py' },
  platforms: { cpu: {}, alveo: {} },
};

describe('variant generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    writeJson(tree, 'models/digits/tf2aif.json', config);
  });

  it('adds platforms with settings and removes others', async () => {
    await variantGenerator(tree, { model: 'digits', add: 'gpu,arm', remove: 'alveo', precision: 'int8', batchSize: 4, skipFormat: true });
    expect(readJson(tree, 'models/digits/tf2aif.json').platforms).toEqual({
      cpu: {},
      gpu: { precision: 'int8', batchSize: 4 },
      arm: { precision: 'int8', batchSize: 4 },
    });
  });

  it('adds variants of their own name on a platform', async () => {
    await variantGenerator(tree, { model: 'digits', add: 'cpu-onnxruntime', platform: 'cpu', runtime: 'onnxruntime', skipFormat: true });
    await variantGenerator(tree, {
      model: 'digits',
      add: 'cpu-tflite-int8',
      platform: 'cpu',
      precision: 'int8',
      ioType: 'float32',
      skipFormat: true,
    });
    expect(readJson(tree, 'models/digits/tf2aif.json').platforms).toEqual({
      cpu: {},
      alveo: {},
      'cpu-onnxruntime': { platform: 'cpu', runtime: 'onnxruntime' },
      'cpu-tflite-int8': { platform: 'cpu', precision: 'int8', ioType: 'float32' },
    });
    await expect(variantGenerator(tree, { model: 'digits', add: 'x', platform: 'fpga' })).rejects.toThrow(/--platform: unknown platform "fpga"/);
    await expect(variantGenerator(tree, { model: 'digits', add: 'cpu-x' })).rejects.toThrow(/needs --platform/);
  });

  it('refuses what the resulting config would not allow, and leaves the file as it was', async () => {
    await expect(variantGenerator(tree, { model: 'digits', add: 'arm', precision: 'fp16' })).rejects.toThrow(
      /platforms\.arm\.precision: arm with runtime tflite supports fp32, int8, not "fp16"/,
    );
    await expect(variantGenerator(tree, { model: 'digits', add: 'fpga' })).rejects.toThrow(/unknown platform "fpga"/);
    await expect(variantGenerator(tree, { model: 'digits', remove: 'gpu' })).rejects.toThrow(/has no platform "gpu"/);
    await expect(variantGenerator(tree, { model: 'nope', add: 'gpu' })).rejects.toThrow(/no tf2aif.json of a model "nope" in the workspace/);
    expect(readJson(tree, 'models/digits/tf2aif.json')).toEqual(config);
  });
});
