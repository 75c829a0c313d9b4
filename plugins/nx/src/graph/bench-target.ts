import type { TargetConfiguration } from '@nx/devkit';
import type { PluginContext } from '../plugin/plugin-options';
import type { ResolvedModel, ResolvedVariant } from '../config/load-model-config';
import { processingPath } from '../settings/step-settings';
import { coreToolchainInputs, executorInput, hashedPathsInput, pluginBin, pluginParts, upstreamOutputs, ws } from './inputs';
import { variantOutputDir } from '../settings/output-paths';

export function benchTarget(model: ResolvedModel, v: ResolvedVariant, ctx: PluginContext): TargetConfiguration {
  const processing = processingPath(model);
  return {
    executor: '@tf2aif/nx:bench',
    cache: true,
    // timings need the machine to themselves: one benchmark at a time
    parallelism: false,
    // verify, not compile: where the hardware is missing, bench records why instead of failing on the
    // vendor compile; where it is present, bench needs the compile output and says so if it is not there
    dependsOn: ['verify'],
    inputs: [
      upstreamOutputs,
      ...coreToolchainInputs(),
      pluginParts(['py:tf2aif_toolchain/bench/*.py', 'py:tf2aif_toolchain/serve/*.py', 'py:tf2aif_toolchain/runtimes/*.py', 'dist/bench/**']),
      ws(`${ctx.adaptersDir}/runtimes/*.py`),
      executorInput('bench'),
      ...(processing ? [hashedPathsInput(ctx, [processing])] : []),
      // a result measured (or skipped) on one machine is not another machine's
      { runtime: pluginBin(ctx, 'hardware-probe.js') },
    ],
    outputs: [`{workspaceRoot}/${variantOutputDir(v.project, 'bench')}`],
    metadata: { description: `Measure ${v.project}: latency (LAT), throughput (THR), server overhead and speedup over native TensorFlow` },
  };
}
