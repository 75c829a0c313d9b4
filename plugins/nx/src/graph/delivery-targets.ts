import type { TargetConfiguration } from '@nx/devkit';
import type { ResolvedModel, ResolvedVariant } from '../config/load-model-config';
import { variantIdentity } from '../config/variant-identity';
import { coreToolchainInputs, executorInput, hashedPathsInput, upstreamOutputs, type TargetSettings, ws } from './inputs';
import { modelOutputDir, variantOutputDir } from './paths';

/** Shipping a verified variant: its image build contexts, the images, and a local server. */

/** The image's base: the plugin's baseImages (by platform, then by arch), else the descriptor's upstream default. */
export function baseImageFor(v: ResolvedVariant, loc: TargetSettings): string {
  return loc.baseImages[v.key] ?? loc.baseImages[v.platform.name] ?? loc.baseImages[v.platform.arch] ?? v.platform.image.base;
}

/** The model's pre/post-processing hooks, workspace-relative (compose, serve and bench run the same server). */
export function processingPath(model: ResolvedModel): string | undefined {
  return model.config.processing ? `${model.dir}/${model.config.processing}` : undefined;
}

export function imageTags(model: ResolvedModel, v: ResolvedVariant) {
  const repo = model.config.image.repository;
  return { imageTag: `${repo}/${model.name}:${v.key}`, clientTag: `${repo}/${model.name}-client:${v.key}` };
}

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
    options: {
      ...variantIdentity(model, v),
      executor: v.runtimeDescriptor.serve.executor ?? v.runtimeDescriptor.executor,
      mode: model.config.serving.mode,
      processing,
      baseImage: baseImageFor(v, loc),
      env: v.platform.image.env,
      runArgs: v.platform.image.runArgs,
      requirements: v.runtimeDescriptor.serve.requirements,
      ...imageTags(model, v),
      modelPath: modelOutputDir(model.name),
      artifactPath: variantOutputDir(v.project, deployed),
      outputPath: variantOutputDir(v.project, 'compose'),
      toolchainDir: loc.toolchainDir,
    },
    metadata: { description: `Render the Docker build contexts of ${v.project} (server and client images)` },
  };
}

export function imageTarget(model: ResolvedModel, v: ResolvedVariant, loc: TargetSettings, baseImage: string): TargetConfiguration {
  const push = model.config.image.push;
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
    options: {
      variant: v.project,
      arch: v.platform.arch,
      contextPath: variantOutputDir(v.project, 'compose'),
      outputPath: variantOutputDir(v.project, 'image'),
      ...imageTags(model, v),
      push,
    },
    metadata: { description: `Build the ${v.project} server and client images through the Docker Engine API` },
  };
}

export function serveTarget(model: ResolvedModel, v: ResolvedVariant, loc: TargetSettings, artifact: string): TargetConfiguration {
  return {
    executor: '@tf2aif/nx:serve',
    continuous: true,
    dependsOn: [artifact],
    // never cached, but Nx still hashes it: without explicit inputs it would hash the (virtual) project root
    inputs: [upstreamOutputs, ...coreToolchainInputs(loc)],
    options: {
      variant: v.project,
      model: model.name,
      executor: v.runtimeDescriptor.executor,
      stage: artifact,
      mode: model.config.serving.mode,
      processing: processingPath(model),
      port: 8000,
      host: '0.0.0.0',
      toolchainDir: loc.toolchainDir,
    },
    metadata: { description: `Serve ${v.project} over the Open Inference Protocol from the managed toolchain (no Docker)` },
  };
}
