import type { TargetConfiguration } from '@nx/devkit';
import type { ResolvedModel, ResolvedVariant } from '../config/load-model-config';
import {
  adapterInput,
  coreToolchainInputs,
  executorInput,
  hashedPathsInput,
  upstreamOutputs,
  type TargetSettings,
  ws,
} from './inputs';
import { benchTarget } from './bench-target';
import { baseImageFor, composeTarget, imageTarget, serveTarget } from './delivery-targets';
import { modelOutputDir, variantOutputDir } from './paths';


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
      // the float model a quantized variant started from: verify profiles an INT8 failure layer by layer against it
      ...(artifact === 'quantize' ? { convertPath: variantOutputDir(v.project, 'convert') } : {}),
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
        // the settings the compiler reads from the environment (e.g. which Vitis AI image, which DPU arch)
        ...rt.compilerEnv.map((env) => ({ env })),
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
