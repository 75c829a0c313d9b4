import { formatFiles, generateFiles, joinPathFragments, readNxJson, writeJson, type Tree } from '@nx/devkit';
import { existsSync, statSync } from 'fs';
import { isAbsolute, join, relative, sep } from 'path';
import { z } from 'zod';
import { parseOrThrow } from '../../utils/format-issues';
import { resolveModelConfig } from '../../config/load-model-config';
import { jsonSchemaFile } from '../../config/model-config-json-schema';
import { tensorSpecSchema, type ShapeRange, type TensorSpec } from '../../config/model-config.schema';
import { loadPlatformRegistry } from '../../platforms/platform-registry';
import { pluginOptionsOf, resolvePluginOptions } from '../../plugin/plugin-options';
import { inspectModel, type InspectResult } from '../../toolchain/inspect-model';
import { packageDir } from '../../plugin/plugin-package';
import { initGenerator } from '../init/generator';

export interface ModelGeneratorOptions {
  name: string;
  /** SavedModel folder, Keras file or build script; workspace-relative or absolute */
  source: string;
  format?: 'savedmodel' | 'keras' | 'script';
  task?: 'classification' | 'segmentation' | 'other';
  /** comma-separated platform names; default: every platform enabled by default */
  platforms?: string;
  /** JSON list of {name, shape, dtype}; read from the model when omitted */
  inputs?: string;
  /** shape ranges of inputs with unknown dimensions: "image=64x64x3:224x224x3:512x512x3" (min:opt:max), ";" between inputs */
  shapes?: string;
  /** the folder of tf2aif.json, workspace-relative (default: models/<name>) */
  directory?: string;
  trained?: boolean;
  skipFormat?: boolean;
}

const optionsSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes, starting with a letter'),
  source: z.string().min(1),
  format: z.enum(['savedmodel', 'keras', 'script']).optional(),
  task: z.enum(['classification', 'segmentation', 'other']).default('classification'),
  platforms: z.string().optional(),
  inputs: z.string().optional(),
  shapes: z.string().optional(),
  directory: z
    .string()
    .min(1)
    .refine((p) => !isAbsolute(p) && !p.split(/[\\/]/).includes('..'), 'must be a folder inside the workspace')
    .optional(),
  trained: z.boolean().default(true),
  skipFormat: z.boolean().default(false),
});

const SHAPES_EXAMPLE = '--shapes="image=64x64x3:224x224x3:512x512x3"';

/** --shapes: "name=MINxDIMS:OPTxDIMS:MAXxDIMS", several joined by ";" -> input name -> shape range. */
export function parseShapes(text: string): Map<string, ShapeRange> {
  const ranges = new Map<string, ShapeRange>();
  for (const part of text
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([^=]+)=([0-9x]+):([0-9x]+):([0-9x]+)$/.exec(part);
    if (!match)
      throw new Error(
        `--shapes: "${part}" is not name=min:opt:max with shapes written as 64x64x3 (without the batch dimension), e.g. ${SHAPES_EXAMPLE}`,
      );
    const dims = (s: string) => s.split('x').map(Number);
    ranges.set(match[1].trim(), { min: dims(match[2]), opt: dims(match[3]), max: dims(match[4]) });
  }
  return ranges;
}

/** Inputs with unknown dimensions take their range from --shapes; one without a range is an error naming the flag. */
export function withShapeRanges(inputs: TensorSpec[], shapes: string | undefined): TensorSpec[] {
  const ranges = shapes ? parseShapes(shapes) : new Map<string, ShapeRange>();
  const unknown = [...ranges.keys()].filter((name) => !inputs.some((i) => i.name === name));
  if (unknown.length) throw new Error(`--shapes: the model has no input(s) ${unknown.join(', ')} (inputs: ${inputs.map((i) => i.name).join(', ')})`);
  return inputs.map((input) => {
    const range = ranges.get(input.name) ?? input.shapeRange;
    if (!range && Array.isArray(input.shape) && input.shape.slice(1).some((d) => d === null)) {
      throw new Error(
        `input "${input.name}" has unknown dimensions ${JSON.stringify(input.shape)}: give the shapes to accept without the batch dimension ` +
          `(min:opt:max), e.g. ${SHAPES_EXAMPLE.replace('image', input.name)}`,
      );
    }
    return range ? { ...input, shapeRange: range } : input;
  });
}

type Inspector = (format: 'savedmodel' | 'keras', absolutePath: string) => InspectResult;

function guessFormat(path: string): 'savedmodel' | 'keras' | 'script' {
  if (path.endsWith('.py')) return 'script';
  if (/\.(keras|h5)$/.test(path)) return 'keras';
  return 'savedmodel';
}

function parseInputs(text: string, shapes: string | undefined): TensorSpec[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`--inputs must be JSON, e.g. '[{"name":"image","shape":[null,224,224,3]}]': ${(e as Error).message}`);
  }
  const named = parseOrThrow(z.array(z.looseObject({ name: z.string() })).min(1), raw, '--inputs') as TensorSpec[];
  // --shapes fills the ranges before the specs are checked (a spec with unknown dimensions needs one)
  return parseOrThrow(z.array(tensorSpecSchema).min(1), withShapeRanges(named, shapes), '--inputs');
}

/**
 * Scaffolds <directory>/tf2aif.json (default models/<name>) for an existing model, reading its input specs from the
 * model itself (through the Python toolchain) unless --inputs gives them. The plugin finds a tf2aif.json wherever
 * it is in the workspace.
 */
export async function modelGenerator(tree: Tree, raw: ModelGeneratorOptions, inspect?: Inspector) {
  const options = parseOrThrow(optionsSchema, raw, 'options of @tf2aif/nx:model');
  const dir = joinPathFragments(options.directory ?? joinPathFragments('models', options.name));
  if (tree.exists(joinPathFragments(dir, 'tf2aif.json'))) {
    throw new Error(`${dir}/tf2aif.json already exists; edit it, or use @tf2aif/nx:variant to change its platforms`);
  }
  const { platformsDir } = resolvePluginOptions(pluginOptionsOf(readNxJson(tree)));
  const registry = loadPlatformRegistry(join(tree.root, platformsDir));
  const wanted = options.platforms
    ? options.platforms
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
    : [...registry.values()].filter((p) => p.defaultEnabled).map((p) => p.name);
  const unknown = wanted.filter((p) => !registry.has(p));
  if (unknown.length > 0) throw new Error(`--platforms: unknown platform(s) ${unknown.join(', ')} (known: ${[...registry.keys()].join(', ')})`);

  const format = options.format ?? guessFormat(options.source);
  const absolute = isAbsolute(options.source) ? options.source : join(tree.root, options.source);
  const inside = !relative(tree.root, absolute).startsWith('..');
  const sourcePath = inside ? relative(join(tree.root, dir), absolute) || '.' : absolute;

  let inputs: TensorSpec[];
  if (options.inputs) {
    inputs = parseInputs(options.inputs, options.shapes);
  } else if (format === 'script') {
    throw new Error('--inputs is required for a build script (its model only exists once build() runs)');
  } else {
    if (!inspect && !existsSync(absolute)) throw new Error(`--source: ${options.source} does not exist`);
    if (!inspect && format === 'savedmodel' && !statSync(absolute).isDirectory()) {
      throw new Error(`--source: ${options.source} is a file; a SavedModel is a folder (use --format keras for a Keras file)`);
    }
    const read = inspect ?? ((f, p) => inspectModel(tree.root, f, p));
    inputs = read(format, absolute).inputs.map((i) => ({ ...i, dtype: i.dtype as TensorSpec['dtype'] }));
  }
  inputs = withShapeRanges(inputs, options.shapes);

  const file = joinPathFragments(dir, 'tf2aif.json');
  // editors check the file against the installed package's JSON Schema, where the package is inside the workspace
  const packageInside = !relative(tree.root, packageDir).startsWith('..');
  const config = {
    ...(packageInside ? { $schema: relative(join(tree.root, dir), join(packageDir, jsonSchemaFile)).split(sep).join('/') } : {}),
    name: options.name,
    task: options.task,
    trained: options.trained,
    source: { format, path: sourcePath },
    inputs,
    calibration: options.trained ? { loader: 'calibration.py', samples: 100, batchSize: 10 } : { random: true, samples: 20, batchSize: 4 },
    serving: { mode: 'LAT' },
    platforms: Object.fromEntries(wanted.map((p) => [p, {}])),
  };
  resolveModelConfig(JSON.stringify(config), file, registry); // what createNodes will check, before writing
  writeJson(tree, file, config);
  if (options.trained) {
    const inputsText = inputs.map((i) => `${i.name}: [${i.shape.map((d) => d ?? 'None').join(', ')}] ${i.dtype}`).join('; ');
    generateFiles(tree, join(__dirname, 'files'), dir, { name: options.name, inputsText, template: '' });
  }
  await initGenerator(tree, { skipFormat: true });
  if (!options.skipFormat) await formatFiles(tree);
}

export default (tree: Tree, options: ModelGeneratorOptions) => modelGenerator(tree, options);
