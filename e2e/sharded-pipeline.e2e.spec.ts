import { readFileSync } from 'fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCacheServer, type CacheServer } from './support/cache-server';
import { runShardedPipeline, type PipelineRun } from './support/sharded-pipeline';
import { missingFor, skipNote } from './support/system-packages';
import { createTempWorkspace, gitCommitAll, type TempWorkspace } from './support/temp-workspace';

/**
 * The sample CI pipeline's shards on three fresh clones of a digits workspace, sharing the nginx remote
 * cache (tools/cache-server.sh): A and B fill it, C (read-only) gets everything from it.
 */
const noNginx = missingFor('the sharded-pipeline tests', 'nginx');

describe.skipIf(noNginx)(`the sharded pipeline on a real remote cache server (nginx)${skipNote(noNginx)}`, () => {
  let server: CacheServer;
  let source: TempWorkspace;
  let run: PipelineRun;
  let storedAfterAB: Map<string, number>;
  const json = (ws: TempWorkspace, path: string) => JSON.parse(readFileSync(ws.path(path), 'utf8'));

  beforeAll(async () => {
    server = await startCacheServer();
    source = createTempWorkspace({ models: ['digits'], withPython: false });
    await gitCommitAll(source.root, 'digits');
  });
  afterAll(async () => {
    for (const ws of Object.values(run?.clones ?? {})) ws.dispose();
    source?.dispose();
    if (server) expect(await server.stop()).toMatch(/^stopped/);
  });

  it('answers the protocol: 401 without a token, 404 for a missing entry, 403 to a read-only upload', async () => {
    const hash = '1234567890';
    expect((await server.request('GET', hash)).status).toBe(401);
    expect((await server.request('GET', hash, 'not-a-token-at-all-0000')).status).toBe(401);
    expect((await server.request('GET', hash, server.tokens.readOnly)).status).toBe(404);
    expect((await server.request('PUT', hash, server.tokens.readOnly, new Uint8Array([1, 2, 3]))).status).toBe(403);
    expect((await server.request('PUT', hash, undefined, new Uint8Array([1, 2, 3]))).status).toBe(401);
    expect(server.entries().size).toBe(0);
  });

  it('A (x86 shard) and B (accelerator shard) fill the server; C gets every verify task from it', { timeout: 1_800_000 }, async () => {
    run = await runShardedPipeline(source.root, server, {
      parallel: 2,
      writeProbe: 'digits-cpu:compose',
      log: (line) => console.log(`[sharded] ${line}`),
    });
    const ranInAB = [run.a.verify, run.a.bench!, run.b.verify].flatMap((r) => r.tasks).filter((t) => t.status === 'success');
    // every task A or B ran was uploaded once, and B took A's build-model from the server instead of rerunning it
    storedAfterAB = new Map(server.entries());
    expect(storedAfterAB.size).toBe(ranInAB.length);
    expect(run.b.verify.tasks.find((t) => t.id === 'digits:build-model')?.status).toBe('remote-cache');
    expect(run.a.verify.tasks.map((t) => t.project)).toContain('digits-cpu');
    expect(run.b.verify.tasks.map((t) => t.project)).toEqual(expect.arrayContaining(['digits-gpu', 'digits-alveo', 'digits-arm']));

    // C: nothing rebuilt, every verify task (and its upstream chain) a remote hit
    const cTasks = run.c.verify.tasks;
    expect(cTasks.length).toBe(new Set([...run.a.verify.tasks, ...run.b.verify.tasks].map((t) => t.id)).size);
    expect(cTasks.filter((t) => t.status !== 'remote-cache')).toEqual([]);
    expect(run.c.verify.output).toMatch(new RegExp(`for ${cTasks.length} out of ${cTasks.length} tasks`));
    expect(json(run.clones.c, 'dist/variants/digits-alveo/verify/verify.json').passed).toBe(true);
  });

  it("C's report holds the bench profiles that A measured, restored from the cache", () => {
    const benches = (r: PipelineRun['a']['bench']) => r!.tasks.filter((t) => t.target === 'bench');
    expect(benches(run.c.bench).length).toBe(benches(run.a.bench).length);
    // bench from the server; the verify tasks it depends on from C's own cache (C restored them just before)
    expect(benches(run.c.bench).filter((t) => t.status !== 'remote-cache')).toEqual([]);
    expect(run.c.bench!.tasks.filter((t) => !t.status.includes('cache'))).toEqual([]);
    const report = json(run.clones.c, 'dist/report/report.json') as { variants: Array<{ variant: string; latencyMs: { p50: number } | null }> };
    for (const t of benches(run.a.bench)) {
      const measuredByA = json(run.clones.a, `dist/variants/${t.project}/bench/bench.json`);
      expect(json(run.clones.c, `dist/variants/${t.project}/bench/bench.json`)).toEqual(measuredByA);
      if (measuredByA.status === 'measured') {
        expect(report.variants.find((v) => v.variant === t.project)?.latencyMs?.p50, t.project).toBe(measuredByA.latency.http.p50);
      }
    }
  });

  it("refuses C's upload (read-only token: 403) and nothing of C's lands on the server", () => {
    const probe = run.c.write.tasks.find((t) => t.id === 'digits-cpu:compose');
    expect(probe?.status).toBe('success');
    const refused = server.requests().filter((r) => r.method === 'PUT' && r.status === 403);
    expect(refused.length).toBeGreaterThan(0);
    expect(server.entries()).toEqual(storedAfterAB);
  });

  it('never overwrites an entry: a second upload of a stored hash is 409 and the first archive stays', async () => {
    const [hash, size] = [...server.entries()][0];
    const before = await server.request('GET', hash, server.tokens.readOnly);
    expect(before.status).toBe(200);
    expect(before.body.length).toBe(size);
    expect((await server.request('PUT', hash, server.tokens.readWrite, new Uint8Array(16))).status).toBe(409);
    const after = await server.request('GET', hash, server.tokens.readWrite);
    expect(after.body.equals(before.body)).toBe(true);
  });
});
