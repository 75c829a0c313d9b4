import { readJson, readNxJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { describe, expect, it, vi } from 'vitest';
import { modelGenerator } from './generator';

const signature = {
  inputs: [{ name: 'pixels', shape: [null, 32, 32, 3], dtype: 'float32' }],
  outputs: [{ name: 'output_0', shape: [null, 10], dtype: 'float32' }],
};

describe('model generator', () => {
  it('scaffolds tf2aif.json with the inputs read from the model, and a loader stub', async () => {
    const tree = createTreeWithEmptyWorkspace();
    const inspect = vi.fn(() => signature);
    await modelGenerator(tree, { name: 'cifar', source: 'weights/cifar_savedmodel', skipFormat: true }, inspect);
    expect(inspect).toHaveBeenCalledWith('savedmodel', expect.stringMatching(/weights\/cifar_savedmodel$/));
    const config = readJson(tree, 'models/cifar/tf2aif.json');
    expect(config).toMatchObject({
      task: 'classification',
      source: { format: 'savedmodel', path: '../../weights/cifar_savedmodel' },
      inputs: signature.inputs,
      calibration: { loader: 'calibration.py' },
    });
    expect(Object.keys(config.platforms)).toEqual(['alveo', 'arm', 'cpu', 'cpu-tf', 'gpu', 'agx'].sort((a, b) => a.localeCompare(b)));
    expect(tree.read('models/cifar/calibration.py', 'utf8')).toContain('pixels: [None, 32, 32, 3] float32');
    expect(readNxJson(tree)?.plugins).toContainEqual(expect.objectContaining({ plugin: '@tf2aif/nx' }));
  });

  it('puts tf2aif.json wherever --directory says, with the name it is given', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await modelGenerator(
      tree,
      { name: 'cifar', source: 'apps/vision/export/saved_model', directory: 'apps/vision/tf2aif', skipFormat: true },
      () => signature,
    );
    const config = readJson(tree, 'apps/vision/tf2aif/tf2aif.json');
    expect(config).toMatchObject({ name: 'cifar', source: { format: 'savedmodel', path: '../export/saved_model' } });
    await expect(modelGenerator(tree, { name: 'x', source: 'm', directory: '../outside' }, () => signature)).rejects.toThrow(
      /directory: must be a folder inside the workspace/,
    );
  });

  it('takes explicit inputs and platforms, and an untrained model calibrates on random data', async () => {
    const tree = createTreeWithEmptyWorkspace();
    const inspect = vi.fn();
    await modelGenerator(
      tree,
      {
        name: 'tiny',
        source: 'models/tiny/build.py',
        trained: false,
        platforms: 'cpu,arm',
        inputs: '[{"name":"x","shape":[null,4]}]',
        skipFormat: true,
      },
      inspect,
    );
    expect(inspect).not.toHaveBeenCalled();
    const config = readJson(tree, 'models/tiny/tf2aif.json');
    expect(config.source).toEqual({ format: 'script', path: 'build.py' });
    expect(config.inputs).toEqual([{ name: 'x', shape: [null, 4], dtype: 'float32' }]);
    expect(config.calibration).toMatchObject({ random: true });
    expect(Object.keys(config.platforms)).toEqual(['cpu', 'arm']);
    expect(tree.exists('models/tiny/calibration.py')).toBe(false);
  });

  it('refuses unknown platforms, bad inputs, a script without inputs, and an existing model', async () => {
    const tree = createTreeWithEmptyWorkspace();
    const inspect = () => signature;
    await expect(modelGenerator(tree, { name: 'a', source: 'm', platforms: 'cpu,tpu' }, inspect)).rejects.toThrow(/unknown platform\(s\) tpu/);
    await expect(modelGenerator(tree, { name: 'a', source: 'm', inputs: '[{"name":"x","shape":[0]}]' }, inspect)).rejects.toThrow(
      /--inputs is not valid:\n {2}- \[0\]\.shape\[0\]/,
    );
    await expect(modelGenerator(tree, { name: 'a', source: 'build.py' }, inspect)).rejects.toThrow(/--inputs is required for a build script/);
    await expect(modelGenerator(tree, { name: 'Bad Name', source: 'm' }, inspect)).rejects.toThrow(/name: must be lowercase/);
    await modelGenerator(tree, { name: 'a', source: 'm', skipFormat: true }, inspect);
    await expect(modelGenerator(tree, { name: 'a', source: 'm' }, inspect)).rejects.toThrow(/already exists/);
  });

  it('asks for the shapes of inputs with unknown height and width, and records them as a shape range', async () => {
    const tree = createTreeWithEmptyWorkspace();
    const dynamic = { ...signature, inputs: [{ name: 'image', shape: [null, null, null, 3], dtype: 'float32' }] };
    await expect(modelGenerator(tree, { name: 'fcn', source: 'm', skipFormat: true }, () => dynamic)).rejects.toThrow(
      /input "image" has unknown dimensions \[null,null,null,3\]: .* --shapes="image=64x64x3:224x224x3:512x512x3"/,
    );
    await expect(modelGenerator(tree, { name: 'fcn', source: 'm', shapes: 'image=64x64:1x1:2x2', skipFormat: true }, () => dynamic)).rejects.toThrow(
      /inputs\[0\]\.shapeRange\.min: must have 3 dimension/,
    );
    await expect(modelGenerator(tree, { name: 'fcn', source: 'm', shapes: 'pixels=1x1x3:2x2x3:3x3x3' }, () => dynamic)).rejects.toThrow(
      /--shapes: the model has no input\(s\) pixels/,
    );
    await modelGenerator(tree, { name: 'fcn', source: 'm', shapes: 'image=64x64x3:128x96x3:256x256x3', skipFormat: true }, () => dynamic);
    expect(readJson(tree, 'models/fcn/tf2aif.json').inputs).toEqual([
      { name: 'image', shape: [null, null, null, 3], dtype: 'float32', shapeRange: { min: [64, 64, 3], opt: [128, 96, 3], max: [256, 256, 3] } },
    ]);
    await modelGenerator(
      tree,
      {
        name: 'fcn2',
        source: 'b.py',
        inputs: '[{"name":"image","shape":[null,null,null,3]}]',
        shapes: 'image=8x8x3:16x16x3:32x32x3',
        skipFormat: true,
      },
      () => dynamic,
    );
    expect(readJson(tree, 'models/fcn2/tf2aif.json').inputs[0].shapeRange.opt).toEqual([16, 16, 3]);
  });
});
