// The user's path, as the test: the plugin published by `nx release publish` into a local npm registry (verdaccio),
// then, in workspaces made the way users make them at the Nx majors the plugin supports, `nx add @tf2aif/nx`,
// `nx g @tf2aif/nx:model` on a SavedModel, `nx run-many -t verify`, a variant served, a second run from the cache,
// and the user's own projects untouched. Nothing is linked from this repository into those workspaces.
import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { float32Tensor, V2Client } from '../plugins/nx/src/bench/v2-client';
import { freePort } from './support/docker';
import { registryEnv, startLocalRegistry, type LocalRegistry } from './support/local-registry';
import { ran, runNx } from './support/nx-run';
import { pluginPackage, publishPlugin } from './support/publish-plugin';
import { repoRoot } from './support/temp-workspace';
import { createUserWorkspace, type UserWorkspace } from './support/user-workspace';

const pluginVersion = JSON.parse(readFileSync(join(repoRoot, 'plugins', 'nx', 'package.json'), 'utf8')).version as string;
const exportScript = join(__dirname, 'fixtures', 'saved-model', 'export.py');
const log = (line: string) => console.log(`[install] ${line}`);
const seconds = (started: number) => ((Date.now() - started) / 1000).toFixed(1);
const parseJson = <T>(output: string): T => JSON.parse(output.slice(output.search(/[[{]/))) as T;

/** Runs a step in the user's workspace, logs its time, and fails with its output. */
async function step(ws: UserWorkspace, what: string, command: string, args: string[], env: Record<string, string> = {}) {
  const started = Date.now();
  const result = await ws.run(command, args, env);
  log(`Nx ${ws.nxVersion}: ${what}: ${seconds(started)} s`);
  expect(result.exitCode, `${command} ${args.join(' ')}\n${result.output}`).toBe(0);
  return result;
}

/** `nx add`, a SavedModel exported with the workspace's own toolchain, and `nx g @tf2aif/nx:model` on it. */
async function addPluginAndModel(ws: UserWorkspace, platforms: string) {
  const added = await step(ws, 'nx add @tf2aif/nx (package and Python toolchain)', 'npx', ['nx', 'add', pluginPackage]);
  expect(added.output).toMatch(/Python toolchain .* ready in \.tf2aif\/venv|toolchain/i);
  const installed = JSON.parse(readFileSync(join(ws.root, 'node_modules', '@tf2aif', 'nx', 'package.json'), 'utf8'));
  expect(installed.version).toBe(pluginVersion);
  const nxJson = JSON.parse(readFileSync(join(ws.root, 'nx.json'), 'utf8'));
  expect(nxJson.plugins).toContainEqual(
    expect.objectContaining({ plugin: pluginPackage, options: expect.objectContaining({ verifyTargetName: 'verify' }) }),
  );
  expect(readFileSync(join(ws.root, '.gitignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['dist/', '.tf2aif/']));
  expect(existsSync(join(ws.root, '.tf2aif', 'venv', 'bin', 'python'))).toBe(true);

  await step(ws, 'export a SavedModel', join(ws.root, '.tf2aif', 'venv', 'bin', 'python'), [exportScript, join(ws.root, 'exported', 'tiny')]);
  await step(ws, 'nx g @tf2aif/nx:model', 'npx', [
    'nx',
    'g',
    `${pluginPackage}:model`,
    'tiny',
    '--source=exported/tiny',
    '--directory=ml/tiny',
    '--trained=false',
    `--platforms=${platforms}`,
    '--no-interactive',
  ]);
  const config = JSON.parse(readFileSync(join(ws.root, 'ml', 'tiny', 'tf2aif.json'), 'utf8'));
  expect(config).toMatchObject({
    name: 'tiny',
    source: { format: 'savedmodel', path: '../../exported/tiny' },
    inputs: [{ name: 'image', shape: [null, 8, 8, 1] }],
  });
}

async function git(ws: UserWorkspace, ...args: string[]) {
  await execa('git', args, { cwd: ws.root });
}
const commit = (ws: UserWorkspace, message: string) => git(ws, '-c', 'user.name=e2e', '-c', 'user.email=e2e@tf2aif.local', 'commit', '-qam', message);

describe('the plugin as a user installs it: nx release publish into a local registry, then nx add', () => {
  let registry: LocalRegistry;
  const workspaces: UserWorkspace[] = [];
  beforeAll(async () => {
    registry = await startLocalRegistry();
    const published = await publishPlugin(registry);
    log(`verdaccio ${registry.startSeconds.toFixed(1)} s, nx release publish ${published.seconds.toFixed(1)} s`);
    const view = await execa('npm', ['view', `${pluginPackage}@${pluginVersion}`, 'version'], {
      env: registryEnv(registry),
      extendEnv: false,
      reject: false,
    });
    expect(view.stdout.trim()).toBe(pluginVersion);
  });
  afterAll(async () => {
    for (const ws of workspaces) ws.dispose();
    await registry?.stop();
  });

  describe('the newest create-nx-workspace (Nx 23.2.1), beside a library of the user', () => {
    let ws: UserWorkspace;
    beforeAll(async () => {
      ws = await createUserWorkspace({ nxVersion: '23.2.1', registry });
      workspaces.push(ws);
      log(`${ws.created.how}: ${ws.created.seconds.toFixed(1)} s`);
      // the user's own TypeScript library, with test and lint scripts of its own
      await step(ws, 'nx g @nx/js:lib', 'npx', [
        'nx',
        'g',
        '@nx/js:lib',
        'packages/util',
        '--bundler=tsc',
        '--unitTestRunner=none',
        '--linter=none',
        '--no-interactive',
      ]);
      const pkgFile = join(ws.root, 'packages', 'util', 'package.json');
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
      writeFileSync(pkgFile, JSON.stringify({ ...pkg, scripts: { test: 'node -e "process.exit(0)"', lint: 'node -e "process.exit(0)"' } }, null, 2));
      await git(ws, 'add', '-A');
      await commit(ws, 'the user library');
    });

    it('nx add registers the plugin and installs its toolchain; nx g model takes a SavedModel from anywhere', async () => {
      await addPluginAndModel(ws, 'cpu,arm');
      await git(ws, 'add', '-A');
      await commit(ws, 'tf2aif and a model');
    });

    it('nx run-many -t verify is green, and a second run is all cache hits', async () => {
      const nxWs = { root: ws.root, path: (...p: string[]) => join(ws.root, ...p) };
      const first = await runNx(nxWs, 'install-verify', ['run-many', '-t', 'verify', '--parallel=2']);
      log(`Nx 23.2.1: first nx run-many -t verify (${first.tasks.length} tasks): ${first.wallSeconds.toFixed(1)} s`);
      expect(first.exitCode, first.output).toBe(0);
      // the variants' steps and the model's shared steps: its exports (the float TFLite both variants start from, the
      // ONNX model of their fallback runtime), TFLite's INT8 calibration and the original's reference outputs
      expect(first.tasks.map((t) => t.id).sort()).toEqual([
        'tiny-arm:convert',
        'tiny-arm:quantize',
        'tiny-arm:verify',
        'tiny-calibrate-tflite_int8:calibrate',
        'tiny-cpu:convert',
        'tiny-cpu:verify',
        'tiny-export-onnx-batch1:export',
        'tiny-export-tflite-batch1:export',
        'tiny:build-model',
        'tiny:reference',
      ]);
      expect(JSON.parse(readFileSync(join(ws.root, 'dist', 'variants', 'tiny-arm', 'verify', 'verify.json'), 'utf8'))).toMatchObject({
        passed: true,
        precision: 'int8',
      });
      const second = await runNx(nxWs, 'install-verify-again', ['run-many', '-t', 'verify', '--parallel=2']);
      log(`Nx 23.2.1: second run: ${second.wallSeconds.toFixed(1)} s`);
      expect(second.exitCode, second.output).toBe(0);
      expect(ran(second)).toEqual([]);
      expect(second.tasks).toHaveLength(10);
    });

    /** `nx run <project>:serve` in the user's workspace, `use` against it once ready, then stopped. */
    async function served(project: string, use: (client: V2Client) => Promise<void>) {
      const port = await freePort();
      const child = execa('npx', ['nx', 'run', `${project}:serve`, `--port=${port}`, '--host=127.0.0.1'], {
        cwd: ws.root,
        detached: true,
        reject: false,
        all: true,
        env: registryEnv(registry, { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' }),
        extendEnv: false,
      });
      const client = new V2Client(`http://127.0.0.1:${port}`);
      try {
        const deadline = Date.now() + 180_000;
        while (!(await client.ready().catch(() => false))) {
          if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${(await child).all}`);
          if (Date.now() > deadline) throw new Error('serve did not become ready in 180 s');
          await new Promise((r) => setTimeout(r, 500));
        }
        await use(client);
      } finally {
        client.close();
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
        await child;
      }
    }

    it('nx run <variant>:serve answers on the Open Inference Protocol', async () => {
      await served('tiny-cpu', async (client) => {
        const [out] = await client.infer('tiny', [float32Tensor('image', [1, 8, 8, 1], new Float32Array(64).fill(0.5))], ['output_0']);
        expect(out.shape).toEqual([1, 10]);
      });
    });

    it("leaves the user's projects alone: their targets run as before, and nx affected keeps them apart", async () => {
      const nxWs = { root: ws.root, path: (...p: string[]) => join(ws.root, ...p) };
      const theirs = await runNx(nxWs, 'user-targets', ['run-many', '-t', 'build', 'test', 'lint']);
      expect(theirs.exitCode, theirs.output).toBe(0);
      expect([...new Set(theirs.tasks.map((t) => t.project))]).toEqual(['@acme/util']);
      expect(theirs.tasks.map((t) => t.target).sort()).toEqual(['build', 'lint', 'test']);

      // an edit to their library selects no variant; an edit to the model selects only its projects
      const lib = join(ws.root, 'packages', 'util', 'src', 'index.ts');
      writeFileSync(lib, `${readFileSync(lib, 'utf8')}\nexport const edited = true;\n`);
      await commit(ws, 'edit the library');
      const afterLib = await ws.run('npx', ['nx', 'show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '--json']);
      expect(parseJson<string[]>(afterLib.output)).toEqual(['@acme/util']);

      const modelFile = join(ws.root, 'ml', 'tiny', 'tf2aif.json');
      writeFileSync(modelFile, JSON.stringify({ ...JSON.parse(readFileSync(modelFile, 'utf8')), verify: { samples: 8 } }, null, 2));
      await commit(ws, 'tiny: verify.samples 8');
      const afterModel = await ws.run('npx', ['nx', 'show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '--json']);
      // the model's own projects: its variants and its shared steps (exports, TFLite's INT8 calibration)
      expect(parseJson<string[]>(afterModel.output).sort()).toEqual([
        'tf2aif',
        'tiny',
        'tiny-arm',
        'tiny-calibrate-tflite_int8',
        'tiny-cpu',
        'tiny-export-onnx-batch1',
        'tiny-export-tflite-batch1',
      ]);

      // every tf2aif project depends on the installed package in the project graph (an upgrade, a lock file change,
      // makes them affected); the user's library does not
      // (read through @nx/devkit: `nx graph --file` leaves out npm nodes and the edges to them)
      const script = "require('@nx/devkit').createProjectGraphAsync().then((g) => console.log(JSON.stringify(g.dependencies)))";
      const read = await ws.run('node', ['-e', script]);
      expect(read.exitCode, read.output).toBe(0);
      const deps = parseJson<Record<string, Array<{ target: string }>>>(read.output);
      for (const p of ['tiny', 'tiny-cpu', 'tiny-arm', 'tiny-export-tflite-batch1', 'tiny-calibrate-tflite_int8', 'tf2aif']) {
        expect(
          deps[p].map((d) => d.target),
          p,
        ).toContain('npm:@tf2aif/nx');
      }
      expect(deps['@acme/util'].map((d) => d.target)).not.toContain('npm:@tf2aif/nx');

      // nx show project: what each target is and does
      const shown = parseJson<{ targets: Record<string, { metadata?: { description?: string; technologies?: string[] } }> }>(
        (await ws.run('npx', ['nx', 'show', 'project', 'tiny-cpu', '--json'])).output,
      );
      expect(shown.targets.verify.metadata).toMatchObject({
        technologies: ['tf2aif', 'tensorflow'],
        description: 'Check tiny-cpu against the TensorFlow original',
      });
    });

    it('a model with unknown height and width: nx g model --shapes, verified at min, opt and max, served at two sizes', async () => {
      await step(ws, 'export a SavedModel with unknown height and width', join(ws.root, '.tf2aif', 'venv', 'bin', 'python'), [
        exportScript,
        join(ws.root, 'exported', 'seg'),
        '--dynamic',
      ]);
      const generate = [
        'nx',
        'g',
        `${pluginPackage}:model`,
        'seg',
        '--source=exported/seg',
        '--directory=ml/seg',
        '--trained=false',
        '--task=segmentation',
        '--platforms=cpu',
        '--no-interactive',
      ];
      const refused = await ws.run('npx', generate);
      expect(refused.exitCode).not.toBe(0);
      expect(refused.output).toMatch(/input "image" has unknown dimensions \[null,null,null,1\]: .*--shapes="image=64x64x3:224x224x3:512x512x3"/);
      await step(ws, 'nx g @tf2aif/nx:model --shapes', 'npx', [...generate, '--shapes=image=8x8x1:16x12x1:24x24x1']);
      const config = JSON.parse(readFileSync(join(ws.root, 'ml', 'seg', 'tf2aif.json'), 'utf8'));
      expect(config.inputs).toEqual([
        { name: 'image', shape: [null, null, null, 1], dtype: 'float32', shapeRange: { min: [8, 8, 1], opt: [16, 12, 1], max: [24, 24, 1] } },
      ]);
      await step(ws, 'nx run seg-cpu:verify', 'npx', ['nx', 'run', 'seg-cpu:verify']);
      const verified = JSON.parse(readFileSync(join(ws.root, 'dist', 'variants', 'seg-cpu', 'verify', 'verify.json'), 'utf8'));
      expect(verified).toMatchObject({ passed: true, inputShapes: [{ image: [16, 12, 1] }, { image: [8, 8, 1] }, { image: [24, 24, 1] }] });
      await served('seg-cpu', async (client) => {
        for (const shape of [
          [1, 8, 8, 1],
          [2, 24, 20, 1],
        ]) {
          const [out] = await client.infer(
            'seg',
            [float32Tensor('image', shape, new Float32Array(shape.reduce((a, b) => a * b)).fill(0.5))],
            ['output_0'],
          );
          expect(out.shape).toEqual([...shape.slice(0, 3), 3]);
        }
        const outside = client.infer('seg', [float32Tensor('image', [1, 32, 32, 1], new Float32Array(1024))], ['output_0']);
        await expect(outside).rejects.toMatchObject({
          status: 400,
          message: expect.stringMatching(/outside the accepted range: each sample from \[8, 8, 1\] to \[24, 24, 1\]/),
        });
      });
    });
  });

  // lighter than the full path above: install, a model, a verified variant, and (where asked) the cache
  const lighter: Array<[string, string, boolean]> = [
    ['the newest nx (24.0.7: no create-nx-workspace or @nx/js 24 on the registry, so a bare workspace)', '24.0.7', false],
    ['the oldest supported major (create-nx-workspace@22.7.12)', '22.7.12', true],
  ];
  for (const [title, nxVersion, again] of lighter) {
    describe(title, () => {
      it(`nx add, nx g model, a verified variant${again ? ', and a second run from the cache' : ''}`, async () => {
        const ws = await createUserWorkspace({ nxVersion, registry });
        workspaces.push(ws);
        log(`${ws.created.how}: ${ws.created.seconds.toFixed(1)} s`);
        await addPluginAndModel(ws, 'cpu');
        await step(ws, 'nx run tiny-cpu:verify', 'npx', ['nx', 'run', 'tiny-cpu:verify']);
        expect(JSON.parse(readFileSync(join(ws.root, 'dist', 'variants', 'tiny-cpu', 'verify', 'verify.json'), 'utf8'))).toMatchObject({
          passed: true,
        });
        if (!again) return;
        const second = await step(ws, 'nx run tiny-cpu:verify, again', 'npx', ['nx', 'run', 'tiny-cpu:verify']);
        expect(second.output).toMatch(/from the cache instead of running the command for 6 out of 6 tasks/);
      });
    });
  }
});
