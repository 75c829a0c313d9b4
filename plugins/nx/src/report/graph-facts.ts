import type { ProjectGraph } from '@nx/devkit';
import { loadModelConfig, type ResolvedModel } from '../config/load-model-config';
import { variantIdentity } from '../config/variant-identity';
import { referenceOf } from '../graph/settings-reference';
import { runsOnOf } from '../platforms/platform-descriptor';
import { workspacePlatforms } from '../platforms/platform-registry';
import type { VariantFacts } from './build-report';

/** Every variant the graph infers (built or not), with its facts resolved from its tf2aif.json. */
export function variantFactsFromGraph(graph: ProjectGraph, workspaceRoot: string): VariantFacts[] {
  const registry = workspacePlatforms(workspaceRoot);
  const models = new Map<string, ResolvedModel>();
  const facts: VariantFacts[] = [];
  for (const node of Object.values(graph.nodes)) {
    if (!node.data.tags?.includes('tf2aif:variant')) continue;
    const ref = referenceOf(node.data.targets);
    if (!ref?.variant) continue;
    if (!models.has(ref.config)) models.set(ref.config, loadModelConfig(workspaceRoot, ref.config, registry));
    const model = models.get(ref.config)!;
    const v = model.variants.find((x) => x.key === ref.variant);
    if (!v) continue;
    facts.push({
      ...variantIdentity(model, v),
      runsOn: runsOnOf(v.platform),
      baselineOf: v.platform.baselineOf,
    });
  }
  return facts;
}
