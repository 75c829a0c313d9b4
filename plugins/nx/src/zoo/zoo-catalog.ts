import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { z } from 'zod';
import { parseJsonFile, parseOrThrow } from '../utils/format-issues';
import { platformOptionsSchema } from '../config/model-config.schema';

const modelName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes, starting with a letter');

export const zooModelSchema = z.strictObject({
  name: modelName,
  builder: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must name a Python file in zoo/builders/ (without .py)'),
  args: z.record(z.string(), z.unknown()).default({}).describe('keyword arguments of build()'),
  export: z.enum(['savedmodel', 'keras']).describe('how the model is handed to tf2aif: a SavedModel folder or a .keras file'),
  task: z.enum(['classification', 'segmentation', 'other']).default('classification'),
  shapes: z.string().optional().describe('--shapes for nx g @tf2aif/nx:model: the shape range of inputs with unknown dimensions'),
  seed: z.number().int().nonnegative().default(0),
  about: z.string().default(''),
});

export const zooCatalogSchema = z
  .strictObject({
    $schema: z.string().optional(),
    description: z.string().optional(),
    /** the columns: tf2aif.json platform entries, every one added to every model */
    platforms: z.record(
      z.string().regex(/^[a-z][a-z0-9-]*$/),
      // as written, without tf2aif.json's defaults: the zoo passes only what a column sets to `nx g variant`
      platformOptionsSchema.extend({
        ioType: platformOptionsSchema.shape.ioType.unwrap().optional(),
        fallback: platformOptionsSchema.shape.fallback.unwrap().optional(),
      }),
    ),
    /** named subsets of models, e.g. the slice CI runs */
    slices: z.record(z.string(), z.array(z.string()).min(1)).default({}),
    models: z.array(zooModelSchema).min(1),
  })
  .superRefine((c, ctx) => {
    const names = new Set<string>();
    c.models.forEach((m, i) => {
      if (names.has(m.name)) ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `duplicate model "${m.name}"` });
      names.add(m.name);
    });
    for (const [slice, members] of Object.entries(c.slices)) {
      members.forEach((m, i) => {
        if (!names.has(m)) ctx.addIssue({ code: 'custom', path: ['slices', slice, i], message: `no model "${m}" in models` });
      });
    }
  });

export type ZooCatalog = z.output<typeof zooCatalogSchema>;
export type ZooModel = z.output<typeof zooModelSchema>;

export function loadZooCatalog(workspaceRoot: string, file: string): ZooCatalog {
  const path = join(workspaceRoot, file);
  if (!existsSync(path)) throw new Error(`zoo catalog ${file} does not exist`);
  const catalog = parseOrThrow(zooCatalogSchema, parseJsonFile(readFileSync(path, 'utf8'), file), file);
  for (const m of catalog.models) {
    if (!existsSync(join(workspaceRoot, 'zoo', 'builders', `${m.builder}.py`))) {
      throw new Error(`${file}: model "${m.name}": builder zoo/builders/${m.builder}.py does not exist`);
    }
  }
  return catalog;
}

const list = (s?: string) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** The models and platform columns a run covers: --slice, --models and --platforms narrow the catalog. */
export function selectCells(catalog: ZooCatalog, filters: { models?: string; platforms?: string; slice?: string }) {
  const known = catalog.models.map((m) => m.name);
  let names = known;
  if (filters.slice) {
    const slice = catalog.slices[filters.slice];
    if (!slice) throw new Error(`--slice: no slice "${filters.slice}" (slices: ${Object.keys(catalog.slices).join(', ') || 'none'})`);
    names = slice;
  }
  const wanted = list(filters.models);
  const unknownModels = wanted.filter((m) => !known.includes(m));
  if (unknownModels.length) throw new Error(`--models: unknown model(s) ${unknownModels.join(', ')} (known: ${known.join(', ')})`);
  if (wanted.length) names = names.filter((n) => wanted.includes(n));
  const columns = Object.keys(catalog.platforms);
  const wantedPlatforms = list(filters.platforms);
  const unknownPlatforms = wantedPlatforms.filter((p) => !columns.includes(p));
  if (unknownPlatforms.length)
    throw new Error(`--platforms: unknown platform(s) ${unknownPlatforms.join(', ')} (zoo columns: ${columns.join(', ')})`);
  const platforms = wantedPlatforms.length ? columns.filter((p) => wantedPlatforms.includes(p)) : columns;
  if (names.length === 0) throw new Error('the filters select no model');
  return { models: catalog.models.filter((m) => names.includes(m.name)), platforms };
}
