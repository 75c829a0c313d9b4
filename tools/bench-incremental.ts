// Incrementality and parallelism, measured: runs the variant chain in a scratch copy of this workspace
// (with git, so `nx affected` works) and prints what a cold run, a warm rerun, a config edit and a
// toolchain edit cost, and what parallelism buys. Not a test: it measures, it does not assert.
//
//   bash tools/bench-incremental.sh                       # 4 models x 5 platforms = 20 variants, ~15 min here
//   bash tools/bench-incremental.sh --models digits,unet  # a quick check, ~5 min
//
// Per-task timings come from Nx itself (NX_PROFILE, see e2e/support/nx-run.ts). Timings are wall-clock on a possibly busy machine: run it
// when nothing else runs, and compare parallelism levels within one run.
import { execFileSync } from 'child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { cpus, totalmem } from 'os';
import { dirname, join } from 'path';
import { fromCache, ran, runNx, type RunResult, type TaskTiming } from '../e2e/support/nx-run';
import { packedManifest, packedPluginCopy } from '../e2e/support/packed-plugin';
import { createTempWorkspace, gitCommitAll, repoRoot, type TempWorkspace } from '../e2e/support/temp-workspace';

const allModels = ['digits', 'resnet50', 'mobilenetv2', 'unet'];
// the paper's five accelerated platforms; the *-tf baselines and versal/zynq are left out
const allPlatforms = ['cpu', 'arm', 'gpu', 'agx', 'alveo'];
const target = 'verify';
const touchedModule = 'tf2aif_toolchain/quantizers/tflite_int8.py';

interface Options {
  models: string[];
  platforms: string[];
  parallel: number;
  compare: number[];
  editModel: string;
  json?: string;
  keep: boolean;
}

function usage(): never {
  console.log(`usage: bash tools/bench-incremental.sh [options]
  --models=a,b          models to copy into the scratch workspace (default: ${allModels.join(',')})
  --platforms=a,b       platforms whose variants run (default: ${allPlatforms.join(',')})
  --parallel=N          parallelism of the main runs (default: TF2AIF_PARALLEL, else tools/parallelism.sh)
  --compare=N,M         extra cold runs at these parallelism levels (default: 1; 'none' for none)
  --edit-model=NAME     the model whose tf2aif.json is edited (default: the first model)
  --json=FILE           also write the figures as JSON
  --keep                keep the scratch workspace`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const get = (name: string) => {
    const hit = argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (!hit) return undefined;
    const eq = hit.indexOf('=');
    if (eq < 0) {
      const next = argv[argv.indexOf(hit) + 1];
      return next && !next.startsWith('--') ? next : '';
    }
    return hit.slice(eq + 1);
  };
  if (argv.includes('--help') || argv.includes('-h')) usage();
  const list = (v: string | undefined, fallback: string[]) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : fallback;
  const models = list(get('models'), allModels);
  for (const m of models) if (!allModels.includes(m)) throw new Error(`unknown model "${m}" (bundled: ${allModels.join(', ')})`);
  const defaultParallel = Number(process.env.TF2AIF_PARALLEL || parallelismFromScript());
  const parallel = Number(get('parallel') ?? defaultParallel);
  const compareArg = get('compare');
  const compare = compareArg === 'none' ? [] : list(compareArg, ['1']).map(Number);
  if (!Number.isInteger(parallel) || parallel < 1 || compare.some((n) => !Number.isInteger(n) || n < 1)) usage();
  const editModel = get('edit-model') || models[0];
  if (!models.includes(editModel)) throw new Error(`--edit-model=${editModel} is not one of --models (${models.join(', ')})`);
  return {
    models,
    platforms: list(get('platforms'), allPlatforms),
    parallel,
    compare: compare.filter((n) => n !== parallel),
    editModel,
    json: get('json') || undefined,
    keep: argv.includes('--keep'),
  };
}

function parallelismFromScript(): string {
  // tools/parallelism.sh is the one place the rule lives (one per core, at most one per 4 GiB)
  return execFileSync('bash', [join(repoRoot, 'tools', 'parallelism.sh')], { encoding: 'utf8' }).trim();
}

async function nxJson<T>(ws: TempWorkspace, args: string[]): Promise<T> {
  const r = await runNx(ws, 'query', args);
  if (r.exitCode !== 0) throw new Error(`nx ${args.join(' ')} failed:\n${r.output}`);
  const start = r.output.search(/[[{]/);
  return JSON.parse(r.output.slice(start)) as T;
}

/** Bytes under a folder (what Nx stores, and a remote cache uploads, for the tasks that wrote it). */
function folderBytes(path: string): number {
  if (!existsSync(path)) return 0;
  const st = lstatSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + folderBytes(join(path, name)), 0);
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const fmt = (s: number) => `${s.toFixed(1)} s`;
const pad = (s: string | number, n: number) => String(s).padEnd(n);
const lpad = (s: string | number, n: number) => String(s).padStart(n);
/** The ids of the tasks a run ran (not from the cache), or `none`. */
const ranIds = (r: RunResult, none: string) =>
  ran(r)
    .map((t) => t.id)
    .join(', ') || none;

function perTarget(tasks: TaskTiming[]) {
  const order = ['build-model', 'convert', 'quantize', 'verify', 'compile'];
  const by = new Map<string, { count: number; sum: number; max: number; maxId: string }>();
  for (const t of tasks) {
    const e = by.get(t.target) ?? { count: 0, sum: 0, max: 0, maxId: '' };
    e.count++;
    e.sum += t.seconds;
    if (t.seconds > e.max) {
      e.max = t.seconds;
      e.maxId = t.id;
    }
    by.set(t.target, e);
  }
  return [...by.entries()].sort(([a], [b]) => ((order.indexOf(a) + 99) % 100) - ((order.indexOf(b) + 99) % 100));
}

function printRun(r: RunResult, log: (s?: string) => void) {
  const hits = r.tasks.filter(fromCache).length;
  const shortList = (flag: string) => (m: string) => (m.length > 70 ? `--${flag}=<${m.split(',').length} projects>` : m);
  log(`  ${r.command.replace(/--projects=\S+/, shortList('projects')).replace(/--exclude=\S+/, shortList('exclude'))}`);
  log(
    `  exit ${r.exitCode}, wall ${fmt(r.wallSeconds)}, ${r.tasks.length} tasks: ${r.tasks.length - hits} ran, ${hits} from the cache` +
      (r.summaryLine ? ` (Nx: ${r.summaryLine.cached} out of ${r.summaryLine.total} from the cache)` : ''),
  );
}

function checkOk(r: RunResult) {
  if (r.exitCode !== 0) {
    console.error(r.output.slice(-6000));
    throw new Error(`${r.command} failed (exit ${r.exitCode}); the output above says why`);
  }
}

/** Runs nx in the scratch workspace, prints the run's summary, and stops the bench where it failed. */
async function runChecked(ws: TempWorkspace, label: string, args: string[], log: (s?: string) => void): Promise<RunResult> {
  const r = await runNx(ws, label, args);
  printRun(r, log);
  checkOk(r);
  return r;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const log = (s = '') => console.log(s);
  const variants = opts.models.length * opts.platforms.length;
  log(
    `tf2aif incremental benchmark: ${opts.models.length} models (${opts.models.join(', ')}) x ` +
      `${opts.platforms.length} platforms (${opts.platforms.join(', ')}) = ${variants} variants, target \`${target}\``,
  );
  log(`  (the chain stops at verify: \`image\` needs a Docker engine and \`compile\` for alveo needs the Vitis AI image,`);
  log(`   so neither is timed here; both are cached Nx targets like the others)`);
  log(
    `machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
      `parallelism ${opts.parallel} (tools/parallelism.sh: one per core, at most one per 4 GiB)`,
  );
  log();

  const ws = createTempWorkspace({ models: opts.models });
  log(`scratch workspace: ${ws.root}`);
  try {
    await gitCommitAll(ws.root, 'bench: baseline');
    // the variants `<model>-<platform>` by name: a model may declare more variants of a platform
    // (e.g. cpu-tflite-int8 with "platform": "cpu"), which a tag:platform:cpu selection would also pick
    const all = await nxJson<string[]>(ws, ['show', 'projects', '--json']);
    const selected = opts.models.flatMap((m) => opts.platforms.map((p) => `${m}-${p}`)).filter((p) => all.includes(p));
    const missing = opts.models.flatMap((m) => opts.platforms.map((p) => `${m}-${p}`)).filter((p) => !all.includes(p));
    if (missing.length > 0) log(`  (not declared by the models, left out: ${missing.join(', ')})`);
    const projectsArg = `--projects=${selected.join(',')}`;
    // `nx affected` has no --projects: everything outside the timed variants (the *-tf baselines) is excluded
    const modelProjects = new Set(opts.models);
    const excluded = all.filter((p) => !selected.includes(p) && !modelProjects.has(p));
    const excludeArg = excluded.length > 0 ? [`--exclude=${excluded.join(',')}`] : [];
    const runMany = (p: number, extra: string[] = []) => [
      'run-many',
      '-t',
      target,
      projectsArg,
      `--parallel=${p}`,
      '--output-style=static',
      ...extra,
    ];
    const affected = (extra: string[] = []) => [
      'affected',
      '-t',
      target,
      '--base=HEAD~1',
      '--head=HEAD',
      ...excludeArg,
      `--parallel=${opts.parallel}`,
      '--output-style=static',
      ...extra,
    ];

    // a. cold, at the default parallelism
    log(`a. cold run (empty cache, no outputs), parallel ${opts.parallel}`);
    const cold = await runChecked(ws, `cold-p${opts.parallel}`, runMany(opts.parallel), log);

    const variantsDir = ws.path('dist', 'variants');
    const sizes = readdirSync(variantsDir)
      .map((v) => [v, folderBytes(join(variantsDir, v))] as const)
      .sort((a, b) => b[1] - a[1]);
    const outputBytes = folderBytes(ws.path('dist'));
    log(
      `  task outputs in dist/: ${mib(outputBytes)} (largest variants: ${sizes
        .slice(0, 3)
        .map(([v, b]) => `${v} ${mib(b)}`)
        .join(', ')})`,
    );

    // b. warm rerun
    log(`b. warm rerun`);
    const warm = await runChecked(ws, 'warm', runMany(opts.parallel), log);

    // commit the edit, list what Nx calls affected, and run the chain on it
    const commitAndRunAffected = async (message: string, what: string, label: string) => {
      await gitCommitAll(ws.root, message);
      log(`${what}, committed; nx affected --base=HEAD~1`);
      const projects = await nxJson<string[]>(ws, ['show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', ...excludeArg, '--json']);
      log(`  affected projects: ${projects.join(', ') || '(none)'}`);
      const run = await runChecked(ws, label, affected(), log);
      log(`  ran: ${ranIds(run, '(nothing)')}`);
      return { projects, run };
    };

    // c. edit one model's config (verify.samples changes its verify tasks' options), commit, nx affected
    const configFile = `models/${opts.editModel}/tf2aif.json`;
    const config = JSON.parse(readFileSync(ws.path(configFile), 'utf8'));
    const samples = config.verify?.samples ?? 32;
    config.verify = { ...config.verify, samples: Math.max(1, Math.floor(samples / 2)) };
    writeFileSync(ws.path(configFile), `${JSON.stringify(config, null, 2)}\n`);
    const { projects: editAffected, run: edit } = await commitAndRunAffected(
      `bench: ${opts.editModel} verify.samples ${samples} -> ${config.verify.samples}`,
      `c. ${configFile}: verify.samples ${samples} -> ${config.verify.samples}`,
      'affected-config',
    );

    // d. a new release of the plugin whose only change is one toolchain module (the TFLite INT8 quantizer, as the
    // wheel's manifest records it); the workspace's files do not change, so it is a run-many, not nx affected
    log(`d. a plugin release in which only ${touchedModule} changed; run-many`);
    ws.usePlugin(
      packedPluginCopy((dir) => {
        const manifest = packedManifest(dir);
        manifest.sources[touchedModule] = 'changed-by-bench-incremental';
        writeFileSync(join(dir, 'toolchain', 'manifest.json'), JSON.stringify(manifest));
      }),
    );
    const touch = await runChecked(ws, 'new-quantizer', runMany(opts.parallel), log);
    log(`  ran: ${ranIds(touch, '(nothing)')}`);
    const touchAffected = [...new Set(ran(touch).map((t) => t.project))];

    // e. cold again at other parallelism levels: outputs removed, the cache skipped
    const compared: RunResult[] = [];
    for (const p of opts.compare) {
      log(`e. cold run at parallel ${p} (dist/ removed, --skip-nx-cache)`);
      rmSync(ws.path('dist'), { recursive: true, force: true });
      const r = await runChecked(ws, `cold-p${p}`, runMany(p, ['--skip-nx-cache']), log);
      compared.push(r);
    }

    // the table
    log();
    log('='.repeat(78));
    log(`cold run, parallel ${opts.parallel}: time per target (sum of task durations; tasks overlap, so the sum exceeds the wall time)`);
    log(`  ${pad('target', 12)}${lpad('tasks', 6)}${lpad('sum', 11)}${lpad('mean', 10)}   longest task`);
    let total = 0;
    for (const [name, e] of perTarget(cold.tasks)) {
      total += e.sum;
      log(`  ${pad(name, 12)}${lpad(e.count, 6)}${lpad(fmt(e.sum), 11)}${lpad(fmt(e.sum / e.count), 10)}   ${e.maxId} ${fmt(e.max)}`);
    }
    log(`  ${pad('all', 12)}${lpad(cold.tasks.length, 6)}${lpad(fmt(total), 11)}`);
    log(`  wall time: ${fmt(cold.wallSeconds)} (Nx's project graph and start-up included)`);
    log(`  task outputs: ${mib(outputBytes)} in dist/, uncompressed: what a remote cache receives from one cold run`);
    log();
    const warmHits = warm.tasks.filter(fromCache).length;
    log(`  ${pad('run', 40)}${lpad('wall', 10)}${lpad('tasks', 7)}${lpad('ran', 6)}${lpad('cached', 8)}`);
    const row = (name: string, r: RunResult) =>
      log(
        `  ${pad(name, 40)}${lpad(fmt(r.wallSeconds), 10)}${lpad(r.tasks.length, 7)}` +
          `${lpad(ran(r).length, 6)}${lpad(r.tasks.length - ran(r).length, 8)}`,
      );
    row(`cold, parallel ${opts.parallel}`, cold);
    row('warm rerun', warm);
    row(`affected: ${opts.editModel} verify.samples edited`, edit);
    row('plugin release: tflite_int8.py changed', touch);
    for (const r of compared) row(`cold, parallel ${r.label.replace('cold-p', '')}`, r);
    log();
    log(`warm rerun: ${warmHits} of ${warm.tasks.length} tasks from the cache${warmHits === warm.tasks.length ? ' (all hits)' : ' (NOT all hits)'}`);
    log(`config edit (${configFile}): affected projects ${editAffected.length}: ${editAffected.join(', ')}`);
    log(`  tasks that ran: ${ranIds(edit, '(none)')}`);
    log(`plugin release changing ${touchedModule}: projects with tasks that ran ${touchAffected.length}: ${touchAffected.join(', ')}`);
    log(`  tasks that ran: ${ranIds(touch, '(none)')}`);
    for (const r of compared) {
      const sums = perTarget(r.tasks)
        .map(([name, e]) => `${name} ${fmt(e.sum)}`)
        .join(', ');
      log(`parallel ${r.label.replace('cold-p', '')}: sum of task time per target: ${sums}`);
      log(
        `parallel ${r.label.replace('cold-p', '')} vs ${opts.parallel}: cold wall ${fmt(r.wallSeconds)} vs ${fmt(cold.wallSeconds)} ` +
          `(x${(r.wallSeconds / cold.wallSeconds).toFixed(2)}); sum of task time ${fmt(r.tasks.reduce((s, t) => s + t.seconds, 0))} vs ${fmt(total)}`,
      );
    }
    if (opts.json) {
      const strip = ({ output, ...r }: RunResult) => r;
      mkdirSync(dirname(opts.json), { recursive: true });
      writeFileSync(
        opts.json,
        JSON.stringify(
          {
            options: opts,
            cold: strip(cold),
            outputBytes,
            warm: strip(warm),
            configEdit: { affected: editAffected, run: strip(edit) },
            quantizerEdit: { affected: touchAffected, run: strip(touch) },
            compared: compared.map(strip),
          },
          null,
          2,
        ),
      );
      log(`figures written to ${opts.json}`);
    }
  } finally {
    if (opts.keep) console.log(`kept: ${ws.root}`);
    else ws.dispose();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
