// The sharded CI pipeline, run for real on this machine (README "Sharing the cache"): the nginx remote cache
// in a scratch folder, and three fresh clones of a workspace holding the bundled models, each with an empty
// local Nx cache (see e2e/support/sharded-pipeline.ts for who runs what). Prints what each clone did and
// the figures: verify cold (A + B) against verify from the remote cache (C), the server's disk use.
// Not a test: e2e/sharded-pipeline.e2e.spec.ts asserts the same flow on digits.
//
//   bash tools/sharded-pipeline.sh                    # the four bundled models
//   bash tools/sharded-pipeline.sh --models=digits    # a quick look
//   bash tools/sharded-pipeline.sh --no-bench         # verify, report and the refused upload only
import { execFileSync } from 'child_process';
import { startCacheServer } from '../e2e/support/cache-server';
import type { RunResult } from '../e2e/support/nx-run';
import { runShardedPipeline } from '../e2e/support/sharded-pipeline';
import { createTempWorkspace, gitCommitAll, repoRoot } from '../e2e/support/temp-workspace';

const bundled = ['digits', 'resnet50', 'mobilenetv2', 'unet'];

function option(name: string): string | undefined {
  const hit = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`));
  return hit?.slice(name.length + 3);
}

async function main() {
  if (process.argv.includes('--help')) {
    console.log(
      'usage: bash tools/sharded-pipeline.sh [--models=a,b] [--parallel=N] [--no-bench] [--keep]\n' +
        '  --no-bench  A and C skip bench (verify, the report and the refused upload only)',
    );
    return;
  }
  const models = (option('models') ?? bundled.join(',')).split(',').filter(Boolean);
  for (const m of models) if (!bundled.includes(m)) throw new Error(`unknown model "${m}" (bundled: ${bundled.join(', ')})`);
  const parallel = Number(option('parallel') ?? execFileSync('bash', [`${repoRoot}/tools/parallelism.sh`], { encoding: 'utf8' }).trim());
  const keep = process.argv.includes('--keep');
  const bench = !process.argv.includes('--no-bench');

  const server = await startCacheServer();
  const source = createTempWorkspace({ models, withPython: false });
  const log = (line: string) => console.log(`[sharded] ${line}`);
  log(`cache server ${server.url} (${server.dir}); models ${models.join(', ')}; parallel ${parallel}`);
  let clones: { dispose(): void }[] = [];
  try {
    await gitCommitAll(source.root, 'sharded pipeline');
    const run = await runShardedPipeline(source.root, server, { parallel, writeProbe: `${models[0]}-cpu:compose`, bench, log });
    clones = Object.values(run.clones);
    const entries = [...server.entries().values()];
    const bytes = entries.reduce((a, b) => a + b, 0);
    const s = (r: RunResult) => r.wallSeconds;
    const cold = s(run.a.verify) + s(run.b.verify);
    const hits = (r: RunResult) => `${r.tasks.filter((t) => t.status === 'remote-cache').length}/${r.tasks.length} remote hits`;
    const refused = server.requests().filter((r) => r.method === 'PUT' && r.status === 403).length;
    console.log('');
    console.log(
      `verify cold, A (x86 shard) + B (accelerator shard): ${s(run.a.verify).toFixed(1)} s + ${s(run.b.verify).toFixed(1)} s = ${cold.toFixed(1)} s`,
    );
    console.log(
      `verify in C from the remote cache:                 ${s(run.c.verify).toFixed(1)} s (${hits(run.c.verify)}), ` +
        `${(cold / s(run.c.verify)).toFixed(1)}x faster`,
    );
    if (run.a.bench && run.c.bench) {
      console.log(`bench in A: ${s(run.a.bench).toFixed(1)} s; in C from the cache: ${s(run.c.bench).toFixed(1)} s (${hits(run.c.bench)})`);
    }
    console.log(`C's uploads refused (read-only token, 403): ${refused}`);
    console.log(`server: ${entries.length} entries, ${(bytes / 2 ** 20).toFixed(0)} MiB on disk`);
  } finally {
    if (keep) log(`kept: ${source.root} and the clones; the server's folder ${server.dir} is removed with it stopped`);
    else {
      for (const c of clones) c.dispose();
      source.dispose();
    }
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
