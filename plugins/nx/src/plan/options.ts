import { DEFAULT_CPU_CORES, mebibytes, resourcesFromArtifact } from '../compose/kubernetes-resources';
import type { z } from 'zod';
import type { sloSchema } from '../config/model-config.schema';
import { runsOnOf } from '../platforms/platform-descriptor';
import type { PlatformRegistry } from '../platforms/platform-registry';
import type { Fleet, Pool } from './fleet';
import type { PlanProfile } from './profiles';

export type Slo = z.output<typeof sloSchema>;
export type Resources = { cores: number; memoryMiB: number; accelerators: number };
/** what a replica asks of a node, and what a pool's node offers */
export const RESOURCE_KEYS = ['cores', 'memoryMiB', 'accelerators'] as const;

/** The options' demand added up per resource. */
export function totalDemand(options: Array<{ demand: Resources }>): Resources {
  const total = { cores: 0, memoryMiB: 0, accelerators: 0 };
  for (const o of options) for (const r of RESOURCE_KEYS) total[r] += o.demand[r];
  return total;
}
export type Objective = 'cost' | 'power';

/** A variant on a pool, with the replicas the model's rate needs: one choice the solver may make. */
export interface PlanOption {
  id: string;
  model: string;
  variant: string;
  platform: string;
  runtime: string;
  precision: string;
  pool: string;
  replicas: number;
  /** the solver's tie-break within a model: lower expected p99 first, then name */
  rank: number;
  perReplica: Resources;
  demand: Resources;
  /** the deployed artifact's size, from which perReplica's memory is estimated (as compose does) */
  artifactBytes: number;
  /** LAT: one request at a time (measured p99); THR: server-side batching (p99 estimated from the THR run) */
  point: 'LAT' | 'THR';
  ratePerReplica: number;
  expectedP99Ms: number;
  p99Estimated: boolean;
  /** spare rate over the target: replicas x rate per replica / target - 1 */
  headroom: number;
  agreement: number | null;
  accuracy: number | null;
  machine: string;
  source: string;
}

/** Something the plan could not use, and why (a line a user can act on). */
export interface Exclusion {
  model: string;
  variant: string;
  pool: string | null;
  kind: 'no-profile' | 'no-pool' | 'latency' | 'accuracy' | 'agreement' | 'node-too-small' | 'pool-too-small';
  reason: string;
  /** the figure that missed, for the nearest-alternative line (p99 ms, accuracy, agreement) */
  value?: number;
}

export interface ModelTargets {
  model: string;
  slo: Slo | undefined;
  /** every variant the graph infers for the model, with its platform */
  variants: Array<{ variant: string; platform: string }>;
}

export interface PlanInstance {
  objective: Objective;
  pools: Pool[];
  models: Array<{ model: string; slo: Slo; options: PlanOption[] }>;
  exclusions: Exclusion[];
  /** models without `slo` in tf2aif.json */
  unplanned: string[];
}

const fmt = (x: number, digits = 2) => Number(x.toFixed(digits)).toString();

/** Where a replica can run at the target, from what was measured: the faster of LAT and THR that keeps p99. */
export function operatingPoint(p: PlanProfile, p99TargetMs: number): { point: 'LAT' | 'THR'; rate: number; p99: number; estimated: boolean } | null {
  const points: Array<{ point: 'LAT' | 'THR'; rate: number; p99: number; estimated: boolean }> = [];
  if (p.latencyMs.p99 <= p99TargetMs) points.push({ point: 'LAT', rate: 1000 / p.latencyMs.p50, p99: p.latencyMs.p99, estimated: false });
  if (p.throughput?.concurrency) {
    // Little's law gives the THR run's mean latency; its tail is taken to stretch as LAT's does (p99 / p50)
    const meanMs = (p.throughput.concurrency * 1000) / p.throughput.perSecond;
    const p99 = meanMs * (p.latencyMs.p99 / p.latencyMs.p50);
    if (p99 <= p99TargetMs) points.push({ point: 'THR', rate: p.throughput.perSecond, p99, estimated: true });
  }
  return points.sort((a, b) => b.rate - a.rate)[0] ?? null;
}

function perReplica(p: PlanProfile, registry: PlatformRegistry): Resources {
  const k = registry.get(p.platform)?.kubernetes;
  const memory = resourcesFromArtifact(p.artifactBytes ?? 0, k?.baselineMemoryMiB?.[p.runtime]).requests.memory;
  return {
    cores: DEFAULT_CPU_CORES,
    memoryMiB: mebibytes(memory),
    accelerators: Object.values(k?.resources ?? {}).reduce((a, b) => a + b, 0),
  };
}

function nodesNeeded(demand: Resources, pool: Pool): number {
  return Math.max(
    0,
    ...RESOURCE_KEYS.map((r) => (demand[r] === 0 ? 0 : pool.capacity[r] === 0 ? Infinity : Math.ceil(demand[r] / pool.capacity[r] - 1e-9))),
  );
}

/** The floors of the slo a profile misses, as exclusions. */
function belowFloors(model: string, slo: Slo, p: PlanProfile, pool: string): Exclusion[] {
  const out: Exclusion[] = [];
  if (slo.minAccuracy !== undefined) {
    if (p.accuracy === null)
      out.push({
        model,
        variant: p.variant,
        pool,
        kind: 'accuracy',
        reason: `no measured accuracy (untrained, or verify ran without a labelled dataset), slo.minAccuracy ${slo.minAccuracy}`,
      });
    else if (p.accuracy < slo.minAccuracy)
      out.push({
        model,
        variant: p.variant,
        pool,
        kind: 'accuracy',
        value: p.accuracy,
        reason: `accuracy ${fmt(p.accuracy, 4)} < slo.minAccuracy ${slo.minAccuracy}`,
      });
  }
  if (slo.minAgreement !== undefined) {
    if (p.agreement === null)
      out.push({ model, variant: p.variant, pool, kind: 'agreement', reason: `not verified, slo.minAgreement ${slo.minAgreement}` });
    else if (p.agreement < slo.minAgreement)
      out.push({
        model,
        variant: p.variant,
        pool,
        kind: 'agreement',
        value: p.agreement,
        reason: `agreement with the original ${fmt(p.agreement, 4)} < slo.minAgreement ${slo.minAgreement}`,
      });
  }
  return out;
}

/** Every (variant, pool) a model may take, with its replicas and demand; and what was left out, with why. */
export function buildInstance(
  models: ModelTargets[],
  profiles: PlanProfile[],
  fleet: Fleet,
  registry: PlatformRegistry,
  objective: Objective,
): PlanInstance {
  const byVariant = new Map(profiles.map((p) => [p.variant, p]));
  const exclusions: Exclusion[] = [];
  const planned: PlanInstance['models'] = [];
  for (const m of models) {
    if (!m.slo) continue;
    const slo = m.slo;
    const options: PlanOption[] = [];
    for (const { variant, platform } of m.variants) {
      const descriptor = registry.get(platform);
      const pools = fleet.pools.filter((pool) => descriptor && pool.hardware === runsOnOf(descriptor));
      const p = byVariant.get(variant);
      if (pools.length === 0) {
        exclusions.push({
          model: m.model,
          variant,
          pool: null,
          kind: 'no-pool',
          reason: `no pool of the fleet has its hardware (${descriptor ? runsOnOf(descriptor) : `unknown platform ${platform}`})`,
        });
        continue;
      }
      if (!p) {
        exclusions.push({
          model: m.model,
          variant,
          pool: null,
          kind: 'no-profile',
          reason: `no measured profile (bench it on ${pools[0].hardware}, or bring its report.json with --profiles)`,
        });
        continue;
      }
      for (const pool of pools) {
        const floors = belowFloors(m.model, slo, p, pool.name);
        if (floors.length > 0) {
          exclusions.push(...floors);
          continue;
        }
        const at = operatingPoint(p, slo.p99Ms);
        if (!at) {
          exclusions.push({
            model: m.model,
            variant,
            pool: pool.name,
            kind: 'latency',
            value: p.latencyMs.p99,
            reason: `p99 ${fmt(p.latencyMs.p99)} ms (measured on ${p.machine}) > slo.p99Ms ${slo.p99Ms}`,
          });
          continue;
        }
        const one = perReplica(p, registry);
        if (nodesNeeded(one, pool) > 1) {
          exclusions.push({
            model: m.model,
            variant,
            pool: pool.name,
            kind: 'node-too-small',
            reason:
              `one replica needs ${one.cores} cores, ${one.memoryMiB} MiB, ${one.accelerators} accelerators; ` +
              `a node of ${pool.name} offers ${pool.capacity.cores}, ${pool.capacity.memoryMiB}, ${pool.capacity.accelerators}`,
          });
          continue;
        }
        const replicas = Math.max(1, Math.ceil(slo.ratePerSecond / at.rate - 1e-9));
        const demand = { cores: one.cores * replicas, memoryMiB: one.memoryMiB * replicas, accelerators: one.accelerators * replicas };
        const nodes = nodesNeeded(demand, pool);
        if (nodes > pool.nodes) {
          exclusions.push({
            model: m.model,
            variant,
            pool: pool.name,
            kind: 'pool-too-small',
            reason: `${replicas} replicas need ${nodes} nodes of ${pool.name}, which has ${pool.nodes}`,
          });
          continue;
        }
        options.push({
          id: `${variant}@${pool.name}`,
          model: m.model,
          variant,
          platform,
          runtime: p.runtime,
          precision: p.precision,
          pool: pool.name,
          replicas,
          rank: 0,
          perReplica: one,
          demand,
          artifactBytes: p.artifactBytes ?? 0,
          point: at.point,
          ratePerReplica: Number(at.rate.toFixed(3)),
          expectedP99Ms: Number(at.p99.toFixed(3)),
          p99Estimated: at.estimated,
          headroom: Number(((replicas * at.rate) / slo.ratePerSecond - 1).toFixed(4)),
          agreement: p.agreement,
          accuracy: p.accuracy,
          machine: p.machine,
          source: p.source,
        });
      }
    }
    options.sort((a, b) => a.expectedP99Ms - b.expectedP99Ms || a.id.localeCompare(b.id)).forEach((o, i) => (o.rank = i));
    planned.push({ model: m.model, slo, options });
  }
  return { objective, pools: fleet.pools, models: planned, exclusions, unplanned: models.filter((m) => !m.slo).map((m) => m.model) };
}
