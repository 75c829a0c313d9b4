import type { TargetConfiguration } from '@nx/devkit';
import type { ResolvedModel, ResolvedVariant } from '../config/load-model-config';
import type { PluginContext } from '../plugin/plugin-options';
import { referenceKey, type SettingsReference } from '../settings/resolve-settings';
import { pluginParts, ws } from './inputs';

/**
 * Nx hashes a project's whole configuration, every target's options included, into each of its tasks:
 * settings carried as options would make a change to `verify.samples` rerun `convert`. So a target carries
 * only a reference to its settings (which tf2aif.json, which variant) plus the knobs a user may override on
 * the command line; the executor resolves its settings from tf2aif.json when it runs (settings/), and each
 * target hashes exactly the tf2aif.json fields it reads.
 */
/** tf2aif.json fields each step reads (besides the variant's own `platforms.<key>` entry). */
const fieldsByStep: Record<string, string[]> = {
  'build-model': ['name', 'source', 'inputs'],
  // an export's converter and batch size are in its reference (the export's key)
  export: ['name', 'inputs'],
  // a step that draws samples reads valueRanges (an input without a range of its own) and verify.seed (the draws' seeds)
  reference: ['name', 'inputs', 'calibration', 'verify', 'valueRanges'],
  calibrate: ['name', 'inputs', 'calibration', 'valueRanges'],
  convert: ['name', 'task', 'trained', 'inputs'],
  // the quantize step's accuracy check compares as verify does (verify's samples, seed, tolerances); quantize: mixed precision
  quantize: ['name', 'task', 'trained', 'inputs', 'calibration', 'verify', 'valueRanges', 'quantize'],
  verify: ['name', 'task', 'trained', 'inputs', 'calibration', 'verify', 'valueRanges'],
  compile: ['name', 'task', 'trained', 'inputs'],
  // the server's variant.json: serving settings and each input's value range (inputs[].range, else valueRanges)
  compose: ['name', 'task', 'trained', 'inputs', 'serving', 'valueRanges', 'image', 'processing'],
  image: ['name', 'image'],
  serve: ['name', 'inputs', 'serving', 'valueRanges', 'processing'],
  bench: ['name', 'inputs', 'image', 'serving', 'valueRanges', 'processing'],
};

function settingsInputs(model: ResolvedModel, step: string, v?: ResolvedVariant) {
  const fields = [...(fieldsByStep[step] ?? []), ...(v ? [`platforms.${v.key}`] : [])];
  return [
    { json: `{workspaceRoot}/${model.file}`, fields },
    // plugin options (baseImages, platformsDir, adaptersDir) shape the resolved options too
    { json: '{workspaceRoot}/nx.json', fields: ['plugins'] },
  ];
}

/** The settings reference a project's targets carry (any of them: target names are the workspace's to choose). */
export function referenceOf(targets: Record<string, { options?: Record<string, unknown> }> | undefined): SettingsReference | undefined {
  return Object.values(targets ?? {})
    .map((t) => t.options?.[referenceKey] as SettingsReference | undefined)
    .find((ref) => ref !== undefined);
}

/** A platform's descriptor as an input: the package's (fingerprinted) or the workspace's own file. */
export function descriptorInput(ctx: PluginContext, v: ResolvedVariant) {
  const file = `${v.platform.name}/platform.json`;
  return v.platform.builtIn ? pluginParts([`platforms/${file}`]) : ws(`${ctx.platformsDir}/${file}`);
}

/** The target as the graph shows it: a settings reference and inputs that hash what it reads. Options a user
 * passes on the command line (`nx run x:serve --port=9000`) are merged over the resolved settings; their
 * defaults are the executor schema's. The resolved settings ride along in the target's metadata, which Nx
 * shows (`nx show project <p> --json`) but does not hash (its project hash covers root, tags and each target's
 * executor, outputs, options, configurations and parallelism). */
export function byReference(
  step: string,
  target: TargetConfiguration,
  model: ResolvedModel,
  ctx: PluginContext,
  v: ResolvedVariant | undefined,
  settings: Record<string, unknown> | undefined,
  shared?: { key: string; onlyIfRefused?: string[] | null },
): TargetConfiguration {
  const reference: SettingsReference = {
    config: model.file,
    target: step,
    ...(v ? { variant: v.key } : {}),
    ...(shared ? { shared: shared.key } : {}),
    ...(shared?.onlyIfRefused ? { onlyIfRefused: shared.onlyIfRefused } : {}),
  };
  return {
    ...target,
    inputs: [...(target.inputs ?? []), ...settingsInputs(model, step, v), ...(v ? [descriptorInput(ctx, v)] : [])],
    options: { [referenceKey]: reference },
    metadata: { technologies: ['tf2aif', 'tensorflow'], ...target.metadata, ...(settings ? { settings } : {}) },
  };
}
