import type { ProjectGraph } from '@nx/devkit';
import type { VariantFacts } from './build-report';

/** Every variant the graph infers (built or not), with the facts its targets carry. */
export function variantFactsFromGraph(graph: ProjectGraph): VariantFacts[] {
  return Object.values(graph.nodes)
    .filter((node) => node.data.tags?.includes('tf2aif:variant'))
    .map((node) => {
      const compose = node.data.targets?.compose?.options ?? {};
      const bench = node.data.targets?.bench?.options ?? {};
      return {
        variant: node.name,
        model: compose.model,
        platform: compose.platform,
        title: compose.title,
        hardware: compose.hardware,
        arch: compose.arch,
        runtime: compose.runtime,
        precision: compose.precision,
        batchSize: compose.batchSize,
        runsOn: bench.runsOn,
        baselineOf: bench.baselineOf,
      };
    });
}
