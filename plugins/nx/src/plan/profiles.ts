import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { cpus } from 'os';
import { join, relative } from 'path';
import { z } from 'zod';
import { parseJsonFile, parseOrThrow } from '../utils/format-issues';
import { buildReport, type Report, type VariantFacts, type VariantProfile } from '../report/build-report';
import { readVariantResult, type BenchJson } from '../report/variant-results';
import { distRoot } from '../settings/output-paths';
import { acceleratorsFound, type Hardware } from '../bench/hardware';
import { runsOnSchema, type RunsOn } from '../platforms/platform-descriptor';

/** What the plan needs of one variant's measurements, and where they were taken. */
export interface PlanProfile {
  variant: string;
  model: string;
  platform: string;
  runtime: string;
  precision: string;
  runsOn: RunsOn;
  /** batch-1 requests over HTTP, one client at a time (LAT mode) */
  latencyMs: { p50: number; p99: number };
  /** THR mode: server-side batching under `concurrency` closed-loop clients */
  throughput: { perSecond: number; concurrency: number | null } | null;
  agreement: number | null;
  accuracy: number | null;
  artifactBytes: number | null;
  /** the machine the profile was measured on (or a fixture's label) */
  machine: string;
  /** "this workspace" or the file it came from */
  source: string;
}

const nullableNumber = z.number().nullable().optional();
const variantSchema = z.looseObject({
  variant: z.string(),
  model: z.string(),
  platform: z.string(),
  runtime: z.string(),
  precision: z.string(),
  runsOn: runsOnSchema,
  latencyMs: z.looseObject({ p50: z.number().positive(), p99: z.number().positive() }).nullable(),
  throughput: z.looseObject({ perSecond: z.number().positive(), concurrency: nullableNumber }).nullable(),
  accuracy: z
    .looseObject({ minCosine: z.number(), top1Agreement: nullableNumber, iouAgreement: nullableNumber, variantAccuracy: nullableNumber })
    .nullable(),
  artifact: z.looseObject({ sizeBytes: z.number() }).nullable(),
});
/** A report.json (`nx run tf2aif:report`) from any machine; `fixture` labels profiles that were not measured. */
const reportFileSchema = z.looseObject({
  fixture: z.string().optional().describe('set on profiles that are not measurements (tests, samples): the plan shows it as their machine'),
  machine: z
    .looseObject({ machine: z.looseObject({ cpu: z.string() }) })
    .nullable()
    .optional(),
  variants: z.array(variantSchema),
});

type ProfileLike = z.infer<typeof variantSchema>;

function toPlanProfile(v: ProfileLike, machine: string, source: string): PlanProfile | null {
  if (!v.latencyMs) return null; // not measured there
  const a = v.accuracy;
  return {
    variant: v.variant,
    model: v.model,
    platform: v.platform,
    runtime: v.runtime,
    precision: v.precision,
    runsOn: v.runsOn,
    latencyMs: { p50: v.latencyMs.p50, p99: v.latencyMs.p99 },
    throughput: v.throughput ? { perSecond: v.throughput.perSecond, concurrency: v.throughput.concurrency ?? null } : null,
    agreement: a ? (a.top1Agreement ?? a.iouAgreement ?? a.minCosine) : null,
    accuracy: a?.variantAccuracy ?? null,
    artifactBytes: v.artifact?.sizeBytes ?? null,
    machine,
    source,
  };
}

/** This workspace's measured variants (the report's profiles, built from dist/ without writing a report). */
export function localProfiles(report: Pick<Report, 'variants' | 'machine'>): PlanProfile[] {
  const machine = report.machine?.machine.cpu ?? cpus()[0]?.model ?? 'this machine';
  return report.variants
    .map((v: VariantProfile) => toPlanProfile(v as unknown as ProfileLike, machine, 'this workspace'))
    .filter((p): p is PlanProfile => p !== null);
}

/** report.json-shaped files, and copied dist/ folders (a runner's dist/variants/<v>/{bench,verify,...}/*.json). */
function profileSources(dir: string): { reports: string[]; dists: string[] } {
  const out = { reports: [] as string[], dists: [] as string[] };
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (!statSync(path).isDirectory()) {
      if (name.endsWith('.json')) out.reports.push(path);
    } else if (name === distRoot && existsSync(join(path, 'variants'))) {
      out.dists.push(dir);
    } else {
      const inner = profileSources(path);
      out.reports.push(...inner.reports);
      out.dists.push(...inner.dists);
    }
  }
  return out;
}

/** bench.json's machine: its CPU model and the accelerators it found. */
function benchMachine(bench: BenchJson | undefined): string {
  const m = (bench?.machine ?? {}) as Hardware;
  return [String(m.cpuModel ?? m.cpu ?? 'unknown machine'), ...acceleratorsFound(m)].join(' + ');
}

/**
 * Profiles measured on other machines (or labelled fixtures) under `dir`: report.json files, and copies of a
 * runner's dist/ folder, whose variants are read as this workspace's graph describes them (`facts`).
 */
export function importedProfiles(workspaceRoot: string, dir: string, facts: VariantFacts[] = []): { profiles: PlanProfile[]; ignored: string[] } {
  const root = join(workspaceRoot, dir);
  if (!existsSync(root)) return { profiles: [], ignored: [] };
  const { reports, dists } = profileSources(root);
  const profiles: PlanProfile[] = [];
  const ignored: string[] = [];
  for (const file of reports) {
    const shown = relative(workspaceRoot, file);
    const report = parseOrThrow(reportFileSchema, parseJsonFile(readFileSync(file, 'utf8'), shown), shown);
    const machine = report.fixture ? `fixture: ${report.fixture}` : (report.machine?.machine.cpu ?? 'unknown machine');
    profiles.push(...report.variants.map((v) => toPlanProfile(v, machine, shown)).filter((p): p is PlanProfile => p !== null));
  }
  const known = new Map(facts.map((f) => [f.variant, f]));
  for (const base of dists) {
    for (const variant of readdirSync(join(base, distRoot, 'variants')).sort()) {
      const shown = relative(workspaceRoot, join(base, distRoot, 'variants', variant));
      const f = known.get(variant);
      if (!f) {
        ignored.push(`${shown}: no variant ${variant} in this workspace's graph`);
        continue;
      }
      const result = readVariantResult(base, variant);
      if (result.problems.length > 0) ignored.push(...result.problems);
      const [v] = buildReport([f], new Map([[variant, result]]), null).variants;
      const p = toPlanProfile(v as unknown as ProfileLike, benchMachine(result.bench), shown);
      if (p) profiles.push(p);
    }
  }
  return { profiles, ignored };
}

/**
 * One profile per variant: this workspace's measurement first (it is of the code as it is now), then imported
 * ones in file order; the others are named in `ignored`.
 */
export function mergeProfiles(
  local: PlanProfile[],
  imported: { profiles: PlanProfile[]; ignored: string[] },
): { profiles: PlanProfile[]; ignored: string[] } {
  const chosen = new Map<string, PlanProfile>();
  const ignored: string[] = [...imported.ignored];
  for (const p of [...local, ...imported.profiles]) {
    const kept = chosen.get(p.variant);
    if (kept) ignored.push(`${p.variant} from ${p.source}: already profiled by ${kept.source}`);
    else chosen.set(p.variant, p);
  }
  return { profiles: [...chosen.values()], ignored };
}
