import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { z } from 'zod';
import { planJobSchema } from '../settings/job-schemas';
import { runPythonStep } from '../toolchain/run-step';
import type { PlanInstance } from './options';

const planSchema = z.object({
  chosen: z.record(z.string(), z.string()),
  nodes: z.record(z.string(), z.number()),
  costPerHour: z.number(),
  watts: z.number(),
});
const solutionSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('infeasible') }),
  planSchema.extend({
    status: z.literal('optimal'),
    /** per model: the best plan without the option chosen for it (null: no other plan exists) */
    runnerUp: z.record(z.string(), planSchema.extend({ option: z.string() }).nullable()),
  }),
]);
export type Solution = z.infer<typeof solutionSchema>;

/** The solver's job: the models that have options, each option's id, pool, replicas, rank and demand. */
export function solverJob(instance: PlanInstance, outputPath: string) {
  return planJobSchema.parse({
    outputPath,
    objective: instance.objective,
    pools: instance.pools.map((p) => ({ name: p.name, nodes: p.nodes, costPerHour: p.costPerHour, watts: p.watts, capacity: p.capacity })),
    models: instance.models
      .filter((m) => m.options.length > 0)
      .map((m) => ({
        model: m.model,
        options: m.options.map((o) => ({ id: o.id, pool: o.pool, replicas: o.replicas, rank: o.rank, demand: o.demand })),
      })),
  });
}

/** Runs the toolchain's `plan` step (HiGHS through SciPy's milp) on the instance. */
export async function solvePlacement(instance: PlanInstance, workspaceRoot: string, outputPath: string): Promise<Solution> {
  const job = solverJob(instance, outputPath);
  if (job.models.length === 0)
    return { status: 'optimal', chosen: {}, nodes: Object.fromEntries(job.pools.map((p) => [p.name, 0])), costPerHour: 0, watts: 0, runnerUp: {} };
  const scratch = mkdtempSync(join(tmpdir(), 'tf2aif-plan-'));
  try {
    await runPythonStep('plan', job, workspaceRoot, join(scratch, 'out'), 'tf2aif');
    return solutionSchema.parse(JSON.parse(readFileSync(join(scratch, 'out', 'solution.json'), 'utf8')));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
