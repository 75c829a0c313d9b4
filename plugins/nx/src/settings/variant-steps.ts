import type { ResolvedVariant } from '../config/load-model-config';
import type { Step } from '../plugin/plugin-options';

/** Every step a variant project may have, in chain order (the model's own steps and its shared ones are not here). */
export const variantChain = ['convert', 'quantize', 'verify', 'compile', 'compose', 'image', 'serve', 'bench'] as const satisfies readonly Step[];
export type VariantStep = (typeof variantChain)[number];

/**
 * The steps a variant has, in chain order: the one place that decides. quantize where its platform quantizes the
 * variant's precision (a quantizer module, not "none"), compile where its runtime has a hardware compile step, the
 * others always. Its targets (graph/variant-targets.ts) and its settings (step-settings.ts) follow this list.
 */
export function variantSteps(v: ResolvedVariant): VariantStep[] {
  const optional: Partial<Record<VariantStep, boolean>> = { quantize: Boolean(v.quantizer), compile: Boolean(v.runtimeDescriptor.compiler) };
  return variantChain.filter((s) => optional[s] ?? true);
}

/** The step whose output is the variant's artifact: quantize where the variant has it. */
export function artifactStep(v: ResolvedVariant): 'convert' | 'quantize' {
  return variantSteps(v).includes('quantize') ? 'quantize' : 'convert';
}

/** The step whose output is deployed: the hardware compile where the variant has it. */
export function deployedStep(v: ResolvedVariant): 'convert' | 'quantize' | 'compile' {
  return variantSteps(v).includes('compile') ? 'compile' : artifactStep(v);
}
