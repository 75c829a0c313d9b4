import { formatFiles, glob, readJson, readNxJson, writeJson, type Tree } from '@nx/devkit';
import { basename, dirname, join } from 'path';
import { z } from 'zod';
import { parseOrThrow } from '../../utils/format-issues';
import { resolveModelConfig } from '../../config/load-model-config';
import { loadPlatformRegistry } from '../../platforms/platform-registry';
import { pluginOptionsOf, resolvePluginOptions } from '../../plugin/plugin-options';

export interface VariantGeneratorOptions {
  model: string;
  /** comma-separated platforms to add */
  add?: string;
  /** comma-separated platforms to remove */
  remove?: string;
  precision?: 'fp32' | 'fp16' | 'int8';
  batchSize?: number;
  runtime?: string;
  ioType?: 'uint8' | 'int8' | 'float32';
  /** the platform of the added names, when they name variants of their own (e.g. --add=cpu-onnxruntime --platform=cpu) */
  platform?: string;
  skipFormat?: boolean;
}

const optionsSchema = z.object({
  model: z.string().min(1),
  add: z.string().optional(),
  remove: z.string().optional(),
  precision: z.enum(['fp32', 'fp16', 'int8']).optional(),
  batchSize: z.number().int().positive().optional(),
  runtime: z.string().optional(),
  ioType: z.enum(['uint8', 'int8', 'float32']).optional(),
  platform: z.string().optional(),
  skipFormat: z.boolean().default(false),
});

const list = (s?: string) =>
  (s ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);

/** The tf2aif.json of the model named `model`, wherever it is in the workspace (its `name`, else its folder's). */
function findModelConfig(tree: Tree, model: string): string {
  const files = glob(tree, ['**/tf2aif.json']).filter((f) => !f.startsWith('node_modules/'));
  const found = files.find((f) => (readJson(tree, f).name ?? basename(dirname(f))) === model);
  if (!found)
    throw new Error(`--model: no tf2aif.json of a model "${model}" in the workspace (models: nx show projects --projects=tag:tf2aif:model)`);
  return found;
}

/** Adds or removes platforms of a model; the result is checked like any tf2aif.json before it is written. */
export async function variantGenerator(tree: Tree, raw: VariantGeneratorOptions) {
  const options = parseOrThrow(optionsSchema, raw, 'options of @tf2aif/nx:variant');
  const file = findModelConfig(tree, options.model);
  const add = list(options.add);
  const remove = list(options.remove);
  if (add.length + remove.length === 0) throw new Error('give --add and/or --remove with comma-separated platform names');
  const registry = loadPlatformRegistry(join(tree.root, resolvePluginOptions(pluginOptionsOf(readNxJson(tree))).platformsDir));
  const config = readJson(tree, file);
  const platforms: Record<string, Record<string, unknown>> = { ...(config.platforms ?? {}) };
  for (const name of remove) {
    if (!(name in platforms)) throw new Error(`--remove: ${options.model} has no platform "${name}" (it has: ${Object.keys(platforms).join(', ')})`);
    delete platforms[name];
  }
  if (options.platform && !registry.has(options.platform)) {
    throw new Error(`--platform: unknown platform "${options.platform}" (known: ${[...registry.keys()].join(', ')})`);
  }
  for (const name of add) {
    if (!options.platform && !registry.has(name)) {
      throw new Error(`--add: unknown platform "${name}" (known: ${[...registry.keys()].join(', ')}; a variant of its own name needs --platform)`);
    }
    const settings = {
      platform: options.platform && options.platform !== name ? options.platform : undefined,
      runtime: options.runtime,
      precision: options.precision,
      batchSize: options.batchSize,
      ioType: options.ioType,
    };
    platforms[name] = { ...platforms[name], ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) };
  }
  const next = { ...config, platforms };
  resolveModelConfig(JSON.stringify(next), file, registry); // the same checks as createNodes, before writing
  writeJson(tree, file, next);
  if (!options.skipFormat) await formatFiles(tree);
}

export default variantGenerator;
