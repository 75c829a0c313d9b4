import type { ProjectGraph } from '@nx/devkit';
import { loadModelConfig, type ResolvedModel } from '../config/load-model-config';
import { referenceOf } from '../graph/settings-reference';
import type { PlatformRegistry } from '../platforms/platform-registry';
import type { ModelTargets } from './options';

/** Every model of the graph with its service targets and its variants (the graph infers them from tf2aif.json). */
export function modelTargetsFromGraph(
  graph: ProjectGraph,
  workspaceRoot: string,
  registry: PlatformRegistry,
): { targets: ModelTargets[]; models: Map<string, ResolvedModel> } {
  const models = new Map<string, ResolvedModel>();
  for (const node of Object.values(graph.nodes)) {
    if (!node.data.tags?.includes('tf2aif:variant')) continue;
    const ref = referenceOf(node.data.targets);
    if (!ref?.variant || models.has(ref.config)) continue;
    models.set(ref.config, loadModelConfig(workspaceRoot, ref.config, registry));
  }
  const targets = [...models.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => ({ model: m.name, slo: m.config.slo, variants: m.variants.map((v) => ({ variant: v.project, platform: v.platform.name })) }));
  return { targets, models: new Map([...models.values()].map((m) => [m.name, m])) };
}
