import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelConfig } from '../config/load-model-config';
import { loadPlatformRegistry } from '../platforms/platform-registry';
import { ensurePythonToolchain } from '../toolchain/python-toolchain';
import { explainPlan } from './explain';
import { loadFleet } from './fleet';
import { buildInstance, type ModelTargets, type Objective } from './options';
import { planManifests, writePlanManifests } from './plan-manifests';
import { bruteForce, fleetOf, pool, profile, targets } from '../../test-support/plan-fixtures';
import { importedProfiles, type PlanProfile } from './profiles';
import { solvePlacement } from './solve';
import type { Fleet } from './fleet';

const workspaceRoot = join(__dirname, '..', '..', '..', '..');
const registry = loadPlatformRegistry();

async function plan(models: ModelTargets[], profiles: PlanProfile[], fleet: Fleet, objective: Objective = 'cost') {
  const instance = buildInstance(models, profiles, fleet, registry, objective);
  const solution = await solvePlacement(instance, workspaceRoot, 'dist/plan');
  return { instance, solution, plan: explainPlan(instance, solution, { fleet: 'test', profilesUsed: profiles.length, ignored: [] }) };
}

const placed = (p: Awaited<ReturnType<typeof plan>>['plan']) =>
  Object.fromEntries(p.models.map((m) => [m.model, `${m.variant}@${m.pool} x${m.replicas}`]));

describe('plan (HiGHS through SciPy milp) on fleets whose optimum is known by hand', () => {
  it('capacity binds: the x86 node holds one model, the other goes to the dearer GPU', async () => {
    // a: only its CPU variant keeps 20 ms, two replicas fill the 2-core node; b then fits nowhere but the GPU
    const fleet = fleetOf(
      pool('x86', 'x86_64', { capacity: { cores: 2 }, costPerHour: 1, watts: 100 }),
      pool('gpu', 'nvidia-gpu', { capacity: { accelerators: 1 }, costPerHour: 5, watts: 300 }),
    );
    const { plan: p, instance } = await plan(
      [
        targets('a', { p99Ms: 20, ratePerSecond: 150 }, [
          ['a-cpu', 'cpu'],
          ['a-gpu', 'gpu'],
        ]),
        targets('b', { p99Ms: 20, ratePerSecond: 50 }, [
          ['b-cpu', 'cpu'],
          ['b-gpu', 'gpu'],
        ]),
      ],
      [
        profile('a-cpu', 'cpu', { p50: 10, p99: 12 }),
        profile('a-gpu', 'gpu', { p50: 25, p99: 30 }),
        profile('b-cpu', 'cpu', { p50: 10, p99: 12 }),
        profile('b-gpu', 'gpu', { p50: 2, p99: 3 }),
      ],
      fleet,
    );
    expect(placed(p)).toEqual({ a: 'a-cpu@x86 x2', b: 'b-gpu@gpu x1' });
    expect(p.totals).toEqual({ costPerHour: 6, watts: 400, nodes: { x86: { used: 1, of: 1 }, gpu: { used: 1, of: 1 } } });
    expect(p.binding).toEqual(
      expect.arrayContaining(['pool x86: all 1 nodes in use', 'pool x86: cores fully allocated (2 of 2)', 'a: slo.p99Ms left out 1 option']),
    );
    expect(bruteForce(instance)).toEqual({ value: 6, choice: { a: 'a-cpu@x86', b: 'b-gpu@gpu' } });
    // b's other option would need the x86 node that a fills
    expect(p.models.find((m) => m.model === 'b')!.why).toBe(
      'lowest cost of 2 options that meet the targets; the other does not fit beside the rest of the plan',
    );
  });

  it('an accuracy floor excludes the INT8 variant: the FP32 one is placed with more replicas', async () => {
    const models = (minAccuracy?: number) => [
      targets('a', { p99Ms: 50, ratePerSecond: 300, minAccuracy }, [
        ['a-cpu', 'cpu'],
        ['a-cpu-int8', 'cpu-int8'],
      ]),
    ];
    const profiles = [
      profile('a-cpu', 'cpu', { p50: 10, p99: 12, accuracy: 0.97 }),
      profile('a-cpu-int8', 'cpu-int8', { p50: 2.5, p99: 4, accuracy: 0.93, precision: 'int8' }),
    ];
    const fleet = fleetOf(pool('x86', 'x86_64', { nodes: 3, capacity: { cores: 2 } }));
    const free = await plan(models(), profiles, fleet);
    expect(placed(free.plan)).toEqual({ a: 'a-cpu-int8@x86 x1' });
    const floor = await plan(models(0.95), profiles, fleet);
    expect(placed(floor.plan)).toEqual({ a: 'a-cpu@x86 x3' });
    expect(floor.plan.totals.costPerHour).toBe(2);
    expect(floor.plan.models[0].wouldChange.join(' ')).toMatch(/left out by the targets: a-cpu-int8@x86 \(accuracy 0\.93 < slo\.minAccuracy 0\.95\)/);
  });

  it('ties: equal cost goes to the pool drawing less power, then to the lower p99, then by name', async () => {
    const profiles = [profile('a-cpu', 'cpu', { p50: 10, p99: 12 })];
    const m = [targets('a', { p99Ms: 50, ratePerSecond: 50 }, [['a-cpu', 'cpu']])];
    const byPower = await plan(m, profiles, fleetOf(pool('p1', 'x86_64', { watts: 200 }), pool('p2', 'x86_64', { watts: 150 })));
    expect(placed(byPower.plan)).toEqual({ a: 'a-cpu@p2 x1' });
    const byName = await plan(m, profiles, fleetOf(pool('zz', 'x86_64'), pool('aa', 'x86_64')));
    expect(placed(byName.plan)).toEqual({ a: 'a-cpu@aa x1' });
    expect(byName.plan.models[0].why).toMatch(
      /next best: a-cpu@zz \(the plan then costs \+0\/h, a tie broken by the other objective, then by lower p99\)/,
    );
  });

  it('the power objective prefers the frugal edge pool', async () => {
    const fleet = fleetOf(
      pool('x86', 'x86_64', { costPerHour: 0.3, watts: 180 }),
      pool('edge', 'aarch64', { nodes: 4, costPerHour: 0.5, watts: 12 }),
    );
    const m = [
      targets('a', { p99Ms: 50, ratePerSecond: 100 }, [
        ['a-cpu', 'cpu'],
        ['a-arm', 'arm'],
      ]),
    ];
    const profiles = [profile('a-cpu', 'cpu', { p50: 5, p99: 6 }), profile('a-arm', 'arm', { p50: 20, p99: 25 })];
    expect(placed((await plan(m, profiles, fleet, 'cost')).plan)).toEqual({ a: 'a-cpu@x86 x1' });
    const power = await plan(m, profiles, fleet, 'power');
    expect(placed(power.plan)).toEqual({ a: 'a-arm@edge x2' });
    expect(power.plan.totals.watts).toBe(12);
  });

  it('a pool without profiles is left empty, its variants listed', async () => {
    const fleet = fleetOf(pool('x86', 'x86_64'), pool('edge', 'aarch64', { costPerHour: 0.01 }));
    const { plan: p } = await plan(
      [
        targets('a', { p99Ms: 50, ratePerSecond: 10 }, [
          ['a-cpu', 'cpu'],
          ['a-arm', 'arm'],
        ]),
      ],
      [profile('a-cpu', 'cpu', { p50: 5, p99: 6 })],
      fleet,
    );
    expect(placed(p)).toEqual({ a: 'a-cpu@x86 x1' });
    expect(p.totals.nodes.edge).toEqual({ used: 0, of: 1 });
    expect(p.excluded).toEqual([expect.objectContaining({ variant: 'a-arm', kind: 'no-profile' })]);
  });
});

describe('infeasible plans say what blocks them and the nearest alternative', () => {
  it('a latency target no variant keeps', async () => {
    const { plan: p } = await plan(
      [
        targets('a', { p99Ms: 5, ratePerSecond: 10 }, [
          ['a-cpu', 'cpu'],
          ['a-cpu-tf', 'cpu-tf'],
        ]),
        targets('b', { p99Ms: 50, ratePerSecond: 10 }, [['b-cpu', 'cpu']]),
      ],
      [
        profile('a-cpu', 'cpu', { p50: 6, p99: 7.5 }),
        profile('a-cpu-tf', 'cpu-tf', { p50: 9, p99: 11 }),
        profile('b-cpu', 'cpu', { p50: 6, p99: 7.5 }),
      ],
      fleetOf(pool('x86', 'x86_64')),
    );
    expect(p.status).toBe('partial');
    expect(placed(p)).toEqual({ b: 'b-cpu@x86 x1' });
    expect(p.infeasible).toEqual([
      {
        model: 'a',
        line:
          'a: no variant keeps slo.p99Ms 5 on any pool; ' +
          'nearest: a-cpu on x86, p99 7.5 ms (measured on test machine); relax slo.p99Ms to 7.5 or profile faster hardware',
      },
    ]);
  });

  it('models that fit one at a time but not together', async () => {
    const m = (name: string) => targets(name, { p99Ms: 50, ratePerSecond: 300 }, [[`${name}-cpu`, 'cpu']]);
    const { plan: p, solution } = await plan(
      [m('a'), m('b')],
      [profile('a-cpu', 'cpu', { p50: 10, p99: 12 }), profile('b-cpu', 'cpu', { p50: 10, p99: 12 })],
      fleetOf(pool('x86', 'x86_64', { capacity: { cores: 4 } })),
    );
    expect(solution.status).toBe('infeasible');
    expect(p.status).toBe('infeasible');
    expect(p.infeasible.map((i) => i.line)).toEqual([
      'a, b: each fits the fleet alone but not all together; add nodes to x86, or lower slo.ratePerSecond',
      'a, b: each fits the fleet alone but not all together; add nodes to x86, or lower slo.ratePerSecond',
    ]);
  });

  it('a rate one pool cannot carry, and a floor no variant reaches', async () => {
    const { plan: p } = await plan(
      [
        targets('a', { p99Ms: 50, ratePerSecond: 900 }, [['a-cpu', 'cpu']]),
        targets('b', { p99Ms: 50, ratePerSecond: 10, minAgreement: 0.99 }, [
          ['b-cpu', 'cpu'],
          ['b-cpu-int8', 'cpu-int8'],
        ]),
      ],
      [
        profile('a-cpu', 'cpu', { p50: 10, p99: 12 }),
        profile('b-cpu', 'cpu', { p50: 10, p99: 12, agreement: 0.985 }),
        profile('b-cpu-int8', 'cpu-int8', { p50: 3, p99: 4, agreement: 0.9 }),
      ],
      fleetOf(pool('x86', 'x86_64', { nodes: 2 })),
    );
    expect(p.status).toBe('infeasible');
    expect(p.infeasible.map((i) => i.line)).toEqual([
      'a: a-cpu meets the targets but 9 replicas need 3 nodes of x86, which has 2; add nodes to x86 or lower slo.ratePerSecond (900)',
      'b: no variant reaches slo.minAgreement 0.99; nearest: b-cpu at 0.985; lower slo.minAgreement to 0.985 or deploy a more precise variant (fp32)',
    ]);
  });
});

describe('the sample fleet with the bundled models', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf2aif-plan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fleet = loadFleet(join(workspaceRoot, 'plan', 'fleet.json'));
  const models = ['digits', 'mobilenetv2', 'resnet50', 'unet'].map((name) => {
    const m = loadModelConfig(workspaceRoot, `models/${name}/tf2aif.json`, registry);
    return { model: m.name, slo: m.config.slo, variants: m.variants.map((v) => ({ variant: v.project, platform: v.platform.name })) };
  });
  // the labelled fixture profiles (GPU, arm64), and this machine's: the report of a bench run of the bundled
  // x86 variants here (`nx run-many -t bench` then `nx run tf2aif:report`; see its generatedAt and machine)
  const fixtures = importedProfiles(workspaceRoot, 'plan/profiles').profiles;
  const x86 = importedProfiles(workspaceRoot, 'plugins/nx/src/plan/__fixtures__/measured-here').profiles;

  it('plans in under 5 s and equals a brute-force search on the same instance, for cost and for power', async () => {
    expect(fixtures.every((f) => f.machine.startsWith('fixture: '))).toBe(true);
    expect(x86.length).toBeGreaterThanOrEqual(12);
    expect(x86.every((p) => p.runsOn === 'x86_64' && !p.machine.startsWith('fixture'))).toBe(true);
    for (const objective of ['cost', 'power'] as const) {
      const started = Date.now();
      const { instance, plan: p } = await plan(models, [...x86, ...fixtures], fleet, objective);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(p.status).toBe('planned');
      const best = bruteForce(instance)!;
      expect(p.totals[objective === 'cost' ? 'costPerHour' : 'watts']).toBeCloseTo(best.value, 9);
      expect(p.models).toHaveLength(4);
    }
  });

  it('writes a Deployment, Service and HorizontalPodAutoscaler per model that kubernetes-validate accepts', async () => {
    const { instance, plan: p } = await plan(models, [...x86, ...fixtures], fleet);
    const files: string[] = [];
    for (const m of p.models) {
      const option = instance.models.flatMap((x) => x.options).find((o) => o.id === `${m.variant}@${m.pool}`)!;
      const facts = {
        variant: m.variant,
        model: m.model,
        platform: m.platform,
        arch: registry.get(m.platform)!.arch,
        runtime: option.runtime,
        image: `tf2aif/${m.model}:x`,
        labels: {},
        artifactBytes: option.artifactBytes,
        port: 8000,
      };
      const pool = fleet.pools.find((x) => x.name === m.pool)!;
      const docs = planManifests(m, facts, registry.get(m.platform)!, pool, 10);
      expect(docs.deployment.spec.replicas).toBe(m.replicas);
      expect(docs.hpa.spec).toMatchObject({ minReplicas: m.replicas, maxReplicas: Math.max(10, m.replicas) });
      // the manifest asks for what the plan counted
      expect(
        (docs.deployment.spec.template.spec as { containers?: Array<{ resources: { requests: { memory: string } } }> }).containers![0].resources
          .requests.memory,
      ).toBe(`${option.perReplica.memoryMiB}Mi`);
      files.push(...writePlanManifests(dir, m.variant, docs).map((f) => join(dir, f)));
    }
    const toolchain = ensurePythonToolchain(workspaceRoot);
    const validator = join(__dirname, '..', 'compose', 'validate_kubernetes.py');
    const kserve = join(__dirname, '..', 'compose', '__fixtures__', 'kserve-v0.20.0-inferenceservice-v1beta1.schema.json');
    const run = spawnSync(toolchain.python, [validator, '--kubernetes-version', '1.30', '--kserve-schema', kserve, '--documents', ...files], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const lines = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { valid: boolean; kind: string; file: string; errors: string[] });
    expect(
      lines.filter((l) => !l.valid).map((l) => `${l.file}: ${l.errors.join('; ')}`),
      run.stderr,
    ).toEqual([]);
    expect(new Set(lines.map((l) => l.kind))).toEqual(new Set(['Deployment', 'Service', 'HorizontalPodAutoscaler']));
  });
});
