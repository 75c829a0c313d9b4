import { RESOURCE_KEYS, totalDemand, type Exclusion, type Objective, type PlanInstance, type PlanOption, type Slo } from './options';
import type { Solution } from './solve';

/** One model's placement in plan.json, with the reasons a person needs to trust or change it. */
export interface PlannedModel {
  model: string;
  slo: Slo;
  variant: string;
  platform: string;
  precision: string;
  pool: string;
  replicas: number;
  point: 'LAT' | 'THR';
  ratePerReplica: number;
  expectedP99Ms: number;
  p99Estimated: boolean;
  headroom: number;
  measuredOn: string;
  profileSource: string;
  why: string;
  wouldChange: string[];
}

export interface Plan {
  generatedAt: string;
  objective: Objective;
  fleet: string;
  status: 'planned' | 'partial' | 'infeasible' | 'nothing-to-plan';
  totals: { costPerHour: number; watts: number; nodes: Record<string, { used: number; of: number }> };
  models: PlannedModel[];
  /** one line per model that cannot be placed: the target or pool that blocks it, and the nearest alternative */
  infeasible: Array<{ model: string; line: string }>;
  binding: string[];
  excluded: Exclusion[];
  unplanned: string[];
  profiles: { used: number; ignored: string[] };
}

const num = (x: number, digits = 2) => Number(x.toFixed(digits)).toString();
const objectiveField = { cost: 'costPerHour', power: 'watts' } as const;
const unit = { cost: '/h', power: ' W' } as const;

/** Why nothing of a model could be placed, from what was excluded, and the nearest thing that would work. */
export function infeasibleLine(model: string, slo: Slo, excluded: Exclusion[]): string {
  const of = (kind: Exclusion['kind']) => excluded.filter((e) => e.kind === kind);
  const tooFew = of('pool-too-small');
  if (tooFew.length > 0)
    return (
      `${model}: ${tooFew[0].variant} meets the targets but ${tooFew[0].reason}; ` +
      `add nodes to ${tooFew[0].pool} or lower slo.ratePerSecond (${slo.ratePerSecond})`
    );
  const slow = of('latency').sort((a, b) => a.value! - b.value!);
  if (slow.length > 0) {
    return (
      `${model}: no variant keeps slo.p99Ms ${slo.p99Ms} on any pool; ` +
      `nearest: ${slow[0].variant} on ${slow[0].pool}, ${slow[0].reason.replace(/ > slo.*/, '')}; ` +
      `relax slo.p99Ms to ${num(slow[0].value!)} or profile faster hardware`
    );
  }
  for (const kind of ['accuracy', 'agreement'] as const) {
    const low = of(kind)
      .filter((e) => e.value !== undefined)
      .sort((a, b) => b.value! - a.value!);
    if (low.length > 0) {
      const field = kind === 'accuracy' ? 'slo.minAccuracy' : 'slo.minAgreement';
      return (
        `${model}: no variant reaches ${field} ${kind === 'accuracy' ? slo.minAccuracy : slo.minAgreement}; ` +
        `nearest: ${low[0].variant} at ${num(low[0].value!, 4)}; ` +
        `lower ${field} to ${num(low[0].value!, 4)} or deploy a more precise variant (fp32)`
      );
    }
    if (of(kind).length > 0)
      return (
        `${model}: ${of(kind)[0].reason}: ` +
        `remove ${kind === 'accuracy' ? 'slo.minAccuracy' : 'slo.minAgreement'} or verify with a labelled dataset`
      );
  }
  const big = of('node-too-small');
  if (big.length > 0) return `${model}: ${big[0].variant} on ${big[0].pool}: ${big[0].reason}; use larger nodes`;
  const missing = [...of('no-profile'), ...of('no-pool')];
  if (missing.length > 0) return `${model}: no variant can be placed: ${missing.map((e) => `${e.variant} (${e.reason})`).join('; ')}`;
  return `${model}: no variant of it is in the graph`;
}

function why(
  option: PlanOption,
  options: PlanOption[],
  solution: Extract<Solution, { status: 'optimal' }>,
  objective: Objective,
  excluded: Exclusion[],
): string {
  const field = objectiveField[objective];
  const left = excluded.length > 0 ? ` (${excluded.length} left out by the targets or the fleet)` : '';
  const runnerUp = solution.runnerUp[option.model];
  if (options.length === 1) return `the only option that meets the targets${left}`;
  if (!runnerUp)
    return (
      `lowest ${objective} of ${options.length} options that meet the targets${left}; ` +
      `the other${options.length > 2 ? 's do' : ' does'} not fit beside the rest of the plan`
    );
  const delta = runnerUp[field] - solution[field];
  return (
    `lowest ${objective} of ${options.length} options that meet the targets${left}; ` +
    `next best: ${runnerUp.option} (the plan then costs ${delta >= 0 ? '+' : ''}${num(delta)}${unit[objective]}` +
    `${delta === 0 ? ', a tie broken by the other objective, then by lower p99' : ''})`
  );
}

function wouldChange(option: PlanOption, slo: Slo, excluded: Exclusion[]): string[] {
  const out = [
    `a p99 target below ${num(option.expectedP99Ms)} ms rules it out` +
      `${option.p99Estimated ? ' (THR p99 estimated from the THR run, see README)' : ''}`,
    `above ${num(option.replicas * option.ratePerReplica, 1)} requests/s (now ${slo.ratePerSecond}) it needs replica ${option.replicas + 1}`,
  ];
  const floors = excluded.filter((e) => e.kind === 'accuracy' || e.kind === 'agreement' || e.kind === 'latency');
  if (floors.length > 0)
    out.push(
      `left out by the targets: ${floors
        .slice(0, 4)
        .map((e) => `${e.variant}${e.pool ? `@${e.pool}` : ''} (${e.reason})`)
        .join('; ')}${floors.length > 4 ? `; ${floors.length - 4} more` : ''}`,
    );
  return out;
}

/** Pools whose every node is used, and resources filled to the last unit on the nodes used. */
function bindingConstraints(instance: PlanInstance, chosen: PlanOption[], nodes: Record<string, number>): string[] {
  const out: string[] = [];
  for (const pool of instance.pools) {
    const used = nodes[pool.name] ?? 0;
    if (used === 0) continue;
    if (used === pool.nodes) out.push(`pool ${pool.name}: all ${pool.nodes} nodes in use`);
    const onPool = totalDemand(chosen.filter((o) => o.pool === pool.name));
    for (const r of RESOURCE_KEYS) {
      const demand = onPool[r];
      if (pool.capacity[r] > 0 && demand >= used * pool.capacity[r] - 1e-9)
        out.push(`pool ${pool.name}: ${r} fully allocated (${num(demand)} of ${num(used * pool.capacity[r])})`);
    }
  }
  for (const m of instance.models) {
    const excluded = instance.exclusions.filter((e) => e.model === m.model);
    for (const [kind, field] of [
      ['latency', 'slo.p99Ms'],
      ['accuracy', 'slo.minAccuracy'],
      ['agreement', 'slo.minAgreement'],
    ] as const) {
      const n = excluded.filter((e) => e.kind === kind).length;
      if (n > 0 && m.options.length > 0) out.push(`${m.model}: ${field} left out ${n} option${n === 1 ? '' : 's'}`);
    }
  }
  return out;
}

export function explainPlan(
  instance: PlanInstance,
  solution: Solution,
  context: { fleet: string; profilesUsed: number; ignored: string[]; now?: Date },
): Plan {
  const excluded = instance.exclusions;
  const infeasible = instance.models
    .filter((m) => m.options.length === 0)
    .map((m) => ({
      model: m.model,
      line: infeasibleLine(
        m.model,
        m.slo,
        excluded.filter((e) => e.model === m.model),
      ),
    }));
  const base = {
    generatedAt: (context.now ?? new Date()).toISOString(),
    objective: instance.objective,
    fleet: context.fleet,
    excluded,
    unplanned: instance.unplanned,
    profiles: { used: context.profilesUsed, ignored: context.ignored },
  };
  const emptyNodes = Object.fromEntries(instance.pools.map((p) => [p.name, { used: 0, of: p.nodes }]));
  if (solution.status === 'infeasible') {
    const placeable = instance.models.filter((m) => m.options.length > 0);
    const line =
      `${placeable.map((m) => m.model).join(', ')}: each fits the fleet alone but not all together; ` +
      `add nodes to ${instance.pools.map((p) => p.name).join(' or ')}, or lower slo.ratePerSecond`;
    return {
      ...base,
      status: 'infeasible',
      totals: { costPerHour: 0, watts: 0, nodes: emptyNodes },
      models: [],
      infeasible: [...infeasible, ...placeable.map((m) => ({ model: m.model, line }))],
      binding: [],
    };
  }
  const chosen: PlanOption[] = [];
  const models: PlannedModel[] = [];
  for (const m of instance.models.filter((x) => x.options.length > 0)) {
    const option = m.options.find((o) => o.id === solution.chosen[m.model])!;
    chosen.push(option);
    const mine = excluded.filter((e) => e.model === m.model);
    models.push({
      model: m.model,
      slo: m.slo,
      variant: option.variant,
      platform: option.platform,
      precision: option.precision,
      pool: option.pool,
      replicas: option.replicas,
      point: option.point,
      ratePerReplica: option.ratePerReplica,
      expectedP99Ms: option.expectedP99Ms,
      p99Estimated: option.p99Estimated,
      headroom: option.headroom,
      measuredOn: option.machine,
      profileSource: option.source,
      why: why(option, m.options, solution, instance.objective, mine),
      wouldChange: wouldChange(option, m.slo, mine),
    });
  }
  const status = models.length === 0 ? (infeasible.length > 0 ? 'infeasible' : 'nothing-to-plan') : infeasible.length > 0 ? 'partial' : 'planned';
  return {
    ...base,
    status,
    totals: {
      costPerHour: Number(solution.costPerHour.toFixed(6)),
      watts: Number(solution.watts.toFixed(6)),
      nodes: Object.fromEntries(instance.pools.map((p) => [p.name, { used: solution.nodes[p.name] ?? 0, of: p.nodes }])),
    },
    models,
    infeasible,
    binding: bindingConstraints(instance, chosen, solution.nodes),
  };
}
