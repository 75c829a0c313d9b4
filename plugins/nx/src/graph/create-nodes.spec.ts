import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const workspaceRoot = mkdtempSync(join(tmpdir(), 'tf2aif-nodes-'));
const dataDir = join(workspaceRoot, '.nx', 'workspace-data');
process.env.NX_WORKSPACE_DATA_DIRECTORY = dataDir;
afterAll(() => rmSync(workspaceRoot, { recursive: true, force: true }));

type CreateNodes = typeof import('./create-nodes').createNodesV2;
let createNodesFn: CreateNodes[1];
const context = { workspaceRoot, nxJsonConfiguration: {} };

function writeModel(name: string, config: object) {
  mkdirSync(join(workspaceRoot, 'models', name), { recursive: true });
  writeFileSync(join(workspaceRoot, 'models', name, 'tf2aif.json'), JSON.stringify(config));
  return `models/${name}/tf2aif.json`;
}

const resnet = {
  task: 'classification',
  trained: false,
  source: { format: 'script', path: 'build.py' },
  inputs: [{ name: 'image', shape: [null, 224, 224, 3] }],
  calibration: { random: true, samples: 20, batchSize: 4 },
  platforms: { cpu: {}, arm: {}, alveo: {} },
};

let partsFingerprint: typeof import('./plugin-fingerprint').partsFingerprint;
let coreParts: string[];
let steps: typeof import('../plugin/plugin-options').steps;
beforeAll(async () => {
  createNodesFn = (await import('./create-nodes')).createNodesV2[1];
  steps = (await import('../plugin/plugin-options')).steps;
  partsFingerprint = (await import('./plugin-fingerprint')).partsFingerprint;
  coreParts = (await import('./inputs')).coreParts;
});

describe('createNodes', () => {
  it('infers the model project and one project per platform', async () => {
    const file = writeModel('resnet50', resnet);
    const [[source, result]] = await createNodesFn([file], {}, context);
    expect(source).toBe(file);
    const projects = Object.values(result.projects ?? {});
    expect(projects.map((p) => p.name)).toEqual([
      'resnet50',
      // the exports the variants start from, each once (cpu and arm share the float TFLite and, for their fallback
      // runtime, the ONNX model at batch 1; alveo's ONNX is at its batch of 8)
      'resnet50-export-tflite-batch1',
      'resnet50-export-onnx-batch1',
      'resnet50-export-onnx-batch8',
      // arm's TFLite INT8 calibrates once, for every variant quantizing with tflite_int8
      'resnet50-calibrate-tflite_int8',
      'resnet50-cpu',
      'resnet50-arm',
      'resnet50-alveo',
      'tf2aif',
    ]);
    // the workspace project (ceiling, plan, report; zoo where the workspace has zoo/zoo.json) rides along with the
    // first model, in a root of its own so it never merges with a project the workspace has at its root
    expect(Object.keys(result.projects!['.tf2aif'].targets!)).toEqual(['ceiling', 'plan', 'report']);
    expect(result.projects!['.']).toBeUndefined();
    const cpu = result.projects!['models/resnet50/variants/cpu'];
    expect(cpu.implicitDependencies).toEqual(['resnet50', 'resnet50-export-tflite-batch1', 'resnet50-export-onnx-batch1']);
    expect(result.projects!['models/resnet50/variants/alveo'].implicitDependencies).toEqual(['resnet50', 'resnet50-export-onnx-batch8']);
    const onnx = result.projects!['models/resnet50/exports/onnx-batch1'];
    // only cpu's and arm's fallback runtime starts from it: it converts only where the float TFLite export refused an op
    expect(onnx.implicitDependencies).toEqual(['resnet50', 'resnet50-export-tflite-batch1']);
    expect(onnx.targets!.export.dependsOn).toEqual(['^build-model', '^export']);
    expect(onnx.targets!.export.metadata?.settings).toMatchObject({ onlyIfRefused: ['dist/shared/resnet50/tflite-batch1'] });
    // in the options, which Nx hashes: a cached "not needed" never serves a variant whose own runtime starts from it
    expect(onnx.targets!.export.options).toEqual({
      tf2aif: { config: 'models/resnet50/tf2aif.json', target: 'export', shared: 'onnx-batch1', onlyIfRefused: ['tflite-batch1'] },
    });
    expect(result.projects!['models/resnet50/exports/onnx-batch8'].targets!.export.metadata?.settings).not.toHaveProperty('onlyIfRefused');
    expect(onnx.tags).toEqual(['tf2aif:export', 'model:resnet50', 'converter:onnx']);
    expect(onnx.targets!.export.outputs).toEqual(['{workspaceRoot}/dist/shared/resnet50/onnx-batch1']);
    expect(cpu.tags).toEqual(['tf2aif:variant', 'model:resnet50', 'platform:cpu', 'arch:amd64', 'precision:fp32']);
  });

  it('chains convert -> quantize -> verify -> compile where the platform needs each step', async () => {
    const [[, result]] = await createNodesFn([writeModel('resnet50', resnet)], {}, context);
    const targets = (root: string) => Object.fromEntries(Object.entries(result.projects![root].targets!).map(([name, t]) => [name, t.dependsOn]));
    expect(targets('models/resnet50')).toEqual({ 'build-model': undefined, reference: ['build-model'] });
    expect(targets('models/resnet50/exports/tflite-batch1')).toEqual({ export: ['^build-model'] });
    const cpuChain = {
      convert: ['^export'],
      verify: ['convert', '^reference'],
      compose: ['verify'],
      image: ['compose'],
      serve: ['convert'],
      bench: ['verify'],
    };
    expect(targets('models/resnet50/variants/cpu')).toEqual(cpuChain);
    // arm's is cpu's with quantize (on the shared calibration) between convert and verify, and serving what it quantized
    expect(targets('models/resnet50/variants/arm')).toEqual({
      ...cpuChain,
      quantize: ['convert', '^calibrate'],
      verify: ['quantize', '^reference'],
      serve: ['quantize'],
    });
    // an FPGA image needs the compiled .xmodel: compose waits for the vendor compile
    expect(targets('models/resnet50/variants/alveo')).toMatchObject({
      quantize: ['convert'],
      verify: ['quantize', '^reference'],
      compile: ['verify'],
      compose: ['compile'],
    });
  });

  it('shares what variants have in common: one export per converter and batch, one TensorRT calibration for gpu and agx', async () => {
    const [[, result]] = await createNodesFn([writeModel('resnet50', { ...resnet, platforms: { gpu: {}, agx: {}, alveo: {} } })], {}, context);
    const names = Object.values(result.projects!).map((p) => p.name);
    // gpu and alveo run batch 8 and share its ONNX export; agx runs batch 1
    expect(names).toEqual([
      'resnet50',
      'resnet50-export-onnx-batch8',
      'resnet50-export-onnx-batch1',
      'resnet50-calibrate-tensorrt_calibration',
      'resnet50-gpu',
      'resnet50-agx',
      'resnet50-alveo',
      'tf2aif',
    ]);
    const calibration = result.projects!['models/resnet50/exports/calibrate-tensorrt_calibration'];
    expect(calibration.implicitDependencies).toEqual(['resnet50', 'resnet50-export-onnx-batch8', 'resnet50-export-onnx-batch1']);
    expect(calibration.targets!.calibrate).toMatchObject({
      dependsOn: ['^export'],
      outputs: ['{workspaceRoot}/dist/shared/resnet50/calibrate-tensorrt_calibration'],
    });
    expect(calibration.targets!.calibrate.metadata?.settings).toMatchObject({
      quantizer: 'tensorrt_calibration',
      exports: [
        { batchSize: 8, path: 'dist/shared/resnet50/onnx-batch8' },
        { batchSize: 1, path: 'dist/shared/resnet50/onnx-batch1' },
      ],
    });
    const agx = result.projects!['models/resnet50/variants/agx'];
    expect(agx.implicitDependencies).toEqual(['resnet50', 'resnet50-export-onnx-batch1', 'resnet50-calibrate-tensorrt_calibration']);
    expect(agx.targets!.quantize.dependsOn).toEqual(['convert', '^calibrate']);
    expect(agx.targets!.quantize.metadata?.settings).toMatchObject({ sharedCalibrationPath: 'dist/shared/resnet50/calibrate-tensorrt_calibration' });
    // alveo's quantizer calibrates for its own DPU: no shared step
    expect(result.projects!['models/resnet50/variants/alveo'].targets!.quantize.dependsOn).toEqual(['convert']);
  });

  it('declares honest inputs and outputs under dist/', async () => {
    const [[, result]] = await createNodesFn([writeModel('resnet50', resnet)], {}, context);
    const arm = result.projects!['models/resnet50/variants/arm'].targets!;
    expect(arm.convert.outputs).toEqual(['{workspaceRoot}/dist/variants/resnet50-arm/convert']);
    expect(arm.quantize.outputs).toEqual(['{workspaceRoot}/dist/variants/resnet50-arm/quantize']);
    expect(arm.convert.cache).toBe(true);
    const inputs = arm.quantize.inputs!.map((i) => (typeof i === 'string' ? i : JSON.stringify(i)));
    expect(inputs).toEqual(
      expect.arrayContaining([
        '{"dependentTasksOutputFiles":"**/*","transitive":true}',
        // the installed plugin by what it ships (plugin-fingerprint.ts), never by a path into node_modules
        JSON.stringify({ runtime: `echo ${partsFingerprint(coreParts)}` }),
        JSON.stringify({ runtime: `echo ${partsFingerprint(['py:tf2aif_toolchain/quantizers/tflite_int8.py'])}` }),
        JSON.stringify({ runtime: `echo ${partsFingerprint(['dist/executors/quantize/**'])}` }),
        JSON.stringify({ runtime: `echo ${partsFingerprint(['platforms/arm/platform.json'])}` }),
        // the quantize step runs the artifact for its accuracy check (mixed precision): the runtimes too
        JSON.stringify({ runtime: `echo ${partsFingerprint(['py:tf2aif_toolchain/runtimes/tflite.py'])}` }),
      ]),
    );
    // a named module brings the modules it imports (the build records them): a quantizer's requantizer is part of it
    const { withImports } = await import('./plugin-fingerprint');
    expect(withImports(['tf2aif_toolchain/quantizers/vitis_pow2.py'])).toEqual(
      expect.arrayContaining([
        'tf2aif_toolchain/quantizers/vitis_pow2.py',
        'tf2aif_toolchain/requantizers/onnx_qdq.py',
        'tf2aif_toolchain/compilers/vitis_ai.py',
      ]),
    );
    expect(withImports(['tf2aif_toolchain/quantizers/tflite_int8.py'])).toContain('tf2aif_toolchain/requantizers/tflite.py');
    expect(inputs.filter((i) => i.startsWith('{workspaceRoot}/') && !i.endsWith('tf2aif.json'))).toEqual([]);
    // a fingerprint is the package version and a content hash, and parts differ by what they hold
    expect(partsFingerprint(['py:tf2aif_toolchain/quantizers/tflite_int8.py'])).toMatch(/^@tf2aif\/nx@\d+\.\d+\.\d+\S* [0-9a-f]{64}$/);
    expect(partsFingerprint(['py:tf2aif_toolchain/quantizers/tflite_int8.py'])).not.toBe(
      partsFingerprint(['py:tf2aif_toolchain/quantizers/vitis_pow2.py']),
    );
    // the graph holds a reference to the settings; the executor resolves them from tf2aif.json
    expect(arm.quantize.options).toEqual({ tf2aif: { config: 'models/resnet50/tf2aif.json', variant: 'arm', target: 'quantize' } });
    const { resolveTargetOptions } = await import('../settings/resolve-settings');
    expect(resolveTargetOptions(arm.quantize.options, workspaceRoot)).toMatchObject({
      quantizer: 'tflite_int8',
      precision: 'int8',
      batchSize: 1,
      calibration: { random: true },
      outputPath: 'dist/variants/resnet50-arm/quantize',
    });
    const build = result.projects!['models/resnet50'].targets!['build-model'];
    expect(build.inputs).toEqual(expect.arrayContaining(['{projectRoot}/**/*', '!{projectRoot}/tf2aif.json']));
    expect(build.outputs).toEqual(['{workspaceRoot}/dist/models/resnet50']);
  });

  it('gives every variant and workspace target explicit inputs (their roots hold no files to hash)', async () => {
    mkdirSync(join(workspaceRoot, 'zoo'), { recursive: true });
    writeFileSync(join(workspaceRoot, 'zoo', 'zoo.json'), '{}');
    const [[, result]] = await createNodesFn([writeModel('resnet50', resnet)], {}, context);
    expect(Object.keys(result.projects!['.tf2aif'].targets!)).toContain('zoo');
    for (const [root, project] of Object.entries(result.projects!)) {
      if (!root.includes('/variants/') && root !== '.tf2aif') continue;
      for (const [name, target] of Object.entries(project.targets!)) {
        expect(target.inputs, `${project.name}:${name}`).toBeDefined();
        expect(JSON.stringify(target.inputs), `${project.name}:${name}`).not.toContain('{projectRoot}');
      }
    }
  });

  it('hashes exactly the tf2aif.json fields each target reads, so one setting reruns only its steps', async () => {
    const [[, result]] = await createNodesFn([writeModel('resnet50', resnet)], {}, context);
    const arm = result.projects!['models/resnet50/variants/arm'].targets!;
    const fields = (t: string) =>
      (arm[t].inputs!.find((i) => typeof i === 'object' && 'json' in i && String(i.json).endsWith('tf2aif.json')) as { fields: string[] }).fields;
    expect(fields('convert')).toEqual(['name', 'task', 'trained', 'inputs', 'platforms.arm']);
    expect(fields('verify')).toEqual(expect.arrayContaining(['verify', 'calibration', 'platforms.arm']));
    expect(fields('convert')).not.toContain('verify');
    // the quantize step's accuracy check reads verify's settings, its mixed precision tf2aif.json's quantize
    expect(fields('quantize')).toEqual(expect.arrayContaining(['verify', 'quantize', 'calibration']));
    // a setting a target's settings carry is a field its hash reads (a valueRanges edit reruns what draws or serves)
    const readBy: Record<string, string[]> = {
      valueRanges: ['valueRanges'],
      serving: ['serving'],
      tolerance: ['verify', 'trained'],
      seeds: ['verify'],
    };
    for (const [name, target] of Object.entries(arm)) {
      const settings = (target.metadata?.settings ?? {}) as Record<string, unknown>;
      for (const [key, needed] of Object.entries(readBy)) {
        if (key in settings) expect(fields(name), `${name} carries ${key}`).toEqual(expect.arrayContaining(needed));
      }
    }
    // settings are not in the graph (Nx would hash them into every target): a reference, resolved when it runs
    expect(arm.serve.options).toEqual({ tf2aif: { config: 'models/resnet50/tf2aif.json', variant: 'arm', target: 'serve' } });
    // shown by `nx show project`, from the same resolver the executor calls; metadata is not part of Nx's hash
    expect(arm.verify.metadata?.settings).toMatchObject({ artifactPath: 'dist/variants/resnet50-arm/quantize', verify: { samples: 32 } });
  });

  it('hashes weights outside git by content, with a runtime input', async () => {
    const file = writeModel('imported', { ...resnet, source: { format: 'savedmodel', path: 'weights/saved_model' } });
    const [[, result]] = await createNodesFn([file], {}, context);
    const inputs = result.projects!['models/imported'].targets!['build-model'].inputs!;
    expect(inputs).toContainEqual({ runtime: expect.stringMatching(/bin\/hash-paths\.js "models\/imported\/weights\/saved_model"$/) });
  });

  it('reuses cached results for an unchanged config and recomputes a changed one', async () => {
    const file = writeModel('cached', resnet);
    await createNodesFn([file], {}, context);
    const cacheFile = join(dataDir, 'tf2aif-nodes.json');
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8'));
    const key = Object.keys(cache).find((k) => cache[k].projects['models/cached'])!;
    // tamper with the stored result: an unchanged config must be answered from the cache
    cache[key].projects['models/cached'].name = 'from-cache';
    writeFileSync(cacheFile, JSON.stringify(cache));
    const [[, again]] = await createNodesFn([file], {}, context);
    expect(again.projects!['models/cached'].name).toBe('from-cache');
    writeModel('cached', { ...resnet, platforms: { cpu: {} } });
    const [[, changed]] = await createNodesFn([file], {}, context);
    expect(changed.projects!['models/cached'].name).toBe('cached');
    expect(Object.keys(changed.projects!)).toEqual([
      'models/cached',
      'models/cached/exports/tflite-batch1',
      'models/cached/exports/onnx-batch1',
      'models/cached/variants/cpu',
      '.tf2aif',
    ]);
  });

  it('turns a bad config into targets that fail with its file and field, leaving other models alone', async () => {
    const bad = writeModel('broken', { ...resnet, platforms: { cpu: { batchSize: 0 } } });
    const good = writeModel('fine', resnet);
    const [[, broken], [, fine]] = await createNodesFn([bad, good], {}, context);
    const project = broken.projects!['models/broken'];
    expect(project.name).toBe('broken');
    // every target a model or variant can have (every step of the chain, in its order) answers with the message
    expect(Object.keys(project.targets!)).toEqual([...steps]);
    expect(project.targets!.verify).toMatchObject({
      executor: '@tf2aif/nx:invalid-config',
      cache: false,
      options: { message: expect.stringMatching(/models\/broken\/tf2aif\.json is not valid:\n {2}- platforms\.cpu\.batchSize: /) },
    });
    expect(Object.keys(fine.projects!)).toHaveLength(8);
    expect(Object.keys(broken.projects!)).toEqual(['models/broken', '.tf2aif']);
  });

  it("answers every target a healthy model has on the project of its broken config, with the config's message", async () => {
    // resnet's projects have every step: arm quantizes with a shared calibration, alveo compiles
    const [[, healthy]] = await createNodesFn([writeModel('whole', resnet)], {}, context);
    const projects = Object.values(healthy.projects!).filter((p) => !p.tags?.includes('tf2aif:workspace'));
    for (const p of projects.filter((x) => x.tags?.includes('tf2aif:variant'))) {
      // a variant's targets and its settings follow the same steps (settings/variant-steps.ts)
      for (const [name, t] of Object.entries(p.targets!)) expect(t.metadata?.settings, `${p.name}:${name}`).toBeDefined();
    }
    const everyTarget = [...new Set(projects.flatMap((p) => Object.keys(p.targets!)))];
    expect(everyTarget).toEqual(
      expect.arrayContaining(['build-model', 'export', 'calibrate', 'quantize', 'compile', 'compose', 'image', 'serve', 'bench']),
    );
    const [[, broken]] = await createNodesFn(
      [writeModel('whole', { ...resnet, platforms: { ...resnet.platforms, cpu: { batchSize: 0 } } })],
      {},
      context,
    );
    const answers = broken.projects!['models/whole'].targets!;
    const invalid = { executor: '@tf2aif/nx:invalid-config', options: { message: expect.stringContaining('models/whole/tf2aif.json is not valid') } };
    expect(answers).toMatchObject(Object.fromEntries(everyTarget.map((t) => [t, invalid])));
  });

  it('names targets as the plugin options say, dependencies included (no clash with a workspace target)', async () => {
    const options = { serveTargetName: 'serve-variant', verifyTargetName: 'tf2aif-verify', buildModelTargetName: 'tf2aif-build-model' };
    const [[, result]] = await createNodesFn([writeModel('resnet50', resnet)], options, context);
    const arm = result.projects!['models/resnet50/variants/arm'].targets!;
    expect(Object.keys(arm)).toEqual(['convert', 'quantize', 'tf2aif-verify', 'compose', 'image', 'serve-variant', 'bench']);
    expect(arm.convert.dependsOn).toEqual(['^export']);
    expect(result.projects!['models/resnet50/exports/tflite-batch1'].targets!.export.dependsOn).toEqual(['^tf2aif-build-model']);
    expect(arm.compose.dependsOn).toEqual(['tf2aif-verify']);
    expect(arm.bench.dependsOn).toEqual(['tf2aif-verify']);
    // the reference names the step, whatever its target is called
    expect(arm['tf2aif-verify'].options).toEqual({ tf2aif: { config: 'models/resnet50/tf2aif.json', variant: 'arm', target: 'verify' } });
    expect(Object.keys(result.projects!['models/resnet50'].targets!)).toEqual(['tf2aif-build-model', 'reference']);
    expect(arm.convert.metadata).toMatchObject({
      technologies: ['tf2aif', 'tensorflow'],
      description: expect.stringContaining("resnet50's tflite export"),
    });
    // what the quantize step may do where full INT8 misses the tolerance (its descriptor's runtime runs float layers)
    expect(arm.quantize.metadata?.description).toContain('mixed precision (at most 25% of MACs in float)');
  });

  it('refuses plugin options with a typo, naming the field', async () => {
    await expect(createNodesFn([writeModel('resnet50', resnet)], { verifyTargetname: 'x' } as never, context)).rejects.toThrow(
      /unknown field "verifyTargetname"/,
    );
    await expect(createNodesFn([writeModel('resnet50', resnet)], { serveTargetName: 'verify' }, context)).rejects.toThrow(
      /two steps have the target name "verify"/,
    );
  });

  it("makes every tf2aif project depend on the installed package (npm node), or on its project in the plugin's own repository", async () => {
    const { createDependencies } = await import('./create-nodes');
    const projects = {
      'models/a': { root: 'models/a', name: 'a', tags: ['tf2aif:model'] },
      'models/a/variants/cpu': { root: 'models/a/variants/cpu', name: 'a-cpu', tags: ['tf2aif:variant'] },
      'libs/util': { root: 'libs/util', name: 'util', tags: [] },
    };
    const base = {
      nxJsonConfiguration: {},
      workspaceRoot,
      fileMap: { projectFileMap: {}, nonProjectFiles: [] },
      filesToProcess: { projectFileMap: {}, nonProjectFiles: [] },
    };
    const installed = await createDependencies({}, {
      ...base,
      projects,
      externalNodes: { 'npm:@tf2aif/nx': { type: 'npm', name: 'npm:@tf2aif/nx', data: { version: '0.1.0', packageName: '@tf2aif/nx' } } },
    } as never);
    expect(installed).toEqual([
      { source: 'a', target: 'npm:@tf2aif/nx', type: 'implicit' },
      { source: 'a-cpu', target: 'npm:@tf2aif/nx', type: 'implicit' },
    ]);
    const own = await createDependencies({}, {
      ...base,
      projects: { ...projects, 'plugins/nx': { root: 'plugins/nx', name: '@tf2aif/nx' } },
      externalNodes: {},
    } as never);
    expect(own.map((d) => d.target)).toEqual(['@tf2aif/nx', '@tf2aif/nx']);
    expect(await createDependencies({}, { ...base, projects, externalNodes: {} } as never)).toEqual([]);
  });
});
