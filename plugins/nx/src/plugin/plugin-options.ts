import { existsSync, readdirSync, readFileSync } from 'fs';
import { join, relative } from 'path';
import { z } from 'zod';
import { ConfigFileError, parseOrThrow } from '../utils/format-issues';
import { packageDir, packageName } from './plugin-package';

/** The steps of the chain, by their internal names; each becomes a target whose name the options can change. */
export const steps = [
  'build-model',
  'export',
  'reference',
  'calibrate',
  'convert',
  'quantize',
  'verify',
  'compile',
  'compose',
  'image',
  'serve',
  'bench',
] as const;
export type Step = (typeof steps)[number];

/** The option that names each step's target, as Nx's own plugins name theirs (`verifyTargetName`). */
const targetNameOptions = {
  'build-model': 'buildModelTargetName',
  export: 'exportTargetName',
  reference: 'referenceTargetName',
  calibrate: 'calibrateTargetName',
  convert: 'convertTargetName',
  quantize: 'quantizeTargetName',
  verify: 'verifyTargetName',
  compile: 'compileTargetName',
  compose: 'composeTargetName',
  image: 'imageTargetName',
  serve: 'serveTargetName',
  bench: 'benchTargetName',
} as const satisfies Record<Step, string>;
const targetName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9:_-]*$/, 'must be a target name (letters, digits, -, _, :)');
const workspacePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a path inside the workspace');

/**
 * The plugin's options as nx.json registers them (`{"plugin": "@tf2aif/nx", "options": {...}}`); every default here.
 * Target names can be changed where they clash with the workspace's own (`serveTargetName`, ...), as Nx's own
 * plugins allow.
 */
export const pluginOptionsSchema = z.strictObject({
  /**
   * Base images to build FROM, keyed by variant, platform name or image arch (in that order), instead of the
   * descriptors' upstream defaults; e.g. {"amd64": "tf2aif/base:bookworm-py311-amd64"} on an air-gapped machine.
   */
  baseImages: z.record(z.string(), z.string().min(1)).default({}),
  /** workspace platforms, one `<name>/platform.json` each, read beside the built-in ones (`nx g @tf2aif/nx:platform`) */
  platformsDir: workspacePath.default('tf2aif/platforms'),
  /** workspace toolchain modules: `{converters,quantizers,runtimes,compilers}/<module>.py`, `serve-requirements/`, `tests/` */
  adaptersDir: workspacePath.default('tf2aif/adapters'),
  /** the workspace-level project (report, plan, ceiling, zoo) */
  workspaceProjectName: targetName.default('tf2aif'),
  buildModelTargetName: targetName.default('build-model'),
  /** a model's shared steps: each export project's target, and the model's reference outputs */
  exportTargetName: targetName.default('export'),
  referenceTargetName: targetName.default('reference'),
  calibrateTargetName: targetName.default('calibrate'),
  convertTargetName: targetName.default('convert'),
  quantizeTargetName: targetName.default('quantize'),
  verifyTargetName: targetName.default('verify'),
  compileTargetName: targetName.default('compile'),
  composeTargetName: targetName.default('compose'),
  imageTargetName: targetName.default('image'),
  serveTargetName: targetName.default('serve'),
  benchTargetName: targetName.default('bench'),
});
export type PluginOptions = z.input<typeof pluginOptionsSchema>;

/** The options resolved, plus where the plugin package is, as every target builder and executor needs them. */
export interface PluginContext {
  /** workspace-relative folder of the installed plugin package (node_modules/@tf2aif/nx, or a linked folder) */
  pluginDir: string;
  baseImages: Record<string, string>;
  platformsDir: string;
  adaptersDir: string;
  workspaceProjectName: string;
  /** target name of each step */
  targetNames: Record<Step, string>;
  /** the workspace's own toolchain modules, as `<kind>/<module>.py` under adaptersDir (they win over the package's) */
  workspaceAdapters: string[];
}

type ResolvedOptions = Omit<PluginContext, 'pluginDir' | 'workspaceAdapters'>;

export function resolvePluginOptions(raw: unknown, where = 'nx.json: plugins[@tf2aif/nx].options'): ResolvedOptions {
  const o = parseOrThrow(pluginOptionsSchema, raw ?? {}, where);
  const targetNames = Object.fromEntries(steps.map((s) => [s, o[targetNameOptions[s]]])) as Record<Step, string>;
  const names = Object.values(targetNames);
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash) throw new ConfigFileError(where, [`two steps have the target name "${clash}"`]);
  const { baseImages, platformsDir, adaptersDir, workspaceProjectName } = o;
  return { baseImages, platformsDir, adaptersDir, workspaceProjectName, targetNames };
}

/** The raw options of this plugin's entry in nx.json (an entry may be the bare name). */
type NxJsonPlugins = { plugins?: Array<string | { plugin: string; options?: unknown }> } | null | undefined;

export function pluginOptionsOf(nxJson: NxJsonPlugins): unknown {
  const entry = (nxJson?.plugins ?? []).find((p) => (typeof p === 'string' ? p : p.plugin) === packageName);
  return entry && typeof entry !== 'string' ? (entry.options ?? {}) : {};
}

/** The options as the workspace's nx.json has them now (executors and generators, outside createNodes). */
export function readPluginOptions(workspaceRoot: string): ResolvedOptions {
  const file = join(workspaceRoot, 'nx.json');
  return resolvePluginOptions(pluginOptionsOf(existsSync(file) ? readNxJsonFile(file) : {}));
}

/** nx.json as JSON, or, where it has comments or trailing commas, as Nx reads it: @nx/devkit is required only then,
 * as every step's task process reads this file and loading devkit costs it about 70 ms (over 1000 tasks in the zoo). */
function readNxJsonFile(file: string): NxJsonPlugins {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as NxJsonPlugins;
  } catch {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('@nx/devkit') as typeof import('@nx/devkit')).readJsonFile<NonNullable<NxJsonPlugins>>(file);
  }
}

const adapterKinds = ['converters', 'quantizers', 'runtimes', 'compilers'];

function listAdapters(dir: string): string[] {
  return adapterKinds
    .flatMap((kind) =>
      existsSync(join(dir, kind))
        ? readdirSync(join(dir, kind))
            .filter((f) => f.endsWith('.py') && f !== '__init__.py')
            .map((f) => `${kind}/${f}`)
        : [],
    )
    .sort();
}

/** Everything a target builder or the settings resolver needs to know about the plugin in this workspace. */
export function pluginContext(workspaceRoot: string, rawOptions: unknown): PluginContext {
  const o = resolvePluginOptions(rawOptions);
  return { ...o, pluginDir: relative(workspaceRoot, packageDir) || '.', workspaceAdapters: listAdapters(join(workspaceRoot, o.adaptersDir)) };
}
