import type { ExecutorContext } from '@nx/devkit';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join, normalize, sep } from 'path';
import { z } from 'zod';
import { ConfigFileError, parseOrThrow } from '../../utils/format-issues';
import { buildReport } from '../../report/build-report';
import { variantFactsFromGraph } from '../../report/graph-facts';
import { readVariantResult } from '../../report/variant-results';
import { workspacePlatforms } from '../../platforms/platform-registry';
import { explainPlan, type Plan } from '../../plan/explain';
import { loadFleet } from '../../plan/fleet';
import { modelTargetsFromGraph } from '../../plan/models-from-graph';
import { buildInstance, totalDemand, type PlanInstance } from '../../plan/options';
import { composeJsonSchema } from '../../compose/compose-options';
import { planManifests, replicasThatFit, writePlanManifests } from '../../plan/plan-manifests';
import { planMarkdown } from '../../plan/plan-markdown';
import { importedProfiles, localProfiles, mergeProfiles } from '../../plan/profiles';
import { solvePlacement } from '../../plan/solve';
import { imageTags } from '../../settings/step-settings';
import { asExecutorResult } from '../../toolchain/run-step';
import { withAtomicOutput } from '../../utils/atomic-output';
import { planInputsDir } from '../../graph/workspace-targets';
import { variantOutputDir } from '../../settings/output-paths';

const optionsSchema = z.looseObject({
  fleet: z.string().min(1).default(`${planInputsDir}/fleet.json`),
  profiles: z.string().min(1).default(`${planInputsDir}/profiles`),
  objective: z.enum(['cost', 'power']).default('cost'),
  outputPath: z.string().min(1).describe('set by the target (workspace-targets.ts)'),
});

/** The plan is cached on the files of plan/: a fleet or profiles elsewhere would not be part of its hash. */
function insidePlanDir(option: string, value: string): string {
  const path = normalize(value);
  if (path !== planInputsDir && !path.startsWith(`${planInputsDir}${sep}`)) {
    throw new ConfigFileError(`--${option}`, [
      `"${value}" is outside ${planInputsDir}/: put it under ${planInputsDir}/ ` +
        "(the plan's cache hashes that folder, so a file elsewhere could leave a stale plan)",
    ]);
  }
  return path;
}

/** Labels compose gave the variant's image, when it has run (the manifests then match the image exactly). */
function composedLabels(root: string, variant: string): Record<string, string> | undefined {
  const file = join(root, variantOutputDir(variant, 'compose'), 'compose.json');
  if (!existsSync(file)) return undefined;
  return parseOrThrow(composeJsonSchema, JSON.parse(readFileSync(file, 'utf8')), file).labels;
}

function writeManifests(
  root: string,
  dir: string,
  plan: Plan,
  instance: PlanInstance,
  models: ReturnType<typeof modelTargetsFromGraph>['models'],
): string[] {
  const registry = workspacePlatforms(root);
  const files: string[] = [];
  const options = instance.models.flatMap((m) => m.options);
  const chosen = plan.models.map((p) => options.find((o) => o.id === `${p.variant}@${p.pool}`)!);
  for (const [i, p] of plan.models.entries()) {
    const model = models.get(p.model)!;
    const v = model.variants.find((x) => x.project === p.variant)!;
    const pool = instance.pools.find((x) => x.name === p.pool)!;
    const othersDemand = totalDemand(chosen.filter((o, j) => j !== i && o.pool === p.pool));
    const facts = {
      variant: p.variant,
      model: p.model,
      platform: p.platform,
      arch: v.platform.arch,
      runtime: chosen[i].runtime,
      image: imageTags(model, v).imageTag,
      labels: composedLabels(root, p.variant) ?? {
        'ai.tf2aif.platform': p.platform,
        'ai.tf2aif.runtime': v.runtime,
        'ai.tf2aif.precision': p.precision,
      },
      // the plan's per-replica memory came from the profile's artifact size: the manifests ask for the same
      artifactBytes: chosen[i].artifactBytes,
      port: model.config.serving.port,
    };
    const docs = planManifests(p, facts, registry.get(p.platform)!, pool, replicasThatFit(pool, chosen[i].perReplica, othersDemand));
    files.push(...writePlanManifests(dir, p.variant, docs));
  }
  return files;
}

/** `nx run tf2aif:plan`: one variant per model with service targets, on the fleet, at the lowest cost or power. */
export default async function planExecutor(raw: unknown, context: ExecutorContext) {
  return asExecutorResult(async () => {
    const started = Date.now();
    const o = parseOrThrow(optionsSchema, raw, `options of ${context.projectName}:plan`);
    const fleetPath = insidePlanDir('fleet', o.fleet);
    const profilesDir = insidePlanDir('profiles', o.profiles);
    const fleet = loadFleet(join(context.root, fleetPath), fleetPath);
    const registry = workspacePlatforms(context.root);
    const { targets, models } = modelTargetsFromGraph(context.projectGraph!, context.root, registry);
    const facts = variantFactsFromGraph(context.projectGraph!, context.root);
    const results = new Map(facts.map((f) => [f.variant, readVariantResult(context.root, f.variant)]));
    const { profiles, ignored } = mergeProfiles(localProfiles(buildReport(facts, results, null)), importedProfiles(context.root, profilesDir, facts));
    const instance = buildInstance(targets, profiles, fleet, registry, o.objective);
    const solution = await solvePlacement(instance, context.root, o.outputPath);
    const plan = explainPlan(instance, solution, { fleet: fleetPath, profilesUsed: profiles.length, ignored });
    await withAtomicOutput(context.root, o.outputPath, async (dir) => {
      writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan, null, 2) + '\n');
      writeFileSync(join(dir, 'plan.md'), planMarkdown(plan));
      writeManifests(context.root, dir, plan, instance, models);
    });
    for (const m of plan.models) {
      console.log(
        `  ✔ ${m.model}: ${m.variant} on ${m.pool} x${m.replicas} (${m.point}, ` +
          `p99 ${m.expectedP99Ms} ms${m.p99Estimated ? ' est.' : ''} <= ${m.slo.p99Ms}, headroom ${(m.headroom * 100).toFixed(0)}%)`,
      );
    }
    for (const i of plan.infeasible) console.log(`  ✖ ${i.line}`);
    if (plan.unplanned.length > 0) console.log(`  · no slo in tf2aif.json: ${plan.unplanned.join(', ')}`);
    console.log(
      `plan: ${plan.status}, ${plan.totals.costPerHour}/h, ${plan.totals.watts} W (${Object.entries(plan.totals.nodes)
        .map(([p, n]) => `${p} ${n.used}/${n.of}`)
        .join(', ')}) ` +
        `from ${profiles.length} profiles in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${o.outputPath}/plan.{json,md}, kubernetes/`,
    );
  });
}
