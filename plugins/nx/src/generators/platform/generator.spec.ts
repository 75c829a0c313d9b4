import { readJson, writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { execFileSync, spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { loadPlatformRegistry } from '../../platforms/platform-registry';
import { packageDir } from '../../plugin/plugin-package';
import { defaultLocations, platformGenerator, type PlatformGeneratorOptions } from './generator';
import { ensurePythonToolchain, toolchainEnv } from '../../toolchain/python-toolchain';

/** the workspace folders the generator writes into (the plugin options' defaults) */
const locations = { platformsDir: 'tf2aif/platforms', adaptersDir: 'tf2aif/adapters' };
const adapters = locations.adaptersDir;
const platforms = locations.platformsDir;
const repoRoot = join(packageDir, '..', '..');

/** Writes the tree's files under a temp folder, as `nx g` would flush them. */
function flush(tree: Tree, root: string) {
  for (const change of tree.listChanges()) {
    if (change.type === 'DELETE') continue;
    mkdirSync(dirname(join(root, change.path)), { recursive: true });
    writeFileSync(join(root, change.path), change.content!);
  }
}

describe('platform generator', () => {
  let tree: Tree;
  const temps: string[] = [];
  const temp = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf2aif-platform-gen-'));
    temps.push(dir);
    return dir;
  };
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
  });
  afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));
  /** runs the generator as `nx g` would (without formatting) and returns the descriptor it wrote */
  const generate = async (options: PlatformGeneratorOptions) => {
    await platformGenerator(tree, { ...options, skipFormat: true }, locations);
    return readJson(tree, `${platforms}/${options.name}/platform.json`);
  };
  /** runs the generator, then writes its files into a fresh temp workspace as `nx g` would, and returns that folder */
  const scaffold = async (options: PlatformGeneratorOptions) => {
    await generate(options);
    const ws = temp();
    flush(tree, ws);
    return ws;
  };

  it('scaffolds a descriptor the registry loads, and a stub and a test only for the new quantizer', async () => {
    const before = new Set(tree.listChanges().map((c) => c.path));
    const descriptor = await generate({
      name: 'x86-int8',
      title: 'x86-64 CPU, INT8 (OpenVINO, NNCF)',
      hardware: 'an x86-64 CPU (VNNI or AMX for full INT8 speed)',
      runtime: 'openvino',
      converter: 'openvino',
      precision: 'int8',
      quantizer: 'my_ov_int8',
      executor: 'openvino',
      requirements: 'openvino',
    });
    expect(descriptor).toMatchObject({
      name: 'x86-int8',
      title: 'x86-64 CPU, INT8 (OpenVINO, NNCF)',
      arch: 'amd64',
      hardware: 'an x86-64 CPU (VNNI or AMX for full INT8 speed)',
      defaultEnabled: false,
      image: { base: 'python:3.11-slim-bookworm', env: {}, runArgs: [] },
      runtimes: {
        openvino: { converter: 'openvino', precisions: { int8: 'my_ov_int8' }, executor: 'openvino', serve: { requirements: 'openvino' } },
      },
      defaults: { runtime: 'openvino', precision: 'int8', batchSize: 1 },
    });
    expect(descriptor.kubernetes).toEqual({ nodeSelector: { 'kubernetes.io/arch': 'amd64' } }); // placement, from --arch

    const changes = tree.listChanges().filter((c) => !before.has(c.path));
    expect(changes.every((c) => c.type === 'CREATE')).toBe(true); // it only adds files
    expect(changes.map((c) => c.path).sort()).toEqual(
      // the package's own modules (converters/openvino.py, runtimes/openvino.py) are used as they are
      [`${adapters}/quantizers/my_ov_int8.py`, `${adapters}/tests/test_x86_int8_platform.py`, `${platforms}/x86-int8/platform.json`].sort(),
    );

    const stub = tree.read(`${adapters}/quantizers/my_ov_int8.py`, 'utf8')!;
    expect(stub).toContain('def quantize(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, out_dir: Path) -> dict:');
    expect(stub).toContain(`FILE = "${adapters}/quantizers/my_ov_int8.py"`);
    expect(stub).toMatch(/raise ToolchainError\(\s*f"quantizer my_ov_int8 .* is not implemented yet: fill in \{FILE\}"/);
    const test = tree.read(`${adapters}/tests/test_x86_int8_platform.py`, 'utf8')!;
    expect(test).toContain('PRECISIONS = {"int8": "my_ov_int8"}');
    expect(test).toContain('CONVERTER = "openvino"');
    expect(test).toContain('COMPILER = None');
    expect(test).toContain('openvino -> my_ov_int8 -> openvino on a tiny Keras model'); // not HTML-escaped

    const ws = temp();
    flush(tree, ws);
    const registry = loadPlatformRegistry(join(ws, platforms));
    expect(registry.get('x86-int8')?.builtIn).toBe(false);
    expect(registry.get('x86-int8')?.runtimes.openvino.precisions).toEqual({ int8: 'my_ov_int8' });
  });

  it('writes stubs for every new module, a template of its own, and takes per-precision quantizers', async () => {
    const descriptor = await generate({
      name: 'npu',
      arch: 'arm64',
      converter: 'npu_convert',
      precisions: 'fp32,fp16,int8',
      precision: 'int8',
      quantizer: 'fp16:npu_fp16,int8:npu_int8',
      executor: 'npu_runtime',
      compiler: 'npu_compile',
      baseImage: 'vendor/npu-runtime:1.0',
      batchSize: 4,
      ownTemplate: true,
    });
    expect(descriptor).toMatchObject({
      title: 'npu: npu-runtime FP32/FP16/INT8',
      arch: 'arm64',
      hardware: 'an ARM64 (aarch64) CPU',
      kubernetes: { nodeSelector: { 'kubernetes.io/arch': 'arm64' } },
      image: { base: 'vendor/npu-runtime:1.0' },
      runtimes: {
        'npu-runtime': {
          converter: 'npu_convert',
          precisions: { fp32: 'none', fp16: 'npu_fp16', int8: 'npu_int8' },
          executor: 'npu_runtime',
          compiler: 'npu_compile',
          serve: { requirements: 'npu-runtime' },
        },
      },
      defaults: { runtime: 'npu-runtime', precision: 'int8', batchSize: 4 },
    });
    for (const file of [
      'converters/npu_convert.py',
      'quantizers/npu_fp16.py',
      'quantizers/npu_int8.py',
      'runtimes/npu_runtime.py',
      'compilers/npu_compile.py',
    ]) {
      expect(tree.read(`${adapters}/${file}`, 'utf8'), file).toContain(`is not implemented yet: fill in {FILE}`);
    }
    expect(tree.read(`${adapters}/converters/npu_convert.py`, 'utf8')).toContain('def convert(job: Job, saved_model: Path, out_dir: Path) -> dict:');
    expect(tree.read(`${adapters}/runtimes/npu_runtime.py`, 'utf8')).toContain('def load(artifact_dir: Path, meta: dict) -> Runner:');
    expect(tree.read(`${adapters}/compilers/npu_compile.py`, 'utf8')).toContain(
      'def compile(job: Job, artifact_dir: Path, meta: dict, out_dir: Path) -> dict:',
    );
    expect(tree.read(`${adapters}/tests/test_npu_platform.py`, 'utf8')).toContain(
      'PRECISIONS = {"fp32": "none", "fp16": "npu_fp16", "int8": "npu_int8"}',
    );
    expect(tree.read(`${platforms}/npu/server.Dockerfile.ejs`, 'utf8')).toBe(
      readFileSync(join(packageDir, 'templates', 'server.Dockerfile.ejs'), 'utf8'),
    );
  });

  it("reuses the package's and the workspace's modules without writing any Python (a second platform on the same toolchain)", async () => {
    tree.write(`${adapters}/quantizers/my_int8.py`, '# filled in\n');
    const before = new Set(tree.listChanges().map((c) => c.path));
    await platformGenerator(
      tree,
      { name: 'edge-int8', converter: 'openvino', quantizer: 'nncf_ov_int8', runtime: 'openvino', skipFormat: true },
      locations,
    );
    await platformGenerator(
      tree,
      { name: 'edge-int8b', converter: 'openvino', quantizer: 'my_int8', runtime: 'openvino', skipFormat: true },
      locations,
    );
    expect(readJson(tree, `${platforms}/edge-int8/platform.json`).defaults).toEqual({ runtime: 'openvino', precision: 'int8', batchSize: 1 });
    expect(
      tree
        .listChanges()
        .filter((c) => !before.has(c.path))
        .map((c) => c.path)
        .sort(),
    ).toEqual([`${platforms}/edge-int8/platform.json`, `${platforms}/edge-int8b/platform.json`]);
    expect(tree.read(`${adapters}/quantizers/my_int8.py`, 'utf8')).toBe('# filled in\n');
  });

  it('refuses what the registry would not load, and writes nothing', async () => {
    const base = { converter: 'openvino', executor: 'openvino', skipFormat: true };
    const refuse = (options: object, message: RegExp) =>
      expect(platformGenerator(tree, { name: 'x', ...base, ...options } as never, locations)).rejects.toThrow(message);
    await refuse({ name: 'cpu' }, /platform "cpu" already exists \(a built-in platform\)/);
    await refuse({ name: 'Bad_Name' }, /name: must be lowercase letters, digits and dashes/);
    await refuse({ precision: 'int8' }, /precision int8 needs a quantizer: --quantizer=<module>/);
    await refuse({ quantizer: 'q8', precisions: 'fp32' }, /every precision is fp32/);
    await refuse({ precisions: 'fp32,int4', quantizer: 'q' }, /--precisions is not valid/);
    await refuse({ precisions: 'int8', precision: 'fp16', quantizer: 'q' }, /--precision fp16 is not one of --precisions \(int8\)/);
    await refuse({ converter: 'Open-VINO' }, /converter: must be a Python module name/);
    await refuse({ quantizer: 'int8:q-8' }, /--quantizer \(int8\) is not valid/);
    await refuse({ title: '' }, /title: Too small/);
    await refuse({ runsOn: 'tpu' }, /platform\.json is not valid:\n {2}- runsOn: Invalid option/);
    await refuse({ executor: undefined }, /give --executor/);
    expect(tree.listChanges().filter((c) => c.path.startsWith('tf2aif/'))).toEqual([]);
  });

  it("writes where the plugin's platformsDir and adaptersDir options in nx.json say", () => {
    expect(defaultLocations(tree)).toEqual(locations);
    writeJson(tree, 'nx.json', { plugins: [{ plugin: '@tf2aif/nx', options: { platformsDir: 'hw/platforms', adaptersDir: 'hw/python' } }] });
    expect(defaultLocations(tree)).toEqual({ platformsDir: 'hw/platforms', adaptersDir: 'hw/python' });
  });

  it('writes Python stubs that import and fail with "not implemented yet: fill in <file>"', async () => {
    const ws = await scaffold({ name: 'npu', converter: 'npu_convert', quantizer: 'npu_int8', executor: 'npu_runtime', compiler: 'npu_compile' });
    const script = `
from pathlib import Path
from tf2aif_toolchain.errors import ToolchainError
from tf2aif_toolchain.job import Job
from tf2aif_toolchain.data import Samples
from tf2aif_toolchain.adapters import load_adapter
import numpy as np
job = Job("x", Path("."), Path("."), {"platform": "npu", "precision": "int8"})
calls = [
    lambda: load_adapter("converters", "npu_convert").convert(job, Path("sm"), Path("out")),
    lambda: load_adapter("quantizers", "npu_int8").quantize(job, Path("sm"), Path("c"), Samples({"x": np.zeros((1, 2))}, "random"), Path("out")),
    lambda: load_adapter("runtimes", "npu_runtime").load(Path("a"), {"artifact": "m"}),
    lambda: load_adapter("compilers", "npu_compile").compile(job, Path("a"), {}, Path("out")),
]
for call in calls:
    try:
        call()
    except ToolchainError as e:
        print(e)
`;
    // the installed toolchain, finding the workspace's modules as the plugin points it at them
    const toolchain = ensurePythonToolchain(repoRoot);
    const env = { ...process.env, ...toolchainEnv(toolchain), TF2AIF_ADAPTERS: join(ws, adapters) };
    const out = execFileSync(toolchain.python, ['-c', script], { cwd: ws, env, encoding: 'utf8' });
    expect(out.trim().split('\n')).toEqual([
      `converter npu_convert (platform npu) is not implemented yet: fill in ${adapters}/converters/npu_convert.py`,
      `quantizer npu_int8 (int8 for platform npu) is not implemented yet: fill in ${adapters}/quantizers/npu_int8.py`,
      `runtime npu_runtime is not implemented yet: fill in ${adapters}/runtimes/npu_runtime.py (loading a/m)`,
      `compiler npu_compile (platform npu) is not implemented yet: fill in ${adapters}/compilers/npu_compile.py`,
    ]);
  });

  it("scaffolds a test that passes once the workspace's module is filled in (the package's toolchain loads it by name)", async () => {
    const ws = await scaffold({ name: 'my-int8', converter: 'openvino', quantizer: 'my_int8', runtime: 'openvino', requirements: 'openvino' });
    // filled in: the workspace's quantizer delegates to one the package ships
    writeFileSync(join(ws, adapters, 'quantizers', 'my_int8.py'), 'from tf2aif_toolchain.quantizers.nncf_ov_int8 import quantize  # noqa: F401\n');
    const toolchain = ensurePythonToolchain(repoRoot);
    const run = spawnSync(toolchain.python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', join(adapters, 'tests', 'test_my_int8_platform.py')], {
      cwd: ws,
      env: { ...process.env, TF_ENABLE_ONEDNN_OPTS: '0' },
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/1 passed, 1 skipped/);
  }, 300_000);
});
