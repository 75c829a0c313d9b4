import type { TargetConfiguration } from '@nx/devkit';

type TargetInputs = NonNullable<TargetConfiguration['inputs']>;
import type { ResolvedModel, ResolvedVariant } from '../config/load-model-config';
import {
  adapterInput,
  coreToolchainInputs,
  executorInput,
  hashedPathsInput,
  upstreamOutputs,
  type TargetSettings,
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
  /** a cached toolchain step: the upstream outputs and core toolchain, its own inputs, then its executor */
  const step = (name: string, dependsOn: string[], inputs: TargetInputs, description: string): TargetConfiguration => ({
    executor: `@tf2aif/nx:${name}`,
    cache: true,
    dependsOn,
    inputs: [upstreamOutputs, ...core, ...inputs, executorInput(loc, name)],
    outputs: [`{workspaceRoot}/${variantOutputDir(v.project, name)}`],
    metadata: { description },
  });
  const targets: Record<string, TargetConfiguration> = {};

  targets.convert = step('convert', ['^build-model'], [adapterInput(loc, 'converters', rt.converter)], `Convert ${model.name} for ${v.platform.title} with ${rt.converter}`);
  if (v.quantizer) {
    targets.quantize = step(
      'quantize',
      ['convert'],
      [...calibrationInputs(model, loc), adapterInput(loc, 'quantizers', v.quantizer)],
      `Quantize ${v.project} to ${v.precision.toUpperCase()} with ${v.quantizer}`,
    );
  }

  const artifact = artifactStep(v);
  const deployed = deployedStep(v);
  targets.verify = step(
    'verify',
    [artifact],
    [...calibrationInputs(model, loc), adapterInput(loc, 'runtimes', rt.executor), adapterInput(loc, 'runtimes', 'tensorflow')],
    `Check ${v.project} against the TensorFlow original`,
  );
  targets.compose = composeTarget(model, v, loc, deployed);
  targets.image = imageTarget(v, loc, baseImageFor(v, loc));
  targets.serve = serveTarget(v, loc, artifact);
  targets.bench = benchTarget(model, v, loc);

  if (rt.compiler) {
    // the hardware compile needs the vendor toolchain; verify checks the quantized model before it. The
    // environment entries are the settings the compiler reads from it (which Vitis AI image, which DPU arch)
    targets.compile = step(
      'compile',
      ['verify'],
      [adapterInput(loc, 'compilers', rt.compiler), ...rt.compilerEnv.map((env) => ({ env }))],
      `Compile ${v.project} for ${v.platform.title} with ${rt.compiler}`,
    );
  }
  return targets;
}
