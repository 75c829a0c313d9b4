import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempWorkspace, type TempWorkspace } from './support/temp-workspace';

/**
 * A tiny-<platform> TFLite variant as a report.json in plan/profiles/ lists it, with made-up figures: LAT p50/p99 (ms),
 * THR (inferences/s, 2 clients), agreement (min cosine, top-1) and artifact size (bytes).
 */
function tinyVariant(
  platform: string,
  o: { precision: string; runsOn: string; p50: number; p99: number; thr: number; cosine: number; top1: number; bytes: number },
) {
  return {
    variant: `tiny-${platform}`,
    model: 'tiny',
    platform,
    runtime: 'tflite',
    precision: o.precision,
    runsOn: o.runsOn,
    latencyMs: { p50: o.p50, p99: o.p99 },
    throughput: { perSecond: o.thr, concurrency: 2 },
    accuracy: { minCosine: o.cosine, top1Agreement: o.top1 },
    artifact: { sizeBytes: o.bytes },
  };
}

const fixtureProfiles = {
  fixture: 'e2e, not measured',
  variants: [
    tinyVariant('cpu', { precision: 'fp32', runsOn: 'x86_64', p50: 0.2, p99: 0.5, thr: 5000, cosine: 1, top1: 1, bytes: 4000 }),
    tinyVariant('arm', { precision: 'int8', runsOn: 'aarch64', p50: 0.4, p99: 0.9, thr: 2000, cosine: 0.99, top1: 0.97, bytes: 2000 }),
  ],
};
const fleet = (edgeCost: number) => ({
  pools: [
    { name: 'x86', hardware: 'x86_64', nodes: 2, capacity: { cores: 4, memoryMiB: 8192 }, costPerHour: 0.3, watts: 150 },
    { name: 'edge', hardware: 'aarch64', nodes: 4, capacity: { cores: 2, memoryMiB: 4096 }, costPerHour: edgeCost, watts: 10 },
  ],
});

describe('nx run tf2aif:plan in a fresh workspace', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createTempWorkspace({ fixtures: ['tiny'] });
    const config = JSON.parse(readFileSync(ws.path('models/tiny/tf2aif.json'), 'utf8'));
    writeFileSync(ws.path('models/tiny/tf2aif.json'), JSON.stringify({ ...config, slo: { p99Ms: 2, ratePerSecond: 3000 } }, null, 2));
    mkdirSync(ws.path('plan/profiles'), { recursive: true });
    writeFileSync(ws.path('plan/profiles/e2e.json'), JSON.stringify(fixtureProfiles));
    writeFileSync(ws.path('plan/fleet.json'), JSON.stringify(fleet(0.05)));
  });
  afterAll(() => ws?.dispose());

  it('places the model, writes plan.json, plan.md and manifests, and a second run is a cache hit', async () => {
    const run = await ws.nx('run', 'tf2aif:plan');
    expect(run.exitCode, run.output).toBe(0);
    expect(run.output).toMatch(/✔ tiny: tiny-arm on edge x2 \(LAT, p99 0\.9 ms <= 2, headroom 67%\)/);
    const plan = JSON.parse(readFileSync(ws.path('dist/plan/plan.json'), 'utf8'));
    expect(plan).toMatchObject({ status: 'planned', objective: 'cost', totals: { costPerHour: 0.05, nodes: { edge: { used: 1, of: 4 } } } });
    expect(plan.models[0]).toMatchObject({ variant: 'tiny-arm', pool: 'edge', replicas: 2, measuredOn: 'fixture: e2e, not measured' });
    expect(readFileSync(ws.path('dist/plan/kubernetes/tiny-arm/deployment.yaml'), 'utf8')).toMatch(/replicas: 2[\s\S]*tf2aif.ai\/pool: edge/);
    expect(readFileSync(ws.path('dist/plan/kubernetes/tiny-arm/hpa.yaml'), 'utf8')).toMatch(/minReplicas: 2/);

    const again = await ws.nx('run', 'tf2aif:plan');
    expect(again.exitCode, again.output).toBe(0);
    expect(again.output).toMatch(/\[local cache\]|existing outputs match the cache/);
  });

  it('follows the fleet file: a dearer edge pool moves the model, a typo names the field', async () => {
    writeFileSync(ws.path('plan/fleet.json'), JSON.stringify(fleet(0.5)));
    const moved = await ws.nx('run', 'tf2aif:plan', '--objective=cost');
    expect(moved.exitCode, moved.output).toBe(0);
    expect(moved.output).toMatch(/✔ tiny: tiny-cpu on x86 x1/);
    expect(moved.output).not.toMatch(/local cache/);

    writeFileSync(ws.path('plan/fleet.json'), JSON.stringify({ pools: [{ ...fleet(0.5).pools[0], cost: 1 }] }));
    const typo = await ws.nx('run', 'tf2aif:plan');
    expect(typo.exitCode).not.toBe(0);
    expect(typo.output).toMatch(/plan\/fleet\.json is not valid:\n\s+- pools\[0\]\.cost: unknown field "cost"/);
  });

  it('refuses a fleet outside plan/, which its cache would not see', async () => {
    const run = await ws.nx('run', 'tf2aif:plan', '--fleet=/tmp/fleet.json');
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toMatch(/"\/tmp\/fleet\.json" is outside plan\/: put it under plan\//);
  });
});
