import type { TargetConfiguration } from '@nx/devkit';
import type { ResolvedModel, ResolvedVariant } from '../config/load-model-config';
import { runsOnOf } from '../platforms/platform-descriptor';
import { imageTags, processingPath } from './delivery-targets';
import { coreToolchainInputs, executorInput, hashedPathsInput, upstreamOutputs, type TargetSettings, ws } from './inputs';
import { modelOutputDir, variantOutputDir } from './paths';

export function benchTarget(model: ResolvedModel, v: ResolvedVariant, loc: TargetSettings, deployed: string): TargetConfiguration {
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
      ...coreToolchainInputs(loc),
      ws(`${loc.toolchainDir}/tf2aif_toolchain/bench/*.py`),
      ws(`${loc.toolchainDir}/tf2aif_toolchain/serve/*.py`),
      ws(`${loc.toolchainDir}/tf2aif_toolchain/runtimes/*.py`),
      ws(`${loc.pluginDir}/src/bench/**/*.ts`),
      executorInput(loc, 'bench'),
      ...(processing ? [hashedPathsInput(loc, [processing])] : []),
      // a result measured (or skipped) on one machine is not another machine's
      { runtime: `node ${loc.pluginDir}/bin/hardware-probe.js` },
    ],
    outputs: [`{workspaceRoot}/${variantOutputDir(v.project, 'bench')}`],
    options: {
      variant: v.project,
      model: model.name,
      platform: v.platform.name,
      runsOn: runsOnOf(v.platform),
      baselineOf: v.platform.baselineOf,
      executor: v.runtimeDescriptor.serve.executor ?? v.runtimeDescriptor.executor,
      stage: deployed,
      processing,
      batchSize: v.batchSize,
      maxSeconds: 45,
      image: false,
      imageTag: imageTags(model, v).imageTag,
      runArgs: v.platform.image.runArgs,
      modelPath: modelOutputDir(model.name),
      outputPath: variantOutputDir(v.project, 'bench'),
      toolchainDir: loc.toolchainDir,
    },
    metadata: { description: `Measure ${v.project}: latency (LAT), throughput (THR), server overhead and speedup over native TensorFlow` },
  };
}
