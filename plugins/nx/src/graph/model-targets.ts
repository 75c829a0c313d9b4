import type { TargetConfiguration } from '@nx/devkit';
import type { PluginContext } from '../settings/plugin-options';
import { posix } from 'path';
import type { ResolvedModel } from '../config/load-model-config';
import { coreToolchainInputs, executorInput, hashedPathsInput } from './inputs';
import { modelOutputDir } from './paths';

/** The model project's one target: build or import the TensorFlow model into a checked SavedModel. */
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
