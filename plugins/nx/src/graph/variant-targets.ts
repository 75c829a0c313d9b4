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
import { composeTarget, imageTarget, serveTarget } from './delivery-targets';
import { variantOutputDir } from './paths';
import { artifactStep, baseImageFor, calibrationSettings, deployedStep } from '../settings/step-settings';


/** Loader code and dataset files, hashed by content (datasets are often git-ignored). */
function calibrationInputs(model: ResolvedModel, loc: TargetSettings) {
  const c = calibrationSettings(model);
  const paths = [c.loader, c.dataset].filter((p): p is string => Boolean(p));
  return paths.length > 0 ? [hashedPathsInput(loc, paths)] : [];
}

/**
 * A variant's targets: executors, dependencies, inputs and outputs. Their settings are not here: the graph
 * carries a reference (settings-reference.ts), resolved when the executor runs (settings/step-settings.ts).
 */
export function variantTargets(
  model: ResolvedModel,
  v: ResolvedVariant,
  loc: TargetSettings,
): Record<string, TargetConfiguration> {
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
      metadata: { description: `Quantize ${v.project} to ${v.precision.toUpperCase()} with ${v.quantizer}` },
    };
  }

  const artifact = artifactStep(v);
  const deployed = deployedStep(v);
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
    metadata: { description: `Check ${v.project} against the TensorFlow original` },
  };

  targets.compose = composeTarget(model, v, loc, deployed);
  targets.image = imageTarget(v, loc, baseImageFor(v, loc));
  targets.serve = serveTarget(v, loc, artifact);
  targets.bench = benchTarget(model, v, loc);

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
      metadata: { description: `Compile ${v.project} for ${v.platform.title} with ${rt.compiler}` },
    };
  }
  return targets;
}
