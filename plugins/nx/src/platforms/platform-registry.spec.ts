import { cpSync, existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { builtInPlatformsDir, toolchainPackageDir } from '../plugin/plugin-package';
import { toolchainManifest } from '../toolchain/python-toolchain';
import { loadPlatformRegistry } from './platform-registry';
import { minimalDescriptor } from '../../test-support/platform-fixtures';

/** a descriptor whose default runtime is not one it offers */
const badDescriptor = { ...minimalDescriptor, name: 'bad', defaults: { ...minimalDescriptor.defaults, runtime: 'onnx' } };

describe('platform registry', () => {
  const registry = loadPlatformRegistry();

  it("holds TF2AIF's pairs and their native-TensorFlow baselines", () => {
    expect([...registry.keys()]).toEqual(
      expect.arrayContaining(['agx', 'agx-tf', 'alveo', 'arm', 'arm-tf', 'cpu', 'cpu-tf', 'gpu', 'gpu-tf', 'versal', 'zynq']),
    );
    expect(registry.get('arm')?.arch).toBe('arm64');
    expect(registry.get('gpu-tf')?.baselineOf).toBe('gpu');
  });

  it('names only modules that exist in the toolchain wheel, and image locks the package ships', () => {
    const shipped = new Set(Object.keys(toolchainManifest().sources));
    for (const platform of registry.values()) {
      for (const [runtime, rt] of Object.entries(platform.runtimes)) {
        const modules = [
          ['converters', rt.converter],
          ['runtimes', rt.executor],
          ...Object.values(rt.precisions)
            .filter((q) => q !== 'none')
            .map((q) => ['quantizers', q]),
          ...(rt.compiler ? [['compilers', rt.compiler]] : []),
        ];
        const lock = `${rt.serve.requirements}-${platform.arch}.lock`;
        expect(existsSync(join(toolchainPackageDir, 'serve-requirements', lock)), `${platform.name}: ${lock}`).toBe(true);
        for (const [kind, name] of modules) {
          expect(shipped.has(`tf2aif_toolchain/${kind}/${name}.py`), `${platform.name}/${runtime}: ${kind}/${name}.py`).toBe(true);
        }
      }
    }
  });

  it('rejects a descriptor whose default runtime it does not offer, naming file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf2aif-platforms-'));
    mkdirSync(join(dir, 'bad'));
    writeFileSync(join(dir, 'bad', 'platform.json'), JSON.stringify(badDescriptor));
    expect(() => loadPlatformRegistry(dir)).toThrow(
      /bad[/\\]platform\.json is not valid:\n {2}- defaults\.runtime: "onnx" is not one of runtimes: tflite/,
    );
  });

  it('refuses a fallback that is not another runtime of the platform', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf2aif-platforms-'));
    mkdirSync(join(dir, 'bad'));
    const runtime = minimalDescriptor.runtimes.tflite;
    writeFileSync(
      join(dir, 'bad', 'platform.json'),
      JSON.stringify({ ...minimalDescriptor, name: 'bad', runtimes: { tflite: { ...runtime, fallback: ['tflite', 'onnx'] } } }),
    );
    expect(() => loadPlatformRegistry(dir)).toThrow(
      new RegExp(
        String.raw`runtimes\.tflite\.fallback\[0\]: "tflite" is not another runtime of this platform \(runtimes: tflite\)\n {2}- ` +
          String.raw`runtimes\.tflite\.fallback\[1\]: "onnx"`,
      ),
    );
  });

  it("reads the workspace's own platforms beside the built-in ones, and refuses one that takes a built-in's name", () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf2aif-platforms-'));
    mkdirSync(join(dir, 'mine'));
    writeFileSync(join(dir, 'mine', 'platform.json'), JSON.stringify({ ...minimalDescriptor, name: 'mine' }));
    const withMine = loadPlatformRegistry(dir);
    expect(withMine.get('mine')).toMatchObject({ builtIn: false, dir: join(dir, 'mine') });
    expect(withMine.get('cpu')).toMatchObject({ builtIn: true, dir: join(builtInPlatformsDir, 'cpu') });
    cpSync(join(builtInPlatformsDir, 'cpu'), join(dir, 'cpu'), { recursive: true });
    expect(() => loadPlatformRegistry(dir)).toThrow(/platform "cpu" is already a built-in platform; pick another name/);
  });
});
