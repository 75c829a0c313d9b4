import type { TargetConfiguration } from '@nx/devkit';
import type { ResolvedModel, ResolvedVariant } from '../config/load-model-config';
import { processingPath } from '../settings/step-settings';
import { coreToolchainInputs, executorInput, hashedPathsInput, upstreamOutputs, type TargetSettings, ws } from './inputs';
import { variantOutputDir } from './paths';

/** Shipping a verified variant: its image build contexts, the images, and a local server. */

export function composeTarget(model: ResolvedModel, v: ResolvedVariant, loc: TargetSettings, deployed: string): TargetConfiguration {
  const processing = processingPath(model);
  return {
    executor: '@tf2aif/nx:compose',
    cache: true,
    // only a verified variant is packed: the compile step (where there is one) runs after verify
    dependsOn: [deployed === 'compile' ? 'compile' : 'verify'],
    inputs: [
      upstreamOutputs,
      ...coreToolchainInputs(loc),
      // the whole toolchain package and the pinned image requirements are copied into the image
      ws(`${loc.toolchainDir}/tf2aif_toolchain/**/*.py`),
      ws(`${loc.toolchainDir}/serve-requirements/*.lock`),
      ws(`${loc.pluginDir}/templates/**/*`),
      ws(`${loc.pluginDir}/platforms/${v.platform.name}/**/*`),
      ws(`${loc.pluginDir}/src/platforms/**/*.ts`),
      ws(`${loc.pluginDir}/src/compose/**/*`),
      executorInput(loc, 'compose'),
      ...(processing ? [hashedPathsInput(loc, [processing])] : []),
    ],
    outputs: [`{workspaceRoot}/${variantOutputDir(v.project, 'compose')}`],
    metadata: { description: `Render the Docker build contexts of ${v.project} (server and client images)` },
  };
}

export function imageTarget(v: ResolvedVariant, loc: TargetSettings, baseImage: string): TargetConfiguration {
  return {
    executor: '@tf2aif/nx:image',
    cache: true,
    // builds share one engine (and often one base layer): they run one at a time
    parallelism: false,
    dependsOn: ['compose'],
    inputs: [
      // the build contexts only: a change to the Kubernetes manifests must not rebuild the images
      { dependentTasksOutputFiles: '**/compose/{server,client}/**/*', transitive: false },
      ws(`${loc.pluginDir}/src/image/**/*.ts`),
      executorInput(loc, 'image'),
      { env: 'DOCKER_HOST' },
      // an image lives in an engine, not in Nx's cache: another engine (another CI machine) must build
      // it again, and so must a rebuilt base
      { runtime: `node ${loc.pluginDir}/bin/docker-engine-id.js ${JSON.stringify(baseImage)}` },
    ],
    outputs: [`{workspaceRoot}/${variantOutputDir(v.project, 'image')}`],
    metadata: { description: `Build the ${v.project} server and client images through the Docker Engine API` },
  };
}

export function serveTarget(v: ResolvedVariant, loc: TargetSettings, artifact: string): TargetConfiguration {
  return {
    executor: '@tf2aif/nx:serve',
    continuous: true,
    dependsOn: [artifact],
    // never cached, but Nx still hashes it: without explicit inputs it would hash the (virtual) project root
    inputs: [upstreamOutputs, ...coreToolchainInputs(loc)],
    metadata: { description: `Serve ${v.project} over the Open Inference Protocol from the managed toolchain (no Docker)` },
  };
}
