import { describe, expect, it } from 'vitest';
import { loadPlatformRegistry } from '../platforms/platform-registry';
import { buildInstance, operatingPoint } from './options';
import { fleetOf, pool, profile, targets } from '../../test-support/plan-fixtures';

const registry = loadPlatformRegistry();

describe('operating point at the latency target', () => {
  const p = profile('a-cpu', 'cpu', { p50: 10, p99: 12, thr: 400, conc: 4 });

  it('takes THR when its estimated p99 keeps the target, else LAT, else nothing', () => {
    // THR: 4 clients at 400/s wait 10 ms on average (Little), stretched by LAT's p99/p50 = 1.2 -> 12 ms
    expect(operatingPoint(p, 20)).toEqual({ point: 'THR', rate: 400, p99: 12, estimated: true });
    expect(operatingPoint({ ...p, throughput: { perSecond: 400, concurrency: 16 } }, 20)).toEqual({
      point: 'LAT',
      rate: 100,
      p99: 12,
      estimated: false,
    });
    expect(operatingPoint(p, 11.9)).toBeNull();
  });

  it('uses LAT alone when the THR run did not record its clients', () => {
    expect(operatingPoint({ ...p, throughput: { perSecond: 400, concurrency: null } }, 50)?.point).toBe('LAT');
  });
});

describe('options and what is left out', () => {
  const fleet = fleetOf(pool('x86', 'x86_64', { nodes: 2 }), pool('edge', 'aarch64'));

  it('gives each variant a pool of its hardware, replicas for the rate, and demand per resource', () => {
    const instance = buildInstance(
      [
        targets('a', { p99Ms: 50, ratePerSecond: 250 }, [
          ['a-cpu', 'cpu'],
          ['a-gpu', 'gpu'],
          ['a-arm', 'arm'],
        ]),
      ],
      [profile('a-cpu', 'cpu', { p50: 10, p99: 12 })],
      fleet,
      registry,
      'cost',
    );
    const [a] = instance.models;
    expect(a.options.map((o) => [o.id, o.replicas, o.point, o.demand.cores])).toEqual([['a-cpu@x86', 3, 'LAT', 3]]); // 100/s each
    expect(a.options[0].headroom).toBe(0.2);
    expect(instance.exclusions.map((e) => [e.variant, e.kind])).toEqual([
      ['a-gpu', 'no-pool'],
      ['a-arm', 'no-profile'],
    ]);
    expect(instance.exclusions[1].reason).toMatch(/no measured profile \(bench it on aarch64, or bring its report.json with --profiles\)/);
  });

  it('an accuracy floor leaves out the INT8 variant, naming the figure', () => {
    const instance = buildInstance(
      [
        targets('a', { p99Ms: 50, ratePerSecond: 100, minAccuracy: 0.95 }, [
          ['a-cpu', 'cpu'],
          ['a-cpu-int8', 'cpu-int8'],
        ]),
      ],
      [
        profile('a-cpu', 'cpu', { p50: 10, p99: 12, accuracy: 0.97 }),
        profile('a-cpu-int8', 'cpu-int8', { p50: 4, p99: 5, accuracy: 0.93, precision: 'int8' }),
      ],
      fleet,
      registry,
      'cost',
    );
    expect(instance.models[0].options.map((o) => o.variant)).toEqual(['a-cpu']);
    expect(instance.exclusions).toEqual([
      expect.objectContaining({ variant: 'a-cpu-int8', kind: 'accuracy', value: 0.93, reason: 'accuracy 0.93 < slo.minAccuracy 0.95' }),
    ]);
  });

  it('a floor on accuracy excludes a model without a measured one; agreement falls back on min cosine', () => {
    const instance = buildInstance(
      [
        targets('a', { p99Ms: 50, ratePerSecond: 10, minAccuracy: 0.9 }, [['a-cpu', 'cpu']]),
        targets('b', { p99Ms: 50, ratePerSecond: 10, minAgreement: 0.99 }, [['b-cpu', 'cpu']]),
      ],
      [profile('a-cpu', 'cpu', { p50: 1, p99: 2 }), profile('b-cpu', 'cpu', { p50: 1, p99: 2, agreement: 0.985 })],
      fleet,
      registry,
      'cost',
    );
    expect(instance.models.map((m) => m.options.length)).toEqual([0, 0]);
    expect(instance.exclusions.map((e) => e.reason)).toEqual([
      'no measured accuracy (untrained, or verify ran without a labelled dataset), slo.minAccuracy 0.9',
      'agreement with the original 0.985 < slo.minAgreement 0.99',
    ]);
  });

  it('a replica bigger than a node, and replicas beyond the pool, are left out with the figures', () => {
    const big = profile('a-cpu', 'cpu', { p50: 10, p99: 12, artifactBytes: 8 * 1024 ** 3 });
    const small = buildInstance([targets('a', { p99Ms: 50, ratePerSecond: 10 }, [['a-cpu', 'cpu']])], [big], fleet, registry, 'cost');
    expect(small.exclusions[0]).toMatchObject({ kind: 'node-too-small', pool: 'x86' });
    expect(small.exclusions[0].reason).toMatch(/one replica needs 1 cores, \d+ MiB, 0 accelerators; a node of x86 offers 4, 16384, 0/);
    const busy = buildInstance(
      [targets('a', { p99Ms: 50, ratePerSecond: 1000 }, [['a-cpu', 'cpu']])],
      [profile('a-cpu', 'cpu', { p50: 10, p99: 12 })],
      fleet,
      registry,
      'cost',
    );
    expect(busy.exclusions[0]).toMatchObject({ kind: 'pool-too-small', reason: '10 replicas need 3 nodes of x86, which has 2' });
  });

  it('models without slo are listed, not planned; options are ranked by p99, then name', () => {
    const instance = buildInstance(
      [
        targets('a', { p99Ms: 50, ratePerSecond: 10 }, [
          ['a-cpu', 'cpu'],
          ['a-cpu-tf', 'cpu-tf'],
        ]),
        targets('b', undefined, [['b-cpu', 'cpu']]),
      ],
      [profile('a-cpu', 'cpu', { p50: 10, p99: 12 }), profile('a-cpu-tf', 'cpu-tf', { p50: 5, p99: 6 })],
      fleet,
      registry,
      'cost',
    );
    expect(instance.unplanned).toEqual(['b']);
    expect(instance.models[0].options.map((o) => [o.variant, o.rank])).toEqual([
      ['a-cpu-tf', 0],
      ['a-cpu', 1],
    ]);
  });
});
