// The sharded CI pipeline of docs/ci/github-actions-variants.yml, run for real on one machine: three fresh
// clones, each with an empty local Nx cache, share one remote cache server.
//   A (the x86_64 shard, read-write token): verify and bench of the cpu platforms
//   B (every other shard, read-write token): verify of the accelerator platforms (gpu, agx, alveo, arm, ...)
//   C (a pull request, read-only token): verify of everything (all remote hits), bench of A's projects (A's
//     profiles, through the cache), the report, and one task that is not in the cache (its upload refused)
import type { CacheServer } from './cache-server';
import { ciShards } from './ci-shards';
import { runNx, type RunResult } from './nx-run';
import { cloneWorkspace, type TempWorkspace } from './temp-workspace';

export interface PipelineRun {
  clones: { a: TempWorkspace; b: TempWorkspace; c: TempWorkspace };
  a: { verify: RunResult; bench?: RunResult };
  b: { verify: RunResult };
  c: { verify: RunResult; bench?: RunResult; report: RunResult; write: RunResult };
  /** the selections: A's projects (--projects) and B's (everything else) */
  x86Projects: string;
  otherProjects: string;
}

export class PipelineStepFailed extends Error {}

export async function runShardedPipeline(
  source: string,
  server: CacheServer,
  opts: { parallel: number; writeProbe: string; bench?: boolean; log?: (line: string) => void },
): Promise<PipelineRun> {
  const log = opts.log ?? (() => undefined);
  const shards = ciShards();
  const x86Projects = shards.find((s) => s.shard === 'x86_64')?.projects;
  if (!x86Projects) throw new Error('docs/ci/github-actions-variants.yml has no x86_64 shard');
  const otherProjects = shards
    .filter((s) => s.shard !== 'x86_64')
    .map((s) => s.projects)
    .join(',');
  const remote = (token: string) => ({ NX_SELF_HOSTED_REMOTE_CACHE_SERVER: server.url, NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token });
  const parallel = `--parallel=${opts.parallel}`;

  const step = async (ws: TempWorkspace, label: string, args: string[], env: Record<string, string>) => {
    log(`${label}: nx ${args.join(' ')}`);
    const run = await runNx(ws, label, args, env);
    const hits = run.tasks.filter((t) => t.status === 'remote-cache').length;
    log(`${label}: exit ${run.exitCode}, ${run.wallSeconds.toFixed(1)} s, ${run.tasks.length} tasks, ${hits} remote hits`);
    if (run.exitCode !== 0) throw new PipelineStepFailed(`${label} failed (exit ${run.exitCode}):\n${run.output.slice(-6000)}`);
    return run;
  };

  const a = await cloneWorkspace(source);
  const b = await cloneWorkspace(source);
  const c = await cloneWorkspace(source);
  try {
    const rw = remote(server.tokens.readWrite);
    const ro = remote(server.tokens.readOnly);
    const aVerify = await step(a, 'A verify', ['run-many', '-t', 'verify', `--projects=${x86Projects}`, parallel], rw);
    const bench = opts.bench !== false;
    const aBench = bench ? await step(a, 'A bench', ['run-many', '-t', 'bench', `--projects=${x86Projects}`], rw) : undefined;
    const bVerify = await step(b, 'B verify', ['run-many', '-t', 'verify', `--projects=${otherProjects}`, parallel], rw);
    const cVerify = await step(c, 'C verify', ['run-many', '-t', 'verify', parallel], ro);
    const cBench = bench ? await step(c, 'C bench', ['run-many', '-t', 'bench', `--projects=${x86Projects}`], ro) : undefined;
    const cReport = await step(c, 'C report', ['run', 'tf2aif:report'], ro);
    const cWrite = await step(c, 'C write', ['run', opts.writeProbe], ro);
    return {
      clones: { a, b, c },
      a: { verify: aVerify, bench: aBench },
      b: { verify: bVerify },
      c: { verify: cVerify, bench: cBench, report: cReport, write: cWrite },
      x86Projects,
      otherProjects,
    };
  } catch (error) {
    // a failed run leaves no clone behind (they hold whole dist/ trees)
    for (const ws of [a, b, c]) ws.dispose();
    throw error;
  }
}
