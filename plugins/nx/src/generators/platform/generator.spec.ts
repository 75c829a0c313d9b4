import { readJson, writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { loadPlatformRegistry } from '../../platforms/platform-registry';
import { pluginDir } from '../../toolchain/locations';
import { defaultLocations, platformGenerator, type PlatformGeneratorOptions } from './generator';
import { findPythonToolchain, toolchainEnv } from '../../toolchain/python-toolchain';

const locations = { pluginDir: 'plugins/nx', toolchainDir: 'packages/toolchain' };
const adapters = 'packages/toolchain/tf2aif_toolchain';
const repoRoot = join(pluginDir, '..', '..');

/** The toolchain files the generator looks for, as a workspace holds them. */
function withToolchain(tree: Tree) {
  tree.write(`${adapters}/__init__.py`, '');
  tree.write(`${adapters}/converters/openvino.py`, '# existing converter\n');
  tree.write(`${adapters}/runtimes/openvino.py`, '# existing runtime\n');
  tree.write('packages/toolchain/serve-requirements/openvino-amd64.lock', 'openvino==2026.4.1\n');
}

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
    withToolchain(tree);
  });
  afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));
  /** runs the generator as `nx g` would (without formatting) and returns the descriptor it wrote */
  const generate = async (options: PlatformGeneratorOptions) => {
    await platformGenerator(tree, { ...options, skipFormat: true }, locations);
    return readJson(tree, `plugins/nx/platforms/${options.name}/platform.json`);
  };

  it('scaffolds a descriptor the registry loads, and a stub and a test only for the new quantizer', async () => {
    const before = new Set(tree.listChanges().map((c) => c.path));
    const descriptor = await generate({
      name: 'x86-int8', title: 'x86-64 CPU, INT8 (OpenVINO, NNCF)', hardware: 'an x86-64 CPU (VNNI or AMX for full INT8 speed)',
      runtime: 'openvino', converter: 'openvino', precision: 'int8', quantizer: 'nncf_ov_int8', executor: 'openvino', requirements: 'openvino',
    });
    expect(descriptor).toMatchObject({
      name: 'x86-int8',
      title: 'x86-64 CPU, INT8 (OpenVINO, NNCF)',
      arch: 'amd64',
      hardware: 'an x86-64 CPU (VNNI or AMX for full INT8 speed)',
      defaultEnabled: false,
      image: { base: 'python:3.11-slim-bookworm', env: {}, runArgs: [] },
      runtimes: {
        openvino: { converter: 'openvino', precisions: { int8: 'nncf_ov_int8' }, executor: 'openvino', serve: { requirements: 'openvino' } },
      },
      defaults: { runtime: 'openvino', precision: 'int8', batchSize: 1 },
    });
    expect(descriptor.kubernetes).toEqual({ nodeSelector: { 'kubernetes.io/arch': 'amd64' } }); // placement, from --arch

    const changes = tree.listChanges().filter((c) => !before.has(c.path));
    expect(changes.every((c) => c.type === 'CREATE')).toBe(true); // it only adds files
    expect(changes.map((c) => c.path).sort()).toEqual(
      [`${adapters}/quantizers/nncf_ov_int8.py`, 'packages/toolchain/tests/test_x86_int8_platform.py', 'plugins/nx/platforms/x86-int8/platform.json'].sort(),
    );
    expect(tree.read(`${adapters}/converters/openvino.py`, 'utf8')).toBe('# existing converter\n');

    const stub = tree.read(`${adapters}/quantizers/nncf_ov_int8.py`, 'utf8')!;
    expect(stub).toContain('def quantize(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, out_dir: Path) -> dict:');
    expect(stub).toContain(`FILE = "${adapters}/quantizers/nncf_ov_int8.py"`);
    expect(stub).toMatch(/raise ToolchainError\(\s*f"quantizer nncf_ov_int8 .* is not implemented yet: fill in \{FILE\}"/);
    const test = tree.read('packages/toolchain/tests/test_x86_int8_platform.py', 'utf8')!;
    expect(test).toContain('PRECISIONS = {"int8": "nncf_ov_int8"}');
    expect(test).toContain('CONVERTER = "openvino"');
    expect(test).toContain('COMPILER = None');
    expect(test).toContain('openvino -> nncf_ov_int8 -> openvino on a tiny Keras model'); // not HTML-escaped

    const ws = temp();
    flush(tree, ws);
    const registry = loadPlatformRegistry([join(ws, 'plugins/nx/platforms')]);
    expect(registry.get('x86-int8')?.runtimes.openvino.precisions).toEqual({ int8: 'nncf_ov_int8' });
  });

  it('writes stubs for every new module, a template of its own, and takes per-precision quantizers', async () => {
    const descriptor = await generate({
      name: 'npu', arch: 'arm64', converter: 'npu_convert', precisions: 'fp32,fp16,int8', precision: 'int8',
      quantizer: 'fp16:npu_fp16,int8:npu_int8', executor: 'npu_runtime', compiler: 'npu_compile', baseImage: 'vendor/npu-runtime:1.0',
      batchSize: 4, ownTemplate: true,
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
    for (const file of ['converters/npu_convert.py', 'quantizers/npu_fp16.py', 'quantizers/npu_int8.py', 'runtimes/npu_runtime.py', 'compilers/npu_compile.py']) {
      expect(tree.read(`${adapters}/${file}`, 'utf8'), file).toContain(`is not implemented yet: fill in {FILE}`);
    }
    expect(tree.read(`${adapters}/converters/npu_convert.py`, 'utf8')).toContain('def convert(job: Job, saved_model: Path, out_dir: Path) -> dict:');
    expect(tree.read(`${adapters}/runtimes/npu_runtime.py`, 'utf8')).toContain('def load(artifact_dir: Path, meta: dict) -> Runner:');
    expect(tree.read(`${adapters}/compilers/npu_compile.py`, 'utf8')).toContain('def compile(job: Job, artifact_dir: Path, meta: dict, out_dir: Path) -> dict:');
    expect(tree.read('packages/toolchain/tests/test_npu_platform.py', 'utf8')).toContain('PRECISIONS = {"fp32": "none", "fp16": "npu_fp16", "int8": "npu_int8"}');
    expect(tree.read('plugins/nx/platforms/npu/server.Dockerfile.ejs', 'utf8')).toBe(readFileSync(join(pluginDir, 'templates', 'server.Dockerfile.ejs'), 'utf8'));
  });

  it('reuses existing modules without writing any Python (a second platform on the same toolchain)', async () => {
    tree.write(`${adapters}/quantizers/nncf_ov_int8.py`, '# filled in\n');
    const before = new Set(tree.listChanges().map((c) => c.path));
    await platformGenerator(tree, { name: 'edge-int8', converter: 'openvino', quantizer: 'nncf_ov_int8', runtime: 'openvino', skipFormat: true }, locations);
    expect(readJson(tree, 'plugins/nx/platforms/edge-int8/platform.json').defaults).toEqual({ runtime: 'openvino', precision: 'int8', batchSize: 1 });
    expect(tree.listChanges().filter((c) => !before.has(c.path)).map((c) => c.path)).toEqual(['plugins/nx/platforms/edge-int8/platform.json']);
    expect(tree.read(`${adapters}/quantizers/nncf_ov_int8.py`, 'utf8')).toBe('# filled in\n');
  });

  it('refuses what the registry would not load, and writes nothing', async () => {
    const base = { converter: 'openvino', executor: 'openvino', skipFormat: true };
    const refuse = (options: object, message: RegExp) =>
      expect(platformGenerator(tree, { name: 'x', ...base, ...options } as never, locations)).rejects.toThrow(message);
    await refuse({ name: 'cpu' }, /platform "cpu" already exists/);
    await refuse({ name: 'Bad_Name' }, /name: must be lowercase letters, digits and dashes/);
    await refuse({ precision: 'int8' }, /precision int8 needs a quantizer: --quantizer=<module>/);
    await refuse({ quantizer: 'q8' , precisions: 'fp32' }, /every precision is fp32/);
    await refuse({ precisions: 'fp32,int4', quantizer: 'q' }, /--precisions is not valid/);
    await refuse({ precisions: 'int8', precision: 'fp16', quantizer: 'q' }, /--precision fp16 is not one of --precisions \(int8\)/);
    await refuse({ converter: 'Open-VINO' }, /converter: must be a Python module name/);
    await refuse({ quantizer: 'int8:q-8' }, /--quantizer \(int8\) is not valid/);
    await refuse({ title: '' }, /title: Too small/);
    await refuse({ runsOn: 'tpu' }, /platform\.json is not valid:\n {2}- runsOn: Invalid option/);
    await refuse({ executor: undefined }, /give --executor/);
    await expect(platformGenerator(tree, { name: 'x', ...base }, { pluginDir: 'plugins/nx', toolchainDir: 'py' })).rejects.toThrow(
      /no Python toolchain at py \(py\/tf2aif_toolchain\/__init__\.py is missing\); set the plugin option toolchainDir/,
    );
    await expect(platformGenerator(tree, { name: 'x', ...base }, { pluginDir: '../elsewhere/nx', toolchainDir: 'packages/toolchain' })).rejects.toThrow(
      /outside this workspace/,
    );
    expect(tree.listChanges().filter((c) => c.path.includes('platforms/') || c.path.includes('/tests/'))).toEqual([]);
  });

  it("finds the toolchain through the plugin's toolchainDir option in nx.json", () => {
    writeJson(tree, 'nx.json', { plugins: [{ plugin: '@tf2aif/nx', options: { toolchainDir: 'py/toolchain' } }] });
    expect(defaultLocations(tree).toolchainDir).toBe('py/toolchain');
  });

  it('writes Python stubs that import and fail with "not implemented yet: fill in <file>"', async () => {
    await platformGenerator(
      tree,
      { name: 'npu', converter: 'npu_convert', quantizer: 'npu_int8', executor: 'npu_runtime', compiler: 'npu_compile', skipFormat: true },
      locations,
    );
    const ws = temp();
    flush(tree, ws);
    for (const file of ['job.py', 'errors.py', 'data.py', 'modules.py', 'adapters.py', 'progress.py', 'artifact.py', 'jsonio.py']) {
      writeFileSync(join(ws, adapters, file), readFileSync(join(repoRoot, 'packages/toolchain/tf2aif_toolchain', file)));
    }
    for (const kind of ['converters', 'quantizers', 'runtimes', 'compilers']) writeFileSync(join(ws, adapters, kind, '__init__.py'), '');
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
    const toolchain = findPythonToolchain(repoRoot, 'packages/toolchain');
    const out = execFileSync(toolchain.python, ['-c', script], { cwd: ws, env: { ...process.env, ...toolchainEnv(toolchain), PYTHONPATH: join(ws, 'packages/toolchain') }, encoding: 'utf8' });
    expect(out.trim().split('\n')).toEqual([
      `converter npu_convert (platform npu) is not implemented yet: fill in ${adapters}/converters/npu_convert.py`,
      `quantizer npu_int8 (int8 for platform npu) is not implemented yet: fill in ${adapters}/quantizers/npu_int8.py`,
      `runtime npu_runtime is not implemented yet: fill in ${adapters}/runtimes/npu_runtime.py (loading a/m)`,
      `compiler npu_compile (platform npu) is not implemented yet: fill in ${adapters}/compilers/npu_compile.py`,
    ]);
  });
});
