import { mkdtempSync, mkdirSync, writeFileSync } from 'fs';
import { existsSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { targetSettings } from '../toolchain/locations';
import { loadPlatformRegistry } from './platform-registry';

const workspaceRoot = join(__dirname, '..', '..', '..', '..');
const adapters = join(workspaceRoot, targetSettings(workspaceRoot).toolchainDir, 'tf2aif_toolchain');

describe('platform registry', () => {
  const registry = loadPlatformRegistry();

  it("holds TF2AIF's pairs and their native-TensorFlow baselines", () => {
    expect([...registry.keys()]).toEqual(
      expect.arrayContaining(['agx', 'agx-tf', 'alveo', 'arm', 'arm-tf', 'cpu', 'cpu-tf', 'gpu', 'gpu-tf', 'versal', 'zynq']),
    );
    expect(registry.get('arm')?.arch).toBe('arm64');
    expect(registry.get('gpu-tf')?.baselineOf).toBe('gpu');
  });

  it('names only adapters that exist in the Python toolchain', () => {
    for (const platform of registry.values()) {
      for (const [runtime, rt] of Object.entries(platform.runtimes)) {
        const modules = [
          ['converters', rt.converter],
          ['runtimes', rt.executor],
          ...Object.values(rt.precisions).filter((q) => q !== 'none').map((q) => ['quantizers', q]),
          ...(rt.compiler ? [['compilers', rt.compiler]] : []),
        ];
        expect(existsSync(join(adapters, '..', 'serve-requirements', `${rt.serve.requirements}.in`)), `${platform.name}: ${rt.serve.requirements}.in`).toBe(true);
        for (const [kind, name] of modules) {
          expect(existsSync(join(adapters, kind, `${name}.py`)), `${platform.name}/${runtime}: ${kind}/${name}.py`).toBe(true);
        }
      }
    }
  });

  it('rejects a descriptor whose default runtime it does not offer, naming file and field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf2aif-platforms-'));
    mkdirSync(join(dir, 'bad'));
    writeFileSync(
      join(dir, 'bad', 'platform.json'),
      JSON.stringify({
        name: 'bad',
        title: 'Bad',
        arch: 'amd64',
        hardware: 'none',
        image: { base: 'python:3.11-slim-bookworm' },
        runtimes: { tflite: { converter: 'tflite', precisions: { fp32: 'none' }, executor: 'tflite', serve: { requirements: 'tflite' } } },
        defaults: { runtime: 'onnx', precision: 'fp32', batchSize: 1 },
      }),
    );
    expect(() => loadPlatformRegistry([dir])).toThrow(/bad[/\\]platform\.json is not valid:\n {2}- defaults\.runtime: "onnx" is not one of runtimes: tflite/);
  });
});
