import type { TargetConfiguration } from '@nx/devkit';
import type { ResolvedModel, ResolvedVariant } from '../config/load-model-config';
import { runsOnOf } from '../platforms/platform-descriptor';
import {
  adapterInput,
  coreToolchainInputs,
  executorInput,
  hashedPathsInput,
  upstreamOutputs,
  type TargetSettings,
} from './inputs';
import { modelOutputDir, variantOutputDir } from './paths';

const ws = (p: string) => `{workspaceRoot}/${p}`;

/** What every step of a variant knows about it; passed as options so Nx hashes it. */
function variantOptions(model: ResolvedModel, v: ResolvedVariant, loc: TargetSettings) {
  return {
    model: model.name,
    variant: v.project,
    platform: v.platform.name,
    arch: v.platform.arch,
    runtime: v.runtime,
    precision: v.precision,
    batchSize: v.batchSize,
    task: model.config.task,
    trained: model.config.trained,
    inputs: model.config.inputs,
    modelPath: modelOutputDir(model.name),
    toolchainDir: loc.toolchainDir,
  };
}

function calibrationOptions(model: ResolvedModel) {
  const c = model.config.calibration;
  return {
    ...c,
    loader: c.loader ? `${model.dir}/${c.loader}` : undefined,
    dataset: c.dataset ? `${model.dir}/${c.dataset}` : undefined,
  };
}

/** Loader code and dataset files, hashed by content (datasets are often git-ignored). */
function calibrationInputs(model: ResolvedModel, loc: TargetSettings) {
  const c = calibrationOptions(model);
  const paths = [c.loader, c.dataset].filter((p): p is string => Boolean(p));
  return paths.length > 0 ? [hashedPathsInput(loc, paths)] : [];
}

/** The step whose output is the deployed artifact. */
export function artifactStep(v: ResolvedVariant): 'convert' | 'quantize' {
  return v.quantizer ? 'quantize' : 'convert';
}

export function variantTargets(
  model: ResolvedModel,
  v: ResolvedVariant,
  loc: TargetSettings,
): Record<string, TargetConfiguration> {
  const base = variantOptions(model, v, loc);
  const core = coreToolchainInputs(loc);
  const rt = v.runtimeDescriptor;
  const out = (step: string) => `{workspaceRoot}/${variantOutputDir(v.project, step)}`;
  const targets: Record<string, TargetConfiguration> = {};

  targets.convert = {
    executor: '@tf2aif/nx:convert',
    cache: true,
    dependsOn: ['^build-model'],
    inputs: [upstreamOutputs, ...core, adapterInput(loc, 'converters', rt.converter), executorInput(loc, 'convert')],
    outputs: [out('convert')],
    options: { ...base, converter: rt.converter, outputPath: variantOutputDir(v.project, 'convert') },
    metadata: { description: `Convert ${model.name} for ${v.platform.title} with ${rt.converter}` },
  };

  if (v.quantizer) {
    targets.quantize = {
      executor: '@tf2aif/nx:quantize',
      cache: true,
      dependsOn: ['convert'],
      inputs: [
        upstreamOutputs,
        ...core,
        ...calibrationInputs(model, loc),
        adapterInput(loc, 'quantizers', v.quantizer),
        executorInput(loc, 'quantize'),
      ],
      outputs: [out('quantize')],
      options: {
        ...base,
        quantizer: v.quantizer,
        ...(v.ioType ? { ioType: v.ioType } : {}),
        calibration: calibrationOptions(model),
        convertPath: variantOutputDir(v.project, 'convert'),
        outputPath: variantOutputDir(v.project, 'quantize'),
      },
      metadata: { description: `Quantize ${v.project} to ${v.precision.toUpperCase()} with ${v.quantizer}` },
    };
  }

  const artifact = artifactStep(v);
  targets.verify = {
    executor: '@tf2aif/nx:verify',
    cache: true,
    dependsOn: [artifact],
    inputs: [
      upstreamOutputs,
      ...core,
      ...calibrationInputs(model, loc),
      adapterInput(loc, 'runtimes', rt.executor),
      adapterInput(loc, 'runtimes', 'tensorflow'),
      executorInput(loc, 'verify'),
    ],
    outputs: [out('verify')],
    options: {
      ...base,
      executor: rt.executor,
      calibration: calibrationOptions(model),
      verify: model.config.verify,
      artifactPath: variantOutputDir(v.project, artifact),
      outputPath: variantOutputDir(v.project, 'verify'),
    },
    metadata: { description: `Check ${v.project} against the TensorFlow original` },
  };

  const deployed = rt.compiler ? 'compile' : artifact;
  targets.compose = composeTarget(model, v, loc, deployed);
  targets.image = imageTarget(model, v, loc, baseImageFor(v, loc));
  targets.serve = serveTarget(model, v, loc, artifact);
  targets.bench = benchTarget(model, v, loc, deployed);

  if (rt.compiler) {
    // the hardware compile needs the vendor toolchain; verify checks the quantized model before it
    targets.compile = {
      executor: '@tf2aif/nx:compile',
      cache: true,
      dependsOn: ['verify'],
      inputs: [
        upstreamOutputs,
        ...core,
        adapterInput(loc, 'compilers', rt.compiler),
        executorInput(loc, 'compile'),
        // which vendor image (and DPU arch, compile command) compiled it
        { env: 'TF2AIF_VITIS_AI_IMAGE' },
        { env: 'TF2AIF_VITIS_AI_ARCH' },
        { env: 'TF2AIF_VITIS_AI_COMPILE' },
      ],
      outputs: [out('compile')],
      options: {
        ...base,
        compiler: rt.compiler,
        artifactPath: variantOutputDir(v.project, artifact),
        outputPath: variantOutputDir(v.project, 'compile'),
      },
      metadata: { description: `Compile ${v.project} for ${v.platform.title} with ${rt.compiler}` },
    };
  }
  return targets;
}

/** The image's base: the plugin's baseImages (by platform, then by arch), else the descriptor's upstream default. */
export function baseImageFor(v: ResolvedVariant, loc: TargetSettings): string {
  return loc.baseImages[v.key] ?? loc.baseImages[v.platform.name] ?? loc.baseImages[v.platform.arch] ?? v.platform.image.base;
}

export function imageTags(model: ResolvedModel, v: ResolvedVariant) {
  const repo = model.config.image.repository;
  return { imageTag: `${repo}/${model.name}:${v.key}`, clientTag: `${repo}/${model.name}-client:${v.key}` };
}

function composeTarget(model: ResolvedModel, v: ResolvedVariant, loc: TargetSettings, deployed: string): TargetConfiguration {
  const processing = model.config.processing ? `${model.dir}/${model.config.processing}` : undefined;
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
      variant: v.project,
      model: model.name,
      platform: v.platform.name,
      title: v.platform.title,
      hardware: v.platform.hardware,
      arch: v.platform.arch,
      runtime: v.runtime,
      executor: v.runtimeDescriptor.serve.executor ?? v.runtimeDescriptor.executor,
      precision: v.precision,
      batchSize: v.batchSize,
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

function imageTarget(model: ResolvedModel, v: ResolvedVariant, loc: TargetSettings, baseImage: string): TargetConfiguration {
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

function serveTarget(model: ResolvedModel, v: ResolvedVariant, loc: TargetSettings, artifact: string): TargetConfiguration {
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
      processing: model.config.processing ? `${model.dir}/${model.config.processing}` : undefined,
      port: 8000,
      host: '0.0.0.0',
      toolchainDir: loc.toolchainDir,
    },
    metadata: { description: `Serve ${v.project} over the Open Inference Protocol from the managed toolchain (no Docker)` },
  };
}

function benchTarget(model: ResolvedModel, v: ResolvedVariant, loc: TargetSettings, deployed: string): TargetConfiguration {
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
