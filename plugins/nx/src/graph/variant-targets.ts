import type { TargetConfiguration } from '@nx/devkit';
import type { ResolvedModel, ResolvedVariant } from '../config/load-model-config';
import type { PluginContext } from '../plugin/plugin-options';
import { baseImageFor, quantizeSettings } from '../settings/step-settings';
import { artifactStep, deployedStep, variantSteps, type VariantStep } from '../settings/variant-steps';
import { benchTarget } from './bench-target';
import { composeTarget, imageTarget, serveTarget } from './delivery-targets';
import { adapterInput, coreToolchainInputs, executorInput, upstreamOutputs } from './inputs';
import { calibrationInputs } from './model-targets';
import { sharesCalibration } from '../settings/shared-exports';
import { variantOutputDir } from '../settings/output-paths';

type TargetInputs = NonNullable<TargetConfiguration['inputs']>;

const unique = (names: (string | null)[]) => [...new Set(names.filter((n): n is string => Boolean(n)))];

/**
 * A variant's targets, one per step it has (settings/variant-steps.ts): executors, dependencies, inputs and outputs.
 * Their settings are not here: the graph carries a reference (settings-reference.ts), resolved when the executor
 * runs (settings/step-settings.ts).
 */
export function variantTargets(model: ResolvedModel, v: ResolvedVariant, ctx: PluginContext): Record<string, TargetConfiguration> {
  const core = coreToolchainInputs();
  const rt = v.runtimeDescriptor;
  /** a cached toolchain step: the upstream outputs and core toolchain, its own inputs, then its executor */
  const step = (name: string, dependsOn: string[], inputs: TargetInputs, description: string): TargetConfiguration => ({
    executor: `@tf2aif/nx:${name}`,
    cache: true,
    dependsOn,
    inputs: [upstreamOutputs, ...core, ...inputs, executorInput(name)],
    outputs: [`{workspaceRoot}/${variantOutputDir(v.project, name)}`],
    metadata: { description },
  });

  // the converters run in the model's export projects (shared-exports.ts); convert picks the runtime's export, or a
  // fallback runtime's where that converter refused an op, and links it
  const quantizers = unique([v.quantizer, ...v.fallbacks.map((f) => f.quantizer)]);
  const executors = unique([rt.executor, ...v.fallbacks.map((f) => f.descriptor.executor), 'tensorflow']);
  const fallbackNote = v.fallbacks.length ? ` (falls back to ${v.fallbacks.map((f) => f.runtime).join(', ')} where it cannot convert an op)` : '';
  const artifact = artifactStep(v);
  const deployed = deployedStep(v);
  const targets: Record<VariantStep, () => TargetConfiguration> = {
    convert: () => step('convert', ['^export'], [], `Take ${model.name}'s ${rt.converter} export for ${v.platform.title}${fallbackNote}`),
    quantize: () =>
      step(
        'quantize',
        // a quantizer whose calibration the model's variants share links it from the model's calibrate project
        sharesCalibration(v) ? ['convert', '^calibrate'] : ['convert'],
        // the quantize step runs the artifact (its accuracy check against the float model): the runtimes too
        [
          ...calibrationInputs(model, ctx),
          ...quantizers.map((q) => adapterInput(ctx, 'quantizers', q)),
          ...executors.map((e) => adapterInput(ctx, 'runtimes', e)),
        ],
        `Quantize ${v.project} to ${v.precision.toUpperCase()} with ${v.quantizer}${mixedNote(model, v)}`,
      ),
    verify: () =>
      step(
        'verify',
        [artifact, '^reference'],
        [...calibrationInputs(model, ctx), ...executors.map((e) => adapterInput(ctx, 'runtimes', e))],
        `Check ${v.project} against the TensorFlow original`,
      ),
    // the hardware compile needs the vendor toolchain; verify checks the quantized model before it. The
    // environment entries are the settings the compiler reads from it (which Vitis AI image, which DPU arch)
    compile: () =>
      step(
        'compile',
        ['verify'],
        [adapterInput(ctx, 'compilers', rt.compiler!), ...rt.compilerEnv.map((env) => ({ env }))],
        `Compile ${v.project} for ${v.platform.title} with ${rt.compiler}`,
      ),
    compose: () => composeTarget(model, v, ctx, deployed),
    image: () => imageTarget(v, ctx, baseImageFor(v, ctx.baseImages)),
    serve: () => serveTarget(v, artifact),
    bench: () => benchTarget(model, v, ctx),
  };
  return Object.fromEntries(variantSteps(v).map((s) => [s, targets[s]()]));
}

/** What the quantize step may do where full INT8 misses the tolerance (nx show project). */
function mixedNote(model: ResolvedModel, v: ResolvedVariant): string {
  const q = quantizeSettings(model, v);
  if (v.precision !== 'int8' || q.fallback !== 'mixed' || !v.runtimeDescriptor.floatLayers) return '';
  return `; where full INT8 misses the verify tolerance, mixed precision (at most ${Math.round(q.maxFloatShare * 100)}% of MACs in float)`;
}
