import { existsSync, readFileSync } from 'fs';
import { z } from 'zod';
import { parseJsonFile, parseOrThrow, ConfigFileError } from '../utils/format-issues';
import { runsOnSchema } from '../platforms/platform-descriptor';

/** A fleet file: the node pools a plan may place variants on (`nx run tf2aif:plan --fleet=<file>`). */
export const poolSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'must be lowercase letters, digits and dashes (it becomes a Kubernetes label value)')
    .describe('the pool, as the plan and its manifests name it'),
  hardware: runsOnSchema.describe("what its nodes run variants on: a platform descriptor's runsOn"),
  nodes: z.number().int().nonnegative().describe('nodes the plan may use'),
  capacity: z
    .strictObject({
      cores: z.number().positive().describe('allocatable CPU cores per node'),
      memoryMiB: z.number().positive().describe('allocatable memory per node, MiB'),
      accelerators: z
        .number()
        .int()
        .nonnegative()
        .default(0)
        .describe("devices per node (GPUs, FPGA cards): what a platform's kubernetes.resources asks for"),
    })
    .describe('what one node offers to replicas'),
  costPerHour: z.number().nonnegative().describe('price of one node per hour, in any one currency across the fleet'),
  watts: z.number().nonnegative().describe('power drawn by one node, in watts'),
  nodeSelector: z
    .record(z.string(), z.string())
    .optional()
    .describe('labels that select this pool\'s nodes in Kubernetes (default: {"tf2aif.ai/pool": <name>})'),
});

export const fleetSchema = z
  .strictObject({
    $schema: z.string().optional(),
    description: z.string().optional(),
    pools: z.array(poolSchema).min(1, 'a fleet needs at least one pool'),
  })
  .superRefine((fleet, ctx) => {
    const seen = new Set<string>();
    fleet.pools.forEach((pool, i) => {
      if (seen.has(pool.name)) ctx.addIssue({ code: 'custom', path: ['pools', i, 'name'], message: `duplicate pool name "${pool.name}"` });
      seen.add(pool.name);
    });
  });

export type Fleet = z.output<typeof fleetSchema>;
export type Pool = Fleet['pools'][number];

export const fleetJsonSchemaFile = 'fleet.schema.json';

export function fleetJsonSchema() {
  return { $id: 'https://tf2aif.dev/fleet.schema.json', title: 'tf2aif fleet (nx run tf2aif:plan)', ...z.toJSONSchema(fleetSchema, { io: 'input' }) };
}

export function poolNodeSelector(pool: Pool): Record<string, string> {
  return pool.nodeSelector ?? { 'tf2aif.ai/pool': pool.name };
}

/** Reads and checks a fleet file; errors name the file and the field. */
export function loadFleet(path: string, shownAs: string = path): Fleet {
  if (!existsSync(path)) throw new ConfigFileError(shownAs, ['no such file: write one (see README "Planning a deployment") or pass --fleet=<file>']);
  return parseOrThrow(fleetSchema, parseJsonFile(readFileSync(path, 'utf8'), shownAs), shownAs);
}
