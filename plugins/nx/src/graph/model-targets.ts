import type { TargetConfiguration } from '@nx/devkit';
import type { PluginContext } from '../plugin/plugin-options';
import { posix } from 'path';
import type { ResolvedModel } from '../config/load-model-config';
import { calibrationSettings } from '../settings/step-settings';
import type { ModelCalibration, ModelExport } from '../settings/shared-exports';
import { calibrationKey } from '../settings/shared-exports';
import { adapterInput, coreToolchainInputs, executorInput, hashedPathsInput, upstreamOutputs } from './inputs';
import { modelOutputDir, sharedOutputDir } from '../settings/output-paths';

/** The model project's first target: build or import the TensorFlow model into a checked SavedModel. */
export function buildModelTarget(model: ResolvedModel, ctx: PluginContext): TargetConfiguration {
  const { source } = model.config;
  const sourceInputs =
    source.format === 'script'
      ? // a build script may read any file next to it; the config itself is passed as options instead
        ['{projectRoot}/**/*', '!{projectRoot}/tf2aif.json']
      : [hashedPathsInput(ctx, [posix.isAbsolute(source.path) ? source.path : posix.join(model.dir, source.path)])];
  return {
    executor: '@tf2aif/nx:build-model',
    cache: true,
    inputs: [...sourceInputs, ...coreToolchainInputs(), executorInput('build-model')],
    outputs: [`{workspaceRoot}/${modelOutputDir(model.name)}`],
    metadata: { description: `Build or import the TensorFlow model ${model.name} as a checked SavedModel` },
  };
}

/** Loader code and dataset files, hashed by content (datasets are often git-ignored). */
export function calibrationInputs(model: ResolvedModel, ctx: PluginContext) {
  const c = calibrationSettings(model);
  const paths = [c.loader, c.dataset].filter((p): p is string => Boolean(p));
  return paths.length > 0 ? [hashedPathsInput(ctx, paths)] : [];
}

/** The original's outputs on verify's samples, computed once for every variant's verify (reference.py). */
export function referenceTarget(model: ResolvedModel, ctx: PluginContext): TargetConfiguration {
  return {
    executor: '@tf2aif/nx:reference',
    cache: true,
    dependsOn: ['build-model'],
    inputs: [
      upstreamOutputs,
      ...coreToolchainInputs(),
      ...calibrationInputs(model, ctx),
      adapterInput(ctx, 'runtimes', 'tensorflow'),
      executorInput('reference'),
    ],
    outputs: [`{workspaceRoot}/${sharedOutputDir(model.name, 'reference')}`],
    metadata: { description: `Run the TensorFlow original of ${model.name} on verify's samples, once for every variant` },
  };
}

/** An export project's one target: one converter's output at one batch size, for every variant that starts from it. */
export function exportTarget(model: ResolvedModel, e: ModelExport, ctx: PluginContext): TargetConfiguration {
  return {
    executor: '@tf2aif/nx:export',
    cache: true,
    // a fallback runtime's export reads whether the exports it stands in for refused an op
    dependsOn: e.onlyIfRefused ? ['^build-model', '^export'] : ['^build-model'],
    inputs: [upstreamOutputs, ...coreToolchainInputs(), adapterInput(ctx, 'converters', e.converter), executorInput('export')],
    outputs: [`{workspaceRoot}/${sharedOutputDir(model.name, e.key)}`],
    metadata: {
      description:
        `Convert ${model.name} with ${e.converter}${e.key.includes('-batch') ? ` at batch ${e.batchSize}` : ''}, once for ${e.consumers.join(', ')}` +
        (e.onlyIfRefused ? ` (their fallback runtime's: converts only where ${e.onlyIfRefused.join(', ')} refused an op)` : ''),
    },
  };
}

/** A calibration project's one target: a quantizer's calibration, once for every variant that quantizes with it. */
export function calibrateTarget(model: ResolvedModel, c: ModelCalibration, ctx: PluginContext): TargetConfiguration {
  return {
    executor: '@tf2aif/nx:calibrate',
    cache: true,
    dependsOn: ['^export'],
    inputs: [
      upstreamOutputs,
      ...coreToolchainInputs(),
      ...calibrationInputs(model, ctx),
      adapterInput(ctx, 'quantizers', c.quantizer),
      executorInput('calibrate'),
    ],
    outputs: [`{workspaceRoot}/${sharedOutputDir(model.name, calibrationKey(c.quantizer))}`],
    metadata: { description: `Calibrate ${model.name} for ${c.quantizer} once, for ${c.consumers.join(', ')} (an emulation per batch size)` },
  };
}
