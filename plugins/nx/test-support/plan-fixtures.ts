import type { Fleet, Pool } from '../src/plan/fleet';
import type { PlanProfile } from '../src/plan/profiles';
import { RESOURCE_KEYS, totalDemand, type ModelTargets, type PlanInstance, type Resources, type Slo } from '../src/plan/options';

/** A measured profile for tests: LAT p50/p99, THR rate and clients, agreement or accuracy. */
export function profile(
  variant: string,
  platform: string,
  o: Partial<PlanProfile> & { p50: number; p99: number; thr?: number; conc?: number },
): PlanProfile {
  const runsOn = platform === 'gpu' ? 'nvidia-gpu' : platform === 'arm' ? 'aarch64' : 'x86_64';
  return {
    variant,
    model: variant.split('-')[0],
    platform,
    runtime: o.runtime ?? (platform === 'gpu' ? 'onnxruntime-tensorrt' : platform === 'cpu-int8' ? 'openvino' : 'tflite'),
    precision: o.precision ?? 'fp32',
    runsOn,
    latencyMs: { p50: o.p50, p99: o.p99 },
    throughput: o.thr ? { perSecond: o.thr, concurrency: o.conc ?? 2 } : null,
    agreement: o.agreement ?? 1,
    accuracy: o.accuracy ?? null,
    artifactBytes: o.artifactBytes ?? 4 * 1024 * 1024,
    machine: o.machine ?? 'test machine',
    source: 'test',
  };
}

export function pool(name: string, hardware: Pool['hardware'], o: Partial<Omit<Pool, 'capacity'>> & { capacity?: Partial<Resources> } = {}): Pool {
  return {
    name,
    hardware,
    nodes: o.nodes ?? 1,
    capacity: { cores: 4, memoryMiB: 16384, accelerators: 0, ...o.capacity },
    costPerHour: o.costPerHour ?? 1,
    watts: o.watts ?? 100,
    nodeSelector: o.nodeSelector,
  };
}

export const fleetOf = (...pools: Pool[]): Fleet => ({ pools });

export function targets(model: string, slo: Slo | undefined, variants: Array<[string, string]>): ModelTargets {
  return { model, slo, variants: variants.map(([variant, platform]) => ({ variant, platform })) };
}

/**
 * The optimum by enumeration: every combination of one option per model, each pool using as many nodes as its
 * most demanded resource needs. Independent of the solver: what the integer program must equal.
 */
export function bruteForce(instance: PlanInstance): { value: number; choice: Record<string, string> } | null {
  const field = instance.objective === 'cost' ? 'costPerHour' : 'watts';
  const models = instance.models.filter((m) => m.options.length > 0);
  let best: { value: number; choice: Record<string, string> } | null = null;
  const walk = (i: number, picked: PlanInstance['models'][number]['options']) => {
    if (i === models.length) {
      let value = 0;
      for (const p of instance.pools) {
        let nodes = 0;
        const onPool = totalDemand(picked.filter((o) => o.pool === p.name));
        for (const r of RESOURCE_KEYS) {
          const demand = onPool[r];
          if (demand > 0) nodes = Math.max(nodes, p.capacity[r] === 0 ? Infinity : Math.ceil(demand / p.capacity[r] - 1e-9));
        }
        if (nodes > p.nodes) return;
        value += nodes * p[field];
      }
      if (!best || value < best.value - 1e-9) best = { value, choice: Object.fromEntries(picked.map((o) => [o.model, o.id])) };
      return;
    }
    for (const o of models[i].options) walk(i + 1, [...picked, o]);
  };
  walk(0, []);
  return best;
}
