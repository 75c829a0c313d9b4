import type { TargetConfiguration } from '@nx/devkit';
import type { PluginContext } from '../plugin/plugin-options';
import type { ResolvedModel, ResolvedVariant } from '../config/load-model-config';
import { processingPath } from '../settings/step-settings';
import { coreToolchainInputs, executorInput, hashedPathsInput, pluginBin, pluginParts, upstreamOutputs, ws } from './inputs';
import { variantOutputDir } from '../settings/output-paths';

/** Shipping a verified variant: its image build contexts, the images, and a local server. */

export function composeTarget(model: ResolvedModel, v: ResolvedVariant, ctx: PluginContext, deployed: string): TargetConfiguration {
  const processing = processingPath(model);
  return {
    executor: '@tf2aif/nx:compose',
    cache: true,
    // only a verified variant is packed: the compile step (where there is one) runs after verify
    dependsOn: [deployed === 'compile' ? 'compile' : 'verify'],
    inputs: [
      upstreamOutputs,
      ...coreToolchainInputs(),
      // the toolchain wheel and the pinned image requirements are copied into the image, with the workspace's own
      // toolchain modules and requirement sets where it has them
      pluginParts(['py:tf2aif_toolchain/**', 'toolchain/serve-requirements/*.lock', 'templates/**', 'dist/compose/**']),
      v.platform.builtIn ? pluginParts([`platforms/${v.platform.name}/**`]) : ws(`${ctx.platformsDir}/${v.platform.name}/**/*`),
      ws(`${ctx.adaptersDir}/**/*`),
      executorInput('compose'),
      ...(processing ? [hashedPathsInput(ctx, [processing])] : []),
    ],
    outputs: [`{workspaceRoot}/${variantOutputDir(v.project, 'compose')}`],
    metadata: { description: `Render the Docker build contexts of ${v.project} (server and client images)` },
  };
}

export function imageTarget(v: ResolvedVariant, ctx: PluginContext, baseImage: string): TargetConfiguration {
  return {
    executor: '@tf2aif/nx:image',
    cache: true,
    // builds share one engine (and often one base layer): they run one at a time
    parallelism: false,
    dependsOn: ['compose'],
    inputs: [
      // the build contexts only: a change to the Kubernetes manifests must not rebuild the images
      { dependentTasksOutputFiles: '**/compose/{server,client}/**/*', transitive: false },
      pluginParts(['dist/image/**']),
      executorInput('image'),
      { env: 'DOCKER_HOST' },
      // an image lives in an engine, not in Nx's cache: another engine (another CI machine) must build
      // it again, and so must a rebuilt base
      { runtime: `${pluginBin(ctx, 'docker-engine-id.js')} ${JSON.stringify(baseImage)}` },
    ],
    outputs: [`{workspaceRoot}/${variantOutputDir(v.project, 'image')}`],
    metadata: { description: `Build the ${v.project} server and client images through the Docker Engine API` },
  };
}

export function serveTarget(v: ResolvedVariant, artifact: string): TargetConfiguration {
  return {
    executor: '@tf2aif/nx:serve',
    continuous: true,
    dependsOn: [artifact],
    // never cached, but Nx still hashes it: without explicit inputs it would hash the (virtual) project root
    inputs: [upstreamOutputs, ...coreToolchainInputs()],
    metadata: { description: `Serve ${v.project} over the Open Inference Protocol from the managed toolchain (no Docker)` },
  };
}
